"""A networked co-drafting client: `editor.domain.sync.Replica` over python-socketio, as a browser tab uses it.

`DraftClient` is the asyncio core (many of them share one event loop: the load benchmark drives 193 in one
process); `BlockingDraftClient` wraps one for tests that are written as plain sequential code, running every
client on one background event loop (`LoopThread`), so that it is safe to call from any thread.

The client follows the README's "Live co-drafting protocol": it logs in through the form, connects with the
session cookie, joins (with `since` after a reconnect, then sends the change that was in flight again), sends
`outgoing()` whenever nothing is in flight, applies `changes` in `seq` order and, when a gap in the log lasts,
joins again with `since`.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
import uuid
from collections.abc import Callable, Coroutine, Mapping
from concurrent.futures import Future
from typing import Any, TypeVar

import aiohttp
import socketio

from editor.domain.document import ParagraphKind
from editor.domain.sync import INSERT, Replica

NAMESPACE = "/drafts"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
T = TypeVar("T")
# (client id of the author, its cseq, time.perf_counter() when this replica had applied the change)
AppliedHook = Callable[[str, int, float], None]


class ClientError(Exception):
    """The server refused something the client cannot recover from (a failed join, a refused login)."""


async def login(url: str, username: str, password: str) -> str:
    """Log in through the form as a browser does; returns the Cookie header for the session."""
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{url}/login") as page:
            match = CSRF_FIELD.search(await page.text())
            if match is None:
                raise ClientError("no CSRF token on /login")
            cookies = {name: morsel.value for name, morsel in page.cookies.items()}
        form = {"username": username, "password": password, "csrf_token": match.group(1)}
        async with http.post(f"{url}/login", data=form, allow_redirects=False,
                             headers={"Cookie": _cookie_header(cookies)}) as answer:
            if answer.status != 302:
                raise ClientError(f"login as {username} answered {answer.status}")
            cookies.update({name: morsel.value for name, morsel in answer.cookies.items()})
    return _cookie_header(cookies)


def _cookie_header(cookies: Mapping[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


async def fetch_draft(url: str, cookie: str, draft: int = 1) -> dict[str, Any]:
    """`GET /api/drafts/<draft>`: the text as the server has committed it."""
    async with aiohttp.ClientSession() as http, \
            http.get(f"{url}/api/drafts/{draft}", headers={"Cookie": cookie}) as answer:
        answer.raise_for_status()
        return await answer.json()


class DraftClient:
    """One delegate's live copy of a draft. Call its methods on the event loop it was connected on."""

    def __init__(self, url: str, cookie: str, *, draft: int = 1, client_id: str | None = None,
                 gap_timeout: float = 0.5, retry_delay: float = 0.2, on_applied: AppliedHook | None = None,
                 socket: Any = None):
        self.url = url
        self.draft = draft
        self.client_id = client_id or f"c-{uuid.uuid4().hex[:12]}"
        self.gap_timeout = gap_timeout
        self.retry_delay = retry_delay
        self.on_applied = on_applied
        self.replica: Replica | None = None
        self.typed = 0  # calls to type() so far
        self.carried: dict[int, int] = {}  # cseq -> how many type() calls the change with that cseq carries
        self.acked = 0  # type() calls covered by a change the server acknowledged with ok
        self.joins = 0
        self.errors: list[dict[str, Any]] = []  # `error` events and refused replies
        self._cookie = cookie
        self._joined = False
        self._joining = False
        self._gap_timer: asyncio.TimerHandle | None = None
        self._authors: dict[int, tuple[str, int]] = {}  # seq -> (client, cseq) of changes not applied yet
        self._early: list[dict[str, Any]] = []  # changes that arrived before the first join's reply
        self._tasks: set[asyncio.Task[Any]] = set()
        self._ready: asyncio.Future[None] | None = None
        # python-socketio's client, or one that offers the same calls (the benchmark's `tests/bench/wire.py`)
        self.sio = socket or socketio.AsyncClient(reconnection_delay=0.2, reconnection_delay_max=1.0,
                                                  randomization_factor=0.2, handle_sigint=False)
        self.sio.on("connect", self._on_connect, namespace=NAMESPACE)
        self.sio.on("disconnect", self._on_disconnect, namespace=NAMESPACE)
        self.sio.on("changes", self._on_changes, namespace=NAMESPACE)
        self.sio.on("error", self._on_error, namespace=NAMESPACE)

    # connection ---------------------------------------------------------------------------------
    async def connect(self, timeout: float = 30.0) -> None:
        """Connect and join; returns once the draft is loaded."""
        self._ready = asyncio.get_running_loop().create_future()
        await self.sio.connect(self.url, headers={"Cookie": self._cookie}, transports=["websocket"],
                               namespaces=[NAMESPACE], wait_timeout=timeout)
        await asyncio.wait_for(self._ready, timeout)

    async def close(self) -> None:
        """Disconnect, or stop trying to reconnect."""
        if self._gap_timer:
            self._gap_timer.cancel()
        await self.sio.shutdown()
        for task in list(self._tasks):
            task.cancel()

    @property
    def connected(self) -> bool:
        return self._joined and self.sio.connected

    async def _on_connect(self) -> None:
        self._join(reconnect=self.replica is not None)

    def _on_disconnect(self, reason: Any = None) -> None:
        self._joined = self._joining = False
        # python-engineio moves a Cookie header into its HTTP session's jar and drops that session with the
        # connection, so the reconnection would go without it (and be refused): give the header back.
        self.sio.connection_headers = {"Cookie": self._cookie}

    def _on_error(self, error: dict[str, Any]) -> None:
        self.errors.append(error)

    def _join(self, reconnect: bool) -> None:
        """Join, or join again with `since` (after a reconnect, or when a gap in the log lasts)."""
        if self._joining:
            return
        self._joining = True
        message: dict[str, Any] = {"draft": self.draft, "client": self.client_id}
        if self.replica is not None:
            message.update(self.replica.join_request())
        self._emit("join", message, lambda reply: self._on_joined(reply, reconnect))

    def _on_joined(self, reply: dict[str, Any], reconnect: bool) -> None:
        self._joining = False
        self.joins += 1
        if not reply.get("ok"):
            self._fail(ClientError(f"join refused: {reply.get('error')}"))
            return
        if self.replica is None:
            self.replica = Replica(self.client_id, reply)
            self._receive(self._early)  # what it already holds is skipped
            self._early = []
        elif "changes" in reply:
            self._receive(reply["changes"])
        else:  # the whole text (too far back for the log, or the draft was rebuilt): the replica carries over
            self.replica.on_join(reply)
        self._joined = True
        if reconnect:
            again = self.replica.on_reconnect()
            if again is not None:
                self._send_edit(again)
        self._pump()
        if self._ready is not None and not self._ready.done():
            self._ready.set_result(None)

    def _fail(self, error: ClientError) -> None:
        self.errors.append({"code": "client", "message": str(error)})
        if self._ready is not None and not self._ready.done():
            self._ready.set_exception(error)

    # the log --------------------------------------------------------------------------------------
    def _on_changes(self, message: dict[str, Any]) -> None:
        if message.get("draft") != self.draft:
            return
        if self.replica is None:  # the log may overtake the first join's reply: kept for it
            self._early.extend(message["changes"])
        else:
            self._receive(message["changes"])

    def _receive(self, changes: list[dict[str, Any]]) -> None:
        replica = self.replica
        assert replica is not None
        before, waiting = replica.seq, replica.inflight is not None
        if self.on_applied is not None:
            for change in changes:
                if change["seq"] > before and change.get("client"):
                    self._authors[change["seq"]] = (change["client"], change["cseq"])
        replica.receive(changes)
        if self.on_applied is not None and replica.seq > before:
            now = time.perf_counter()
            for seq in range(before + 1, replica.seq + 1):
                author = self._authors.pop(seq, None)
                if author is not None and author[0] != self.client_id:
                    self.on_applied(*author, now)
        if replica.has_gap:
            if self._gap_timer is None:
                self._gap_timer = asyncio.get_running_loop().call_later(self.gap_timeout, self._gap_lasted)
        elif self._gap_timer is not None:
            self._gap_timer.cancel()
            self._gap_timer = None
        if waiting and replica.inflight is None:  # the change in flight came back: the next one may go
            self._pump()

    def _gap_lasted(self) -> None:
        self._gap_timer = None
        if self.replica is not None and self.replica.has_gap and self._joined:
            self._join(reconnect=False)

    # sending --------------------------------------------------------------------------------------
    def _pump(self) -> None:
        """Send the next change if nothing is in flight."""
        if not self._joined or self.replica is None:
            return
        message = self.replica.outgoing()
        if message is not None:
            self.carried[message["cseq"]] = self.typed
            self._send_edit(message)

    def _send_edit(self, message: dict[str, Any]) -> None:
        cseq = message["cseq"]
        self._emit("edit", {"draft": self.draft, **message}, lambda reply: self._on_reply(cseq, reply))

    def _on_reply(self, cseq: int, reply: dict[str, Any]) -> None:
        replica = self.replica
        assert replica is not None
        if reply.get("ok"):
            self.acked = max(self.acked, self.carried.get(cseq, 0))
        else:
            self.errors.append(reply.get("error") or {})
        replica.on_reply(reply, cseq)
        if (reply.get("error") or {}).get("code") == "unavailable":
            # The server could not commit: the same change goes again, a little later.
            asyncio.get_running_loop().call_later(self.retry_delay, self._resend, cseq)
        else:
            self._pump()

    def _resend(self, cseq: int) -> None:
        replica = self.replica
        if self._joined and replica and replica.inflight and replica.inflight.request.cseq == cseq:
            again = replica.resend()
            assert again is not None
            self._send_edit(again)

    def _emit(self, event: str, data: dict[str, Any], callback: Callable[[Any], None]) -> None:
        task = asyncio.get_running_loop().create_task(
            self.sio.emit(event, data, namespace=NAMESPACE, callback=callback))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # what a delegate does ----------------------------------------------------------------------------
    def type(self, paragraph: str, offset: int, text: str) -> None:
        """Insert `text` at `offset` (code points) of a paragraph's local text, and send when possible."""
        replica = self._loaded()
        local = replica.text(paragraph)
        replica.edit(paragraph, local[:offset] + text + local[offset:])
        self.typed += 1
        self._pump()

    def add_paragraph(self, paragraph: str, position: int, text: str = "",
                      kind: ParagraphKind = ParagraphKind.OPERATIVE) -> None:
        self._loaded().structure(INSERT, paragraph, kind=kind, level=0, position=position, text=text)
        self._pump()

    def text(self, paragraph: str) -> str:
        return self._loaded().text(paragraph)

    def paragraphs(self) -> list[str]:
        return list(self._loaded().order)

    def document(self) -> list[tuple[str, str, int, str]]:
        return self._loaded().document()

    def idle(self) -> bool:
        """Everything typed here is in the log and applied here, and no gap is waiting."""
        replica = self._loaded()
        return self.connected and replica.pending() == 0 and not replica.has_gap

    async def wait_idle(self, timeout: float = 30.0, poll: float = 0.01) -> None:
        deadline = time.monotonic() + timeout
        while not self.idle():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.client_id} is not idle after {timeout} s: {self.state()}")
            await asyncio.sleep(poll)

    def state(self) -> dict[str, Any]:
        """What a failing test needs to know about this client."""
        replica = self._loaded()
        inflight = replica.inflight.request.to_wire() if replica.inflight else None
        return {"connected": self.sio.connected, "joined": self._joined, "joins": self.joins, "seq": replica.seq,
                "buffered": sorted(replica.buffer), "inflight": inflight, "pending": replica.pending(),
                "errors": self.errors[-3:], "problems": replica.problems[-3:]}

    def _loaded(self) -> Replica:
        if self.replica is None:
            raise ClientError("not joined yet")
        return self.replica


class LoopThread:
    """An asyncio event loop in a daemon thread, for blocking callers."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="sync-client-loop", daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float | None = 60.0) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def call(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` on the loop's thread; its result here."""
        result: Future[T] = Future()

        def invoke() -> None:
            try:
                result.set_result(function(*args))
            except BaseException as error:  # handed back to the caller's thread
                result.set_exception(error)

        self.loop.call_soon_threadsafe(invoke)
        return result.result(60.0)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


class BlockingDraftClient:
    """A `DraftClient` for sequential code: every call runs on the shared loop and returns its result."""

    def __init__(self, loop: LoopThread, url: str, cookie: str, **options: Any):
        self._loop = loop
        self.client: DraftClient = loop.call(lambda: DraftClient(url, cookie, **options))

    @classmethod
    def log_in(cls, loop: LoopThread, url: str, username: str, password: str, **options: Any) -> BlockingDraftClient:
        return cls(loop, url, loop.run(login(url, username, password)), **options)

    def atomically(self, action: Callable[[DraftClient], T]) -> T:
        """`action(client)` on the loop's thread, with no change arriving in between (read, then type)."""
        return self._loop.call(action, self.client)

    def connect(self, timeout: float = 30.0) -> BlockingDraftClient:
        self._loop.run(self.client.connect(timeout), timeout + 5)
        return self

    def close(self) -> None:
        self._loop.run(self.client.close())

    def type(self, paragraph: str, offset: int, text: str) -> None:
        self._loop.call(self.client.type, paragraph, offset, text)

    def add_paragraph(self, paragraph: str, position: int, text: str = "") -> None:
        self._loop.call(self.client.add_paragraph, paragraph, position, text)

    def text(self, paragraph: str) -> str:
        return self._loop.call(self.client.text, paragraph)

    def paragraphs(self) -> list[str]:
        return self._loop.call(self.client.paragraphs)

    def document(self) -> list[tuple[str, str, int, str]]:
        return self._loop.call(self.client.document)

    def wait_idle(self, timeout: float = 30.0) -> None:
        self._loop.run(self.client.wait_idle(timeout), timeout + 5)

    def state(self) -> dict[str, Any]:
        return self._loop.call(self.client.state)

    @property
    def acked(self) -> int:
        return self._loop.call(lambda: self.client.acked)

    @property
    def joins(self) -> int:
        return self._loop.call(lambda: self.client.joins)
