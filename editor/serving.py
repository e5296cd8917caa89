"""The server `python wsgi.py` runs, tuned for live editing: gevent's WSGI server (wsgi.py patches the
process for it before anything else is imported), with TCP_NODELAY on every accepted connection."""

from __future__ import annotations

import socket

from flask import Flask
from flask_socketio import SocketIO
from gevent import pywsgi


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
    socketio.run(app, host=host, port=port, handler_class=NoDelayHandler)
