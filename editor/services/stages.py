"""Where a draft stands: being drafted, or "in blue" (frozen, the text the vote will be on). The penholder
puts it in blue and may reopen it until a vote is opened on it; each move is a line of the audit log.

Putting a text in blue must fall between two keystrokes, never across one: callers run it on the
committer (`Committer.run`), in order with every edit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from editor.persistence.models import DraftStatus, NamedVersion, User, Vote
from editor.services import audit, revisions
from editor.services.errors import Conflict
from editor.services.permissions import Action, require
from editor.services.sync import load_draft

IN_BLUE = "in blue"


def put_in_blue(session: Session, actor: User, draft_id: int, name: str | None = None) -> NamedVersion:
    """Freeze the text as it stands: its last named version ("in blue" unless named otherwise), final, with
    the hash of its content. From then on every edit is refused."""
    draft = load_draft(session, draft_id, lock=True)
    require(session, actor, Action.HOLD_PEN, draft)
    if draft.status is not DraftStatus.DRAFTING:
        raise Conflict("The text is already in blue." if draft.status is DraftStatus.FROZEN
                       else "The text has been voted on.")
    left = revisions.brackets_of(session, actor, draft.id)
    if left:
        listed = "; ".join(f"{b['ref']} {b['text']}" + (f" ({b['holder']})" if b["holder"] else "") for b in left)
        raise Conflict(f"The text still has {len(left)} bracket{'s' if len(left) > 1 else ''}: {listed}. "
                       "Resolve them before it goes in blue.")
    taken = set(session.scalars(select(NamedVersion.name).where(NamedVersion.draft_id == draft.id)))
    if not name or not name.strip():
        name = next(f"{IN_BLUE} ({n})" if n > 1 else IN_BLUE for n in range(1, len(taken) + 2)
                    if (f"{IN_BLUE} ({n})" if n > 1 else IN_BLUE) not in taken)
    version = revisions.name_version(session, actor, draft.id, name, final=True)
    draft.status = DraftStatus.FROZEN
    audit.record(session, actor, "draft.freeze", f"draft:{draft.id}",
                 {"version": version.name, "seq": version.seq, "hash": version.content_hash})
    return version


def reopen(session: Session, actor: User, draft_id: int) -> None:
    """Take the text out of blue, back to drafting: the penholder only, and only before a vote is opened."""
    draft = load_draft(session, draft_id, lock=True)
    require(session, actor, Action.HOLD_PEN, draft)
    if draft.status is not DraftStatus.FROZEN:
        raise Conflict("The text is not in blue: there is nothing to reopen.")
    if session.scalar(select(Vote.id).where(Vote.draft_id == draft.id).limit(1)) is not None:
        raise Conflict("A vote has been opened on this text: it can no longer be reopened.")
    draft.status = DraftStatus.DRAFTING
    audit.record(session, actor, "draft.unfreeze", f"draft:{draft.id}", {"seq": draft.version})
