"""Who may do what: the one place every route and socket event asks.

An account's role says what it can be entitled to; the draft, the body and the month say whether it is
entitled now (a penholder account holds the pen only on drafts its delegation holds; a presidency account
presides only in the months its delegation holds the presidency).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from editor.persistence.models import Body, Draft, DraftStatus, Membership, Presidency, Role, User
from editor.services.errors import NotAuthenticated, PermissionDenied


class System:
    """The operator at the command line of the server: may administer, and nothing else."""

    is_authenticated = True
    username = "system"
    id = None


SYSTEM = System()
# A User, SYSTEM, or anything else (an anonymous visitor), which is refused.
Actor = object


class Action(enum.Enum):
    ADMINISTER = "administer"
    READ_DRAFT = "read this draft"
    EDIT_DRAFT = "edit this draft"
    OPEN_DRAFT = "open a draft in this body"
    HOLD_PEN = "act as penholder on this draft"
    PRESIDE = "act for the presidency"
    EDIT_PRESS_RELEASE = "edit press releases"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOW = Decision(True)
DELEGATION_ROLES = {Role.DELEGATE, Role.PENHOLDER, Role.PRESIDENCY}


def _is_user(actor: Actor) -> bool:
    return isinstance(actor, User) and actor.is_active


def _member_of(session: Session, user: User, body_id: int) -> bool:
    if user.delegation_id is None:
        return False
    found = session.scalar(
        select(Membership.id).where(Membership.body_id == body_id, Membership.delegation_id == user.delegation_id)
    )
    return found is not None


def _presides(session: Session, user: User, body: Body, on: date) -> bool:
    presiding = session.scalar(
        select(Presidency.delegation_id).where(Presidency.body_id == body.id, Presidency.month == on.strftime("%Y-%m"))
    )
    return presiding is not None and presiding == user.delegation_id


def decide(session: Session, actor: Actor, action: Action, target: Any = None, on: date | None = None) -> Decision:
    """Whether `actor` may take `action` on `target`, and if not, why, in words for the person refused."""
    if action is Action.ADMINISTER:
        return ALLOW if actor is SYSTEM else Decision(False, "Only an administrator at the server may do this.")
    if not _is_user(actor):
        return Decision(False, "Please log in.")
    user: User = actor
    if action is Action.READ_DRAFT:
        return _read_draft(session, user, target)
    if action is Action.EDIT_DRAFT:
        readable = _read_draft(session, user, target)
        if not readable:
            return readable
        if user.role not in DELEGATION_ROLES:
            return Decision(False, "Only delegates of member States edit drafts.")
        if target.status is DraftStatus.UNDER_SILENCE:
            return Decision(False, "The text is under silence: no edit is accepted until the deadline passes or "
                                   "a delegation breaks silence.")
        if target.status is DraftStatus.VOTED:
            return Decision(False, "The text has been voted on: no edit is accepted.")
        if target.status is not DraftStatus.DRAFTING:
            return Decision(False, 'The text is frozen ("in blue"): no edit is accepted.')
        return ALLOW
    if action is Action.OPEN_DRAFT:
        if user.role is not Role.PENHOLDER or not _member_of(session, user, target.id):
            return Decision(False, f"Only a penholder of a member of the {target.name} opens a draft there.")
        return ALLOW
    if action is Action.HOLD_PEN:
        if user.role is not Role.PENHOLDER or user.delegation_id != target.penholder_id:
            return Decision(False, f"Only the penholder ({target.penholder.name}) may do this.")
        return ALLOW
    if action is Action.PRESIDE:
        if user.role is not Role.PRESIDENCY or not _presides(session, user, target, on or date.today()):
            return Decision(False, "Only the presidency of the month may do this.")
        return ALLOW
    if action is Action.EDIT_PRESS_RELEASE:
        if user.role is not Role.PRESS_OFFICER:
            return Decision(False, "Only a press officer of the Secretariat may do this.")
        return ALLOW
    raise ValueError(f"no rule for {action}")


def _read_draft(session: Session, user: User, draft: Draft) -> Decision:
    if user.role is Role.PRESS_OFFICER:
        return ALLOW
    if user.role is Role.OBSERVER:
        return Decision(False, "Observers read published releases and adopted resolutions only.")
    if not _member_of(session, user, draft.body_id):
        return Decision(False, f"This draft is open to members of the {draft.body.name} only.")
    return ALLOW


def require(session: Session, actor: Actor, action: Action, target: Any = None, on: date | None = None) -> None:
    """Raise unless `actor` may take `action`: NotAuthenticated for nobody, PermissionDenied with the reason."""
    decision = decide(session, actor, action, target, on)
    if decision:
        return
    if not (actor is SYSTEM or _is_user(actor)):
        raise NotAuthenticated(decision.reason)
    raise PermissionDenied(decision.reason)


def require_user(actor: object) -> User:
    """The actor as a logged-in, active user, or NotAuthenticated."""
    if not _is_user(actor):
        raise NotAuthenticated("Please log in.")
    return actor
