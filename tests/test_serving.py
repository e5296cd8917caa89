"""What `python wsgi.py` sets up around the app: WAL checkpoints off the committer's path, a settled heap."""

from __future__ import annotations

import gc
import queue
import socket as stdlib_socket
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from engineio.packet import NOOP
from sqlalchemy import text

from editor.persistence.db import Database
from editor.serving import SharedFrameWebSocket, checkpoint_in_background, settle_heap, text_frame


def _autocheckpoint(database: Database) -> int:
    with database.engine.connect() as connection:
        return connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()


def _write_pages(database: Database, commits: int) -> None:
    with database.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS filler (x TEXT)")
    for n in range(commits):
        with database.engine.begin() as connection:  # a row of about a page, a commit each
            connection.execute(text("INSERT INTO filler VALUES (:x)"), {"x": f"{n:06d}" + "x" * 3500})


def test_once_taken_over_no_commit_checkpoints_and_checkpoint_copies_the_whole_wal(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'a.db'}")
    assert _autocheckpoint(database) == 1000  # SQLite's own: the commit that fills the WAL pays for it
    database.take_over_checkpoints()
    assert _autocheckpoint(database) == 0
    _write_pages(database, 1500)
    wal = Path(f"{tmp_path / 'a.db'}-wal")
    assert wal.stat().st_size > 1500 * 4096  # no commit copied the WAL back: it only grew
    connection = database.checkpoint_connection()
    frames, copied = database.checkpoint(connection)
    assert frames >= 1500 and copied == frames
    connection.close()
    database.dispose()


def test_the_background_checkpointer_runs_until_the_database_is_disposed_of(tmp_path, monkeypatch):
    database = Database(f"sqlite:///{tmp_path / 'b.db'}")
    calls = []
    real = database.checkpoint
    monkeypatch.setattr(database, "checkpoint", lambda connection: calls.append(real(connection)))
    checkpoint_in_background(database, every=0.01)
    assert _autocheckpoint(database) == 0
    _write_pages(database, 50)
    deadline = time.monotonic() + 10
    while not any(frames and copied == frames for frames, copied in calls):
        assert time.monotonic() < deadline, "no checkpoint copied the commits"
        time.sleep(0.01)
    database.dispose()
    time.sleep(0.1)
    made = len(calls)
    time.sleep(0.1)
    assert len(calls) == made  # stopped


def test_only_an_sqlite_file_is_checkpointed_in_the_background(monkeypatch):
    database = Database("sqlite://")
    checkpoint_in_background(database, every=0.01)
    assert not database.checkpoints_elsewhere
    database.dispose()


def test_the_heap_made_at_start_is_out_of_the_collectors_sight():
    before = gc.get_freeze_count()
    settle_heap()
    try:
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()


@pytest.mark.parametrize("text", ["", "42/drafts,[\"changes\"]", "é" * 62, "x" * 126, "Ω" * 40_000, "🇺🇳" * 20_000])
def test_a_shared_frame_is_the_frame_wsproto_builds_without_extensions(text):
    from wsproto.connection import Connection, ConnectionType
    from wsproto.events import TextMessage

    assert text_frame(text) == Connection(ConnectionType.SERVER).send(TextMessage(data=text))


class _EngineIOSocket:
    """What SharedFrameWebSocket reads of engine.io's Socket."""

    def __init__(self):
        self.sid, self.upgraded, self.upgrading, self.closing, self.closed = "s1", True, False, False, False
        self.queue = queue.Queue()
        self.sent = []

    def check_ping_timeout(self):
        return True

    def send(self, packet):
        self.sent.append(packet)


def _websocket(sock):
    ws = object.__new__(SharedFrameWebSocket)
    ws.engineio_socket, ws.writing, ws.rest = _EngineIOSocket(), False, b""
    ws.ws = SimpleNamespace(sock=sock, connected=True)
    return ws


def test_a_frame_written_at_once_that_the_kernel_cannot_take_whole_is_finished_by_the_writer_in_order():
    import gevent
    import gevent.socket

    ours, theirs = gevent.socket.socketpair()
    ours.setsockopt(stdlib_socket.SOL_SOCKET, stdlib_socket.SO_SNDBUF, 4096)
    ws = _websocket(ours)
    messages = [f"4{n}" + "x" * 50_000 for n in range(20)]
    written = []
    for message in messages:
        if not ws.send_at_once(message):
            break
        written.append(message)
    assert ws.rest, "the kernel took everything: the test needs a fuller buffer"
    assert [p.packet_type for p in ws.engineio_socket.sent] == [NOOP]  # the writer is woken to finish
    assert not ws.send_at_once("4late")  # behind the rest: through the queue, in order
    received = bytearray()
    reader = gevent.spawn(lambda: [received.extend(chunk) for chunk in iter(lambda: theirs.recv(65536), b"")])
    ws.send("6")  # what the writer does with the no-op packet
    ws.send("4late")
    ours.close()
    reader.join(timeout=10)
    assert bytes(received) == b"".join(text_frame(m) for m in [*written, "6", "4late"])


def test_nothing_is_written_at_once_past_something_queued_or_being_written():
    import gevent.socket

    ours, theirs = gevent.socket.socketpair()
    ws = _websocket(ours)
    ws.engineio_socket.queue.put("queued")
    assert not ws.send_at_once("4a")
    ws.engineio_socket.queue.get()
    ws.writing = True
    assert not ws.send_at_once("4b")
    ws.writing = False
    ws.engineio_socket.upgrading = True
    assert not ws.send_at_once("4c")
    ws.engineio_socket.upgrading = False
    assert ws.send_at_once("4d")
    assert theirs.recv(100) == text_frame("4d")
