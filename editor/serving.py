"""The server `python wsgi.py` runs, tuned for live editing: gevent's WSGI server (wsgi.py patches the
process for it before anything else is imported), with TCP_NODELAY on every accepted connection."""

from __future__ import annotations

import gc
import logging
import os
import socket
import struct
from typing import ClassVar

from engineio import Server as EngineIO
from engineio.async_drivers.gevent import WebSocketWSGI
from engineio.packet import NOOP, Packet
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
    send_at_once_where_possible(engineio)
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
    same bytes, written at once where nothing of the connection's is waiting.

    python-socketio encodes a broadcast once; engine.io then queued it per connection, for a writer
    greenlet that framed it again (wsproto) and, with permessage-deflate, compressed it again in a zlib
    stream of its own: at 50 delegates typing, 12,000 frames a second, each a queue, a greenlet switch and
    a framing. Here the frame is built once, and `send_at_once` writes it to every connection whose writer
    has nothing queued or under way, from the broadcasting greenlet, straight to the socket; a connection
    that is busy, or whose kernel buffer is full, gets it through its writer as before, in order. Compression
    is not offered back (a keystroke's message is a few hundred bytes), which is what makes one frame fit
    every connection; pings, pongs and the close still go through wsproto."""

    _last: tuple[str, bytes] = ("", b"")  # the last message framed (everything runs on the one loop)
    serving: ClassVar[dict[str, SharedFrameWebSocket]] = {}  # engine.io session id -> its open WebSocket

    def __init__(self, handler, server):
        super().__init__(handler, server)
        self.engineio_socket = handler.__self__  # the engine.io Socket whose handler this serves
        self.writing = False  # the writer is sending a frame
        self.rest = b""  # what the kernel did not take of a frame written at once: the writer sends it first

    def __call__(self, environ, start_response):
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        sid = self.engineio_socket.sid
        SharedFrameWebSocket.serving[sid] = self
        try:
            return super().__call__(environ, start_response)
        finally:
            if SharedFrameWebSocket.serving.get(sid) is self:
                del SharedFrameWebSocket.serving[sid]

    @staticmethod
    def frame(message: str) -> bytes:
        text, frame = SharedFrameWebSocket._last
        if message != text:
            frame = text_frame(message)
            SharedFrameWebSocket._last = (message, frame)
        return frame

    def send(self, message):
        """The connection's writer: what engine.io queued, after whatever a frame written at once left."""
        if not isinstance(message, str):
            super().send(message)
            return
        frame = self.frame(message)
        if not self.ws.connected:
            raise OSError("the WebSocket is closed")
        self.writing = True
        try:
            if self.rest:
                rest, self.rest = self.rest, b""
                self.ws.sock.sendall(rest)
            self.ws.sock.sendall(frame)
        finally:
            self.writing = False

    def send_at_once(self, message: str) -> bool:
        """Write `message` now, if nothing of this connection's is queued or being written: what the kernel
        takes at once goes, the rest is left to the writer (woken with a no-op packet, which every client
        ignores). False: it must go through the writer's queue."""
        socket, ws = self.engineio_socket, getattr(self, "ws", None)
        if (ws is None or not ws.connected or self.writing or self.rest or socket.queue.qsize()
                or not socket.upgraded or socket.upgrading or socket.closing or socket.closed):
            return False
        if not socket.check_ping_timeout():
            return True  # the client is gone: engine.io drops what is sent to it
        frame = self.frame(message)
        try:
            sent = os.write(ws.sock.fileno(), frame)  # the socket does not block (gevent)
        except BlockingIOError:
            sent = 0
        except OSError:
            return False
        if sent < len(frame):
            self.rest = frame[sent:]
            socket.send(Packet(NOOP))
        return True


def send_at_once_where_possible(engineio: EngineIO) -> None:
    """Every packet engine.io sends to one client (a broadcast's copies, a reply) is written at once when
    that connection's writer has nothing waiting (SharedFrameWebSocket.send_at_once)."""
    through_the_writer = engineio.send_packet

    def send_packet(sid: str, packet: Packet) -> None:
        ws = SharedFrameWebSocket.serving.get(sid)
        if ws is None or packet.binary or not ws.send_at_once(packet.encode()):
            through_the_writer(sid, packet)

    engineio.send_packet = send_packet
