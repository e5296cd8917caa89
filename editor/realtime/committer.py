"""One thread per process that orders, applies and commits the edits arriving on every socket.

Socket handlers hand their validated change to `Committer.submit` and wait for its reply. The thread takes
everything that arrived while it was busy as one batch: one transaction (group commit), then one `changes`
message per draft room carrying all of the batch's changes (the broadcast is coalesced per room, whatever
the number of typists), then the replies. Nobody hears of a change before it is committed.

Other writes that must fall between two keystrokes, never across one (putting a text "in blue": the
frozen version must be exactly the text every acknowledged edit made), go through `Committer.run`: in
the same order, in a transaction of their own.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from editor.domain.sync import Reply, Request, SyncError
from editor.persistence.db import Database
from editor.services import give_way, sync

log = logging.getLogger(__name__)

MAX_BATCH = 256
# Seconds without a change after which the committer gives its connection back to the pool.
IDLE = 5.0
# Seconds a batch may take (statements, commit, broadcast) before it is logged, with where its time went:
# every delegate's typing waits behind it.
SLOW_BATCH = 0.1
UNAVAILABLE = SyncError("unavailable", "The server could not record the change; it will be sent again.")

Broadcast = Callable[[int, list[dict]], None]
# Called with the first change of a batch in hand, before the rest is taken: under gevent, `gevent.idle`, so
# that the loop (which the committer's statements and commit keep busy) reads every socket first and every
# change that arrived meanwhile is in this batch, one commit and one broadcast for all of them. Without it,
# at 50 delegates typing into one paragraph, batches stayed at one change, commits took the loop, bases fell
# behind and each merge cost more: the run collapsed (p95 of seconds).
Gather = Callable[[], object]


def at_once() -> None:
    """Threads: what arrived meanwhile is in the queue already."""

@dataclass
class _Item:
    user_id: int
    draft_id: int
    request: Request
    future: Future = field(default_factory=Future)


@dataclass
class _Work:
    work: Callable[[Session], Any]
    future: Future = field(default_factory=Future)


class Committer:
    def __init__(self, database: Database, broadcast: Broadcast, gather: Gather = at_once):
        self.database = database
        self.broadcast = broadcast
        self.gather = gather
        self._queue: queue.SimpleQueue[_Item | _Work] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._live = sync.LiveDrafts()  # only this thread touches it
        self._connection: Connection | None = None  # kept from batch to batch while changes keep coming
        self._statements_done = 0.0  # when the last batch's statements were done (perf_counter), before its commit

    def submit(self, user_id: int, draft_id: int, request: Request) -> Future:
        self._start()
        item = _Item(user_id, draft_id, request)
        self._queue.put(item)
        return item.future

    def run(self, work: Callable[[Session], Any]) -> Future:
        """`work(session)` between the batches before it and after it, then the commit; the future holds
        what it returned, or what it raised (then nothing of it is committed)."""
        self._start()
        item = _Work(work)
        self._queue.put(item)
        return item.future

    def _start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="penholder-committer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        with give_way.held():  # its transactions write: nothing it runs may let the loop go elsewhere midway
            self._serve()

    def _serve(self) -> None:
        pending: _Item | _Work | None = None
        while True:
            first = pending
            if first is None:
                try:
                    first = self._queue.get(timeout=IDLE)
                except queue.Empty:
                    self._release()
                    first = self._queue.get()
            pending = None
            if isinstance(first, _Work):
                self._exclusive(first)
                continue
            self.gather()
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if isinstance(item, _Work):  # the batch so far is committed first, then the work
                    pending = item
                    break
                batch.append(item)
            try:
                self._commit(batch)
            except Exception:  # the thread must outlive any one batch
                self._live.forget()
                log.exception("committing a batch of %d changes failed", len(batch))
                for item in batch:
                    if not item.future.done():
                        item.future.set_result(Reply(False, error=UNAVAILABLE))
            if pending is None and self._queue.empty():
                self._refresh()

    def _refresh(self) -> None:
        """While nothing waits: what the batches found stale (editors' rights), decided again."""
        session = self.database.sessionmaker()
        try:
            self._live.refresh(session)
        except Exception:
            self._live.forget()
            log.exception("deciding editors' rights again failed")
        finally:
            session.rollback()
            session.close()

    def _exclusive(self, item: _Work) -> None:
        session = self.database.sessionmaker()
        try:
            result = item.work(session)
            session.commit()
        except BaseException as error:  # the caller hears of it; the thread goes on
            session.rollback()
            self._live.forget()
            item.future.set_exception(error)
        else:
            item.future.set_result(result)
        finally:
            session.close()

    def _commit(self, batch: list[_Item]) -> None:
        started = self._statements_done = time.perf_counter()
        try:
            results = self._apply(batch)
        except SQLAlchemyError:
            # One bad change (or a race with another process) must not sink its neighbours: one by one.
            self._live.forget()
            log.warning("batch of %d failed; committing its changes one by one", len(batch), exc_info=True)
            results = []
            for item in batch:
                try:
                    results.extend(self._apply([item]))
                except SQLAlchemyError:
                    self._live.forget()
                    log.exception("change %s/%s could not be committed", item.request.client, item.request.cseq)
                    results.append((item, sync.Applied(Reply(False, error=UNAVAILABLE))))
        by_draft: dict[int, list[dict]] = {}
        for item, applied in results:
            if applied.change is not None:
                by_draft.setdefault(item.draft_id, []).append(applied.change.to_wire())
        committed = time.perf_counter()
        for draft_id, changes in by_draft.items():
            self.broadcast(draft_id, changes)
        for item, applied in results:
            item.future.set_result(applied.reply)
        done = time.perf_counter()
        if done - started > SLOW_BATCH:
            statements = self._statements_done
            log.warning("a batch of %d changes took %.0f ms: statements %.0f, commit %.0f, broadcast and replies "
                        "%.0f", len(batch), (done - started) * 1000, (statements - started) * 1000,
                        (committed - statements) * 1000, (done - committed) * 1000)

    def _apply(self, batch: list[_Item]) -> list[tuple[_Item, sync.Applied]]:
        # Statements and commit run here, on the event loop under gevent: SQLite's commit is a WAL append
        # and its fsync (its checkpoints run elsewhere: editor.serving), psycopg waits cooperatively.
        # The transaction is the kept connection's own, and the batch's Session joins it: a Session of its
        # own, with its pool checkout, its transaction bookkeeping and its return to the pool, cost about
        # 0.15 ms a batch, a quarter of a keystroke's time here at one change a batch.
        if self._connection is None:
            self._connection = self.database.engine.connect()
        try:
            with self._connection.begin():
                session = self.database.sessionmaker(bind=self._connection)
                try:
                    applied = sync.apply_batch(session, [(i.user_id, i.draft_id, i.request) for i in batch],
                                               self._live)
                    session.flush()
                finally:
                    session.close()  # leaves the transaction to the connection: committed as the block ends
                self._statements_done = time.perf_counter()  # the commit follows, as the block ends
        except BaseException:
            self._release()  # the next batch, and the retry one by one, take a fresh connection
            raise
        return list(zip(batch, applied, strict=True))

    def _release(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                connection.close()
            except SQLAlchemyError:
                log.warning("closing the committer's connection failed", exc_info=True)
