"""Meetings of the bodies."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from editor.persistence.models import Meeting, Membership, Role, User
from editor.services.permissions import require_user


def list_meetings(session: Session, actor: object) -> list[Meeting]:
    """Meetings of the bodies the actor's delegation sits in (all of them for the Secretariat), latest first."""
    user: User = require_user(actor)
    query = select(Meeting).order_by(Meeting.date.desc(), Meeting.number.desc())
    if user.role is Role.OBSERVER:
        return []
    if user.delegation_id is not None:
        member_of = select(Membership.body_id).where(Membership.delegation_id == user.delegation_id)
        query = query.where(Meeting.body_id.in_(member_of))
    return list(session.scalars(query))
