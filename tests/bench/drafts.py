"""The benchmarks' starting point: the demo data, and a draft of the Security Council opened by the
demo penholder (the services' own `open_draft`)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from editor.domain.document import Paragraph
from editor.persistence.models import Body, Draft, Role, User
from editor.services import demo, drafting


def open_demo_draft(session: Session, agenda_item: str, opening: Sequence[Paragraph]) -> tuple[Draft, User]:
    """Loads the demo data, opens the draft as the demo penholder and commits; returns both."""
    demo.load_demo(session)
    session.commit()
    body = session.scalar(select(Body).where(Body.name == "Security Council"))
    penholder = session.scalar(select(User).where(User.role == Role.PENHOLDER, User.demo.is_(True))
                               .order_by(User.id))
    draft = drafting.open_draft(session, penholder, body.name, agenda_item, list(opening))
    session.commit()
    return draft, penholder
