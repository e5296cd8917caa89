"""Socket.IO: the drafts namespace. Handlers validate, call one use case and emit the result."""

from __future__ import annotations

from flask import Flask

from editor.extensions import socketio
from editor.realtime.namespace import NAMESPACE, DraftsNamespace


def init_app(app: Flask) -> None:
    # socketio.init_app made a new server for this app; the namespace is registered on each one.
    if NAMESPACE not in socketio.server.namespace_handlers:
        socketio.on_namespace(DraftsNamespace(NAMESPACE))
