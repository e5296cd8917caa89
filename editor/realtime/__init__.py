"""Socket.IO: the drafts namespace. Handlers validate, call one use case and emit the result."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app
from sqlalchemy.orm import Session

from editor.extensions import socketio
from editor.realtime.committer import Committer, at_once
from editor.realtime.namespace import NAMESPACE, REPLY_TIMEOUT, DraftsNamespace, room
from editor.realtime.presence import Presence
from editor.services import give_way


def init_app(app: Flask) -> None:
    server = socketio.server  # this app's Socket.IO server (tests make several apps)

    def broadcast(draft_id: int, changes: list[dict]) -> None:
        server.emit("changes", {"draft": draft_id, "changes": changes}, to=room(draft_id), namespace=NAMESPACE)

    gather = at_once
    if server.async_mode == "gevent":
        from gevent import idle as gather

        give_way.install(gather)  # long reads let the keystrokes through (editor.services.give_way)
    committer = Committer(app.extensions["penholder.database"], broadcast, gather)
    app.extensions["penholder.committer"] = committer
    # socketio.init_app made a new server for this app; the namespace is registered on each one.
    namespace = DraftsNamespace(NAMESPACE, Presence(app.config["SOCKETIO_MESSAGE_QUEUE"]), committer)
    socketio.on_namespace(namespace)
    server.on("edit", namespace.on_edit_event, namespace=NAMESPACE)


T = TypeVar("T")


def on_committer(work: Callable[[Session], T]) -> T:
    """`work(session)` on this process's committer, in order with every edit, committed; its result, or
    what it raised."""
    committer: Committer = current_app.extensions["penholder.committer"]
    return committer.run(work).result(timeout=REPLY_TIMEOUT)


def announce(draft_id: int, event: str, payload: dict) -> None:
    """Every open page of the draft hears `event` (`status`, `vote`: the README's protocol)."""
    socketio.emit(event, payload, to=room(draft_id), namespace=NAMESPACE)


def announce_status(draft_id: int, status: str) -> None:
    """Every open page of the draft hears that it was frozen, reopened or voted on."""
    announce(draft_id, "status", {"draft": draft_id, "status": status})
