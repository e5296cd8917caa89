"""The server `python wsgi.py` runs, tuned for live editing: gevent's WSGI server (wsgi.py patches the
process for it before anything else is imported), with TCP_NODELAY on every accepted connection."""

from __future__ import annotations

import gc
import logging
import socket
import struct

from engineio.async_drivers.gevent import WebSocketWSGI
from flask import Flask
from flask_socketio import SocketIO
from gevent import monkey, pywsgi

from editor.persistence.db import Database

log = logging.getLogger(__name__)
CHECKPOINT_EVERY = 1.0  # seconds between two WAL checkpoints of an embedded database


class NoDelayHandler(pywsgi.WSGIHandler):
    """A keystroke is a frame of a few dozen bytes. With Nagle's algorithm on, such a frame waits for the
    peer's delayed ACK (about 40 ms on Linux) whenever an earlier one is unacknowledged, which alone puts the
    95th percentile of propagation above 30 ms; without it frames leave at once."""

    def __init__(self, sock, address, server, rfile=None):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().__init__(sock, address, server, rfile)


def serve(app: Flask, socketio: SocketIO, host: str, port: int) -> None:
    if socketio.server.eio.async_mode != "gevent":
        raise RuntimeError("Serving needs the process patched for gevent first: run `python wsgi.py`.")
    checkpoint_in_background(app.extensions["penholder.database"])
    engineio = socketio.server.eio
    engineio._async = {**engineio._async, "websocket": SharedFrameWebSocket}  # its WebSocket class for gevent
    settle_heap()
    socketio.run(app, host=host, port=port, handler_class=NoDelayHandler)


def settle_heap() -> None:
    """Take what start-up made (the modules, the app, the demo data loaded) out of the cycle collector's
    sight. A full collection walks every tracked object: with lemminflect's tables that is about 75 ms, and
    one fell among the keystrokes now and then, a stall of every delegate's typing (p99 of 42 ms, maxima of
    110-120 ms at 15 delegates). Objects made later are still collected."""
    gc.collect()
    gc.freeze()


def checkpoint_in_background(database: Database, every: float = CHECKPOINT_EVERY) -> None:
    """SQLite (a file): the committer commits on the event loop (a WAL append and its fsync, about half a
    millisecond; handing it to a native thread cost more, as the thread then waits for the interpreter while
    the loop runs), and the WAL checkpoints, which copy pages back and fsync the database, run here on a
    native thread of their own, off everyone's path."""
    if not database.on_sqlite_file:
        return
    database.take_over_checkpoints()
    sleep = monkey.get_original("time", "sleep")

    def run() -> None:
        connection = database.checkpoint_connection()
        while database.checkpoints_elsewhere:  # until the database is disposed of
            sleep(every)
            try:
                database.checkpoint(connection)
            except Exception:  # a busy database now is checkpointed next time
                log.warning("WAL checkpoint failed", exc_info=True)
        connection.close()

    monkey.get_original("_thread", "start_new_thread")(run, ())


def text_frame(text: str) -> bytes:
    """One WebSocket text message in one frame, as a server sends it (RFC 6455 5.2: FIN, opcode 1, no
    mask, no extension)."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x81, size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", 0x81, 126, size)
    else:
        header = struct.pack("!BBQ", 0x81, 127, size)
    return header + payload


class SharedFrameWebSocket(WebSocketWSGI):
    """Engine.IO's WebSocket under gevent (simple-websocket), with every recipient of a broadcast sent the
    same bytes. python-socketio encodes a broadcast once; each connection's writer then framed it again
    (wsproto), and with permessage-deflate compressed it again, in a zlib stream of its own: at 50 delegates
    typing, 12,000 frames a second. Here the frame is built once and the writers that follow send it as it
    is. Compression is not offered back (a keystroke's message is a few hundred bytes), which is what makes
    one frame fit every connection; pings, pongs and the close still go through wsproto."""

    _last: tuple[str, bytes] = ("", b"")  # the last message framed (all writers run on the one loop)

    def __call__(self, environ, start_response):
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return super().__call__(environ, start_response)

    def send(self, message):
        if not isinstance(message, str):
            super().send(message)
            return
        text, frame = SharedFrameWebSocket._last
        if message != text:
            frame = text_frame(message)
            SharedFrameWebSocket._last = (message, frame)
        if not self.ws.connected:
            raise OSError("the WebSocket is closed")
        self.ws.sock.sendall(frame)
