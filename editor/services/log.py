"""The draft's log on the database: the revisions table read back as the changes the sync engine
broadcasts, and the tracked history replayed from it (`editor.domain.draft_history`)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from editor.domain import sync
from editor.domain.draft_history import DraftHistory, mark_of
from editor.domain.sync import Change
from editor.persistence.models import Delegation, Revision, RevisionKind, User

KIND_OF_OP = {sync.TEXT: RevisionKind.EDIT, sync.INSERT: RevisionKind.INSERT, sync.DELETE: RevisionKind.DELETE,
              sync.MOVE: RevisionKind.MOVE, sync.LEVEL: RevisionKind.LEVEL, sync.REJECT: RevisionKind.REJECT}
# A rejection reaches the replicas as the text change it makes.
OP_OF_KIND = {**{kind: op for op, kind in KIND_OF_OP.items()}, RevisionKind.REJECT: sync.TEXT}

Names = tuple[str | None, str | None, str | None]  # an author's delegation, its colour, the user


def names_of(user: User | None, delegation: Delegation | None) -> Names:
    return (delegation.name if delegation else None, delegation.colour if delegation else None,
            user.display_name if user else None)


def author_wire(names: Names, at: Any) -> dict[str, Any]:
    delegation, colour, user = names
    return {"delegation": delegation, "colour": colour, "user": user,
            "at": at.isoformat(timespec="milliseconds") if at else None}


def log_entries(session: Session, draft_id: int, since: int = 0,
                upto: int | None = None) -> list[tuple[Revision, Change | None]]:
    """The draft's revisions after `since` (up to `upto`), each with the change as the log carries it, or
    None for one without a wire form (a paragraph created with the draft)."""
    query = (select(Revision, User, Delegation)
             .outerjoin(User, Revision.user_id == User.id)
             .outerjoin(Delegation, Revision.delegation_id == Delegation.id)
             .where(Revision.draft_id == draft_id, Revision.seq > since))
    if upto is not None:
        query = query.where(Revision.seq <= upto)
    entries: list[tuple[Revision, Change | None]] = []
    for revision, user, delegation in session.execute(query.order_by(Revision.seq)):
        op = OP_OF_KIND.get(revision.kind)
        stored = json.loads(revision.change)
        if op is None or (op != sync.TEXT and "layout" not in stored):
            entries.append((revision, None))
            continue
        layout = tuple(tuple(entry) for entry in stored["layout"]) if "layout" in stored else None
        entries.append((revision, Change(
            revision.seq, op, revision.paragraph_uid or "", revision.client_id, revision.client_seq,
            delta=stored.get("delta"), text=revision.result if op == sync.INSERT else None, layout=layout,
            author=author_wire(names_of(user, delegation), revision.created_at))))
    return entries


def history(session: Session, draft_id: int, upto: int | None = None) -> DraftHistory:
    """The draft's tracked history from its first revision up to change `upto` (all of it by default)."""
    tracked = DraftHistory([])
    for revision, change in log_entries(session, draft_id, 0, upto):
        stored = json.loads(revision.change)
        if revision.kind is RevisionKind.CREATE:
            layout = list(tracked.layout_at(tracked.seq))
            layout.insert(stored["position"], (revision.paragraph_uid, stored["kind"], stored["level"]))
            delegation = revision.delegation.name if revision.delegation else None
            change = Change(revision.seq, sync.INSERT, revision.paragraph_uid, text=revision.result or "",
                            layout=tuple(layout), author={"delegation": delegation,
                                                          "at": revision.created_at.isoformat()})
        if change is None:
            raise ValueError(f"revision {revision.seq} of draft {draft_id} has no form that can be replayed")
        if revision.kind is RevisionKind.REJECT:  # words revived keep their authors: not a plain insert
            tracked.reject(revision.paragraph_uid, stored["reject"], stored["since"], mark_of(change))
        else:
            tracked.apply(change)
    return tracked
