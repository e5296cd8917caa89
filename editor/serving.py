"""The built-in server's connection handler, tuned for live editing."""

from __future__ import annotations

import socket

from werkzeug.serving import WSGIRequestHandler


class NoDelayRequestHandler(WSGIRequestHandler):
    """Sets TCP_NODELAY on every accepted connection.

    A keystroke is a frame of a few dozen bytes. With Nagle's algorithm on, such a frame waits for the
    peer's delayed ACK (about 40 ms on Linux) whenever an earlier one is unacknowledged, which alone puts the
    95th percentile of propagation above 30 ms; without it frames leave at once.
    """

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
