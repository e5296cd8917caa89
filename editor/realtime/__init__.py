"""Socket.IO: the drafts namespace. Handlers validate, call one use case and emit the result."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from editor.extensions import socketio
from editor.realtime.committer import Blocking, Committer
from editor.realtime.namespace import NAMESPACE, DraftsNamespace, room
from editor.realtime.presence import Presence


def _blocking(async_mode: str, config: Mapping[str, Any]) -> Blocking:
    """Where the committer commits: in place, except a commit that waits for SQLite's fsync under gevent,
    which goes to a native thread. (psycopg waits for PostgreSQL cooperatively when gevent has patched the
    process, and SQLite's NORMAL commit does not wait for the disk.)"""
    fsyncs = config["DATABASE_URL"].startswith("sqlite") and config["SQLITE_SYNCHRONOUS"] == "FULL"
    if async_mode != "gevent" or not fsyncs:
        return lambda function: function()
    from gevent import get_hub

    return lambda function: get_hub().threadpool.apply(function)


def init_app(app: Flask) -> None:
    server = socketio.server  # this app's Socket.IO server (tests make several apps)

    def broadcast(draft_id: int, changes: list[dict]) -> None:
        server.emit("changes", {"draft": draft_id, "changes": changes}, to=room(draft_id), namespace=NAMESPACE)

    blocking = _blocking(server.async_mode, app.config)
    committer = Committer(app.extensions["penholder.database"], broadcast, blocking)
    app.extensions["penholder.committer"] = committer
    # socketio.init_app made a new server for this app; the namespace is registered on each one.
    namespace = DraftsNamespace(NAMESPACE, Presence(app.config["SOCKETIO_MESSAGE_QUEUE"]), committer)
    socketio.on_namespace(namespace)
    server.on("edit", namespace.on_edit_event, namespace=NAMESPACE)
