"""A lean Socket.IO client for the load benchmark: Engine.IO 4 / Socket.IO 5 over one aiohttp WebSocket.

python-socketio's asyncio client runs every incoming message as a task of its own and wraps every read in
`asyncio.wait_for`: with 193 delegates in one process that is about two thirds of the harness's time, and
its event loop then lags by 100 ms, so the benchmark measured the harness instead of the server. The peers'
harness (shared/bench/peer_load.py) reads its WebSockets directly; this does the same for our protocol:
WebSocket transport only, one namespace, events and acknowledgements, pings answered, no reconnection (a
dropped connection ends the run with the delegate counted as not converged).

It offers the part of `socketio.AsyncClient` that `tests/sync_client.DraftClient` uses, so the same client
logic runs over either (`DraftClient(..., socket=WireSocket())`).
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Callable
from typing import Any

import aiohttp

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_loads = json.loads


class WireError(Exception):
    pass


class WireSocket:
    def __init__(self) -> None:
        self.handlers: dict[str, Callable[..., Any]] = {}
        self.connection_headers: dict[str, str] = {}
        self.connected = False
        self._namespace = "/"
        self._http: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._acks: dict[int, Callable[..., Any]] = {}
        self._next_ack = 0
        self._joined: asyncio.Future[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    def on(self, event: str, handler: Callable[..., Any], namespace: str = "/") -> None:
        self.handlers[event] = handler

    async def connect(self, url: str, headers: dict[str, str] | None = None, transports: Any = None,
                      namespaces: list[str] | None = None, wait_timeout: float = 30.0) -> None:
        self._namespace = (namespaces or ["/"])[0]
        self.connection_headers = dict(headers or {})
        self._http = aiohttp.ClientSession()
        endpoint = url.replace("http", "ws", 1).rstrip("/") + "/socket.io/?EIO=4&transport=websocket"
        self._ws = await self._http.ws_connect(endpoint, headers=self.connection_headers, autoping=False,
                                               max_msg_size=0, timeout=aiohttp.ClientWSTimeout(ws_close=5))
        opening = await asyncio.wait_for(self._ws.receive_str(), wait_timeout)
        if not opening.startswith("0"):
            raise WireError(f"no Engine.IO open packet: {opening[:80]!r}")
        self._joined = asyncio.get_running_loop().create_future()
        await self._ws.send_str(f"40{self._prefix()}")
        self._reader = asyncio.get_running_loop().create_task(self._read())
        await asyncio.wait_for(self._joined, wait_timeout)

    def _prefix(self) -> str:
        return "" if self._namespace == "/" else self._namespace + ","

    async def emit(self, event: str, data: Any = None, namespace: str | None = None,
                   callback: Callable[..., Any] | None = None) -> None:
        if self._ws is None or not self.connected:
            raise WireError("not connected")
        ack = ""
        if callback is not None:
            self._next_ack += 1
            self._acks[self._next_ack] = callback
            ack = str(self._next_ack)
        await self._ws.send_str(f"42{self._prefix()}{ack}{_dumps([event, data])}")

    async def shutdown(self) -> None:
        self.connected = False
        if self._reader is not None:
            self._reader.cancel()
        if self._ws is not None:
            await self._ws.close()
        if self._http is not None:
            await self._http.close()

    # reading -------------------------------------------------------------------------------------------
    async def _read(self) -> None:
        ws = self._ws
        assert ws is not None
        try:
            async for message in ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    break
                self._packet(message.data)
        finally:
            was = self.connected
            self.connected = False
            if self._joined is not None and not self._joined.done():
                self._joined.set_exception(WireError("the connection closed before the namespace opened"))
            if was:
                self._call("disconnect", "transport close")

    def _packet(self, data: str) -> None:
        kind = data[:1]
        if kind == "2":  # Engine.IO ping
            self._spawn(self._ws.send_str("3"))
            return
        if kind != "4":
            return
        body = data[2:]
        prefix = self._prefix()
        if prefix and body.startswith(prefix):
            body = body[len(prefix):]
        packet = data[1:2]
        if packet == "2":  # event
            event, *args = _loads(body[body.index("["):])
            self._call(event, *args)
        elif packet == "3":  # acknowledgement
            start = body.index("[")
            callback = self._acks.pop(int(body[:start]), None)
            if callback is not None:
                self._call_with(callback, *_loads(body[start:]))
        elif packet == "0":  # namespace open
            self.connected = True
            if self._joined is not None and not self._joined.done():
                self._joined.set_result(None)
            self._call("connect")
        elif packet == "4":  # namespace refused
            error = WireError(f"connection refused: {body}")
            if self._joined is not None and not self._joined.done():
                self._joined.set_exception(error)

    def _call(self, event: str, *args: Any) -> None:
        handler = self.handlers.get(event)
        if handler is not None:
            self._call_with(handler, *args)

    def _call_with(self, handler: Callable[..., Any], *args: Any) -> None:
        result = handler(*args)
        if inspect.isawaitable(result):
            self._spawn(result)

    def _spawn(self, awaitable: Any) -> None:
        task = asyncio.ensure_future(awaitable)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
