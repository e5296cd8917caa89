"""The /drafts namespace: live co-drafting (protocol in the README).

Every handler checks the message's size and shape, then the user's right to the draft, then calls one use
case; a refusal answers `{ok: false, error}` and emits an `error` event, and changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import request
from flask_login import current_user
from flask_socketio import Namespace, join_room, leave_room

from editor.domain import sync
from editor.domain.sync import SyncError
from editor.extensions import db_session
from editor.realtime.committer import Committer
from editor.realtime.presence import Presence
from editor.services import sync as sync_service
from editor.services.errors import ServiceError
from editor.services.permissions import Action, decide

NAMESPACE = "/drafts"
REPLY_TIMEOUT = 30.0  # seconds a handler waits for the committer before telling the client to send again


def room(draft_id: int) -> str:
    return f"draft:{draft_id}"


def _sized(payload: Any) -> dict:
    """The payload as a dict, refused when over the message limit (measured as the JSON that carried it)."""
    size = len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())
    if size > sync.MAX_MESSAGE_BYTES:
        raise SyncError("too_large", f"A message may be at most {sync.MAX_MESSAGE_BYTES // 1024} KiB; "
                                     f"this one is {size:,} bytes.", sync.MAX_MESSAGE_BYTES)
    if not isinstance(payload, dict):
        raise SyncError("bad_request", "A message is a JSON object.")
    return payload


def _draft_id(payload: dict) -> int:
    draft_id = sync.checked(payload, "draft", int)
    if draft_id < 1:
        raise SyncError("bad_request", '"draft" is the number of a draft.')
    return draft_id


def handler(event: str) -> Callable:
    """An event handler of the namespace class: Flask-SocketIO calls it in a request context."""

    def wrap(method: Callable) -> Callable:
        def run(self: DraftsNamespace, payload: Any = None) -> dict:
            return self.guarded(event, request.sid, method, payload)

        run.__name__ = method.__name__
        return run

    return wrap


class DraftsNamespace(Namespace):
    def __init__(self, namespace: str, presence: Presence, committer: Committer):
        super().__init__(namespace)
        self.presence = presence
        self.committer = committer
        self.joined: dict[str, set[int]] = {}  # sid -> drafts this connection joined
        # sid -> the user who connected; each change's right to edit is decided again when it is applied.
        self.users: dict[str, int] = {}

    def on_connect(self, auth=None):
        if not current_user.is_authenticated:
            raise ConnectionRefusedError("Please log in.")
        self.joined[request.sid] = set()
        self.users[request.sid] = current_user.id

    def guarded(self, event: str, sid: str, method: Callable, payload: Any) -> dict:
        """Run `method(self, sid, payload)`; a refusal becomes the error reply and an `error` event."""
        try:
            if sid not in self.users:
                raise SyncError("not_authenticated", "Please log in again.")
            return method(self, sid, _sized(payload))
        except SyncError as refused:
            error = refused
        except ServiceError as service_error:
            error = SyncError(service_error.code, service_error.message)
        self.socketio.emit("error", {"event": event, **error.to_wire()}, to=sid, namespace=self.namespace)
        return {"ok": False, "error": error.to_wire()}

    def on_disconnect(self, reason=None):
        self.users.pop(request.sid, None)
        for draft_id in self.joined.pop(request.sid, set()):
            self._announce(draft_id, self.presence.leave(draft_id, request.sid))

    def _require_joined(self, sid: str, draft_id: int) -> None:
        if draft_id not in self.joined.get(sid, ()):
            raise SyncError("not_joined", f"Join draft {draft_id} first.")

    def _announce(self, draft_id: int, online: list[dict]) -> None:
        self.socketio.emit("presence", {"draft": draft_id, "online": online}, to=room(draft_id),
                           namespace=self.namespace)

    @handler("join")
    def on_join(self, sid: str, payload: dict) -> dict:
        draft_id = _draft_id(payload)
        since = sync.checked(payload, "since", int, required=False)
        generation = sync.checked(payload, "generation", str, required=False)
        client = sync.checked(payload, "client", str, required=False)
        session = db_session()
        draft = sync_service.load_draft(session, draft_id)
        readable = decide(session, current_user, Action.READ_DRAFT, draft)
        if not readable:
            raise SyncError("forbidden", readable.reason)
        delegation = current_user.delegation
        you = {"user": current_user.display_name, "role": current_user.role.value,
               "delegation": delegation.name if delegation else None,
               "colour": delegation.colour if delegation else None,
               "can_edit": bool(decide(session, current_user, Action.EDIT_DRAFT, draft)),
               "can_review": bool(decide(session, current_user, Action.HOLD_PEN, draft))}
        # In the room first, then read the text in a new transaction: a change committed in between is in
        # the text, the broadcast, or both (a replica skips what it has); never in neither.
        session.rollback()
        join_room(room(draft_id), sid=sid)
        state = sync_service.join(session, sync_service.load_draft(session, draft_id), since, generation, client)
        session.rollback()
        self.joined.setdefault(sid, set()).add(draft_id)
        online = self.presence.enter(draft_id, sid, {k: you[k] for k in ("user", "delegation", "colour")})
        self._announce(draft_id, online)
        limits = {"message_bytes": sync.MAX_MESSAGE_BYTES, "paragraph_chars": sync.MAX_PARAGRAPH_CHARS,
                  "paragraphs": sync.MAX_PARAGRAPHS}
        return {"ok": True, **state, "presence": online, "you": you, "limits": limits}

    @handler("leave")
    def on_leave(self, sid: str, payload: dict) -> dict:
        draft_id = _draft_id(payload)
        self._require_joined(sid, draft_id)
        self.joined[sid].discard(draft_id)
        leave_room(room(draft_id), sid=sid)
        self._announce(draft_id, self.presence.leave(draft_id, sid))
        return {"ok": True}

    def on_edit_event(self, sid: str, payload: Any = None) -> dict:
        """`edit`, registered straight on the Socket.IO server (realtime.init_app): a keystroke needs no Flask
        request context, cookie session or user loading; the committer checks the right to edit."""
        return self.guarded("edit", sid, DraftsNamespace.edit, payload)

    def edit(self, sid: str, payload: dict) -> dict:
        draft_id = _draft_id(payload)
        self._require_joined(sid, draft_id)
        change = sync.parse_request(payload)
        future = self.committer.submit(self.users[sid], draft_id, change)
        try:
            reply = future.result(timeout=REPLY_TIMEOUT)
        except TimeoutError:
            reply = sync.Reply(False, error=SyncError("unavailable", "The server is busy; send the change again."))
        if reply.error is not None:
            raise reply.error
        return reply.to_wire()

    @handler("presence")
    def on_presence(self, sid: str, payload: dict) -> dict:
        draft_id = _draft_id(payload)
        self._require_joined(sid, draft_id)
        paragraph = sync.checked(payload, "paragraph", str, required=False)
        if paragraph is not None and len(paragraph) > 32:
            raise SyncError("bad_request", '"paragraph" is a paragraph id or null.')
        self._announce(draft_id, self.presence.move(draft_id, sid, paragraph))
        return {"ok": True}
