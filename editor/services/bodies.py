"""Bodies, delegations and presidencies as a scenario or an administrator sets them up."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from editor.domain.bodies import body_rules
from editor.persistence.models import Body, Delegation, Membership, Presidency
from editor.services import audit
from editor.services.errors import InvalidInput, NotFound
from editor.services.permissions import Action, require

# Distinct hues dark enough to underline text on white and to read as text (WCAG AA on white).
PALETTE = (
    "#1f5fbf", "#b3261e", "#1b7a3a", "#8e3ab8", "#b35c00", "#00798c", "#a1356b", "#5b6b00",
    "#3f51b5", "#8b4513", "#00695c", "#c2185b", "#4e5d94", "#7a5c00", "#2e7d32", "#6a1b9a",
)


def ensure_body(session: Session, name: str) -> Body:
    rules = body_rules(name)
    body = session.scalar(select(Body).where(Body.name == rules.name))
    if body is None:
        body = Body(name=rules.name, code=rules.code)
        session.add(body)
        session.flush()
    return body


def ensure_delegation(session: Session, name: str) -> Delegation:
    delegation = session.scalar(select(Delegation).where(Delegation.name == name))
    if delegation is None:
        count = session.scalar(select(func.count(Delegation.id))) or 0
        delegation = Delegation(name=name, colour=PALETTE[count % len(PALETTE)])
        session.add(delegation)
        session.flush()
    return delegation


def seat_members(session: Session, body: Body, names: list[str] | tuple[str, ...]) -> list[Delegation]:
    """Make these States members of the body, permanent where the body's rules say so."""
    permanent = body_rules(body.name).permanent_members
    delegations = []
    for name in names:
        delegation = ensure_delegation(session, name)
        seated = session.scalar(
            select(Membership).where(Membership.body_id == body.id, Membership.delegation_id == delegation.id)
        )
        if seated is None:
            session.add(Membership(body=body, delegation=delegation, permanent=name in permanent))
        delegations.append(delegation)
    session.flush()
    return delegations


def set_presidency(session: Session, body: Body, delegation: Delegation, month: date) -> Presidency:
    key = month.strftime("%Y-%m")
    presidency = session.scalar(select(Presidency).where(Presidency.body_id == body.id, Presidency.month == key))
    if presidency is None:
        presidency = Presidency(body=body, delegation=delegation, month=key)
        session.add(presidency)
    else:
        presidency.delegation = delegation
    session.flush()
    return presidency


def assign_presidency(session: Session, actor: object, body_name: str, month: str, member: str) -> Presidency:
    """The operator records who presides the body in a month ("2026-12"): a member of it. The presidency's
    accounts act for the body (meetings, votes) in that month only."""
    require(session, actor, Action.ADMINISTER)
    body = session.scalar(select(Body).where(Body.name == body_name))
    if body is None:
        raise NotFound(f"Unknown body {body_name!r}.")
    try:
        first = datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        raise InvalidInput(f'A month is written YYYY-MM ("2026-12"), not {month!r}.') from None
    delegation = session.scalar(select(Delegation).join(Membership, Membership.delegation_id == Delegation.id)
                                .where(Membership.body_id == body.id, Delegation.name == member))
    if delegation is None:
        raise InvalidInput(f"{member} is not a member of the {body.name}.")
    presidency = set_presidency(session, body, delegation, first)
    audit.record(session, actor, "body.presidency", f"body:{body.id}", {"month": month, "member": member})
    return presidency
