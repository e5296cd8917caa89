"""Demo data: the seed's scenario, loaded into an empty embedded database so that a newcomer can log in."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from editor.domain.scenario import load_scenario_file
from editor.persistence.models import Draft, User
from editor.services import bodies, scenarios
from editor.services.permissions import SYSTEM

DEMO_SCENARIO = Path(__file__).resolve().parent.parent / "data" / "scenarios" / "sc-2482-2019.json"
# Published on purpose and printed at start-up: only accounts created in demo mode get it.
DEMO_PASSWORD = "penholder-demo"  # noqa: S105


def is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count(User.id))) and not session.scalar(select(func.count(Draft.id)))


def has_demo(session: Session) -> bool:
    return session.scalar(select(func.count(User.id)).where(User.demo.is_(True))) > 0


def load_demo(session: Session) -> scenarios.LoadReport:
    """The seed's story up to the text as negotiated, still being drafted: a newcomer co-drafts it, names
    versions, puts it in blue and takes it to the vote from there."""
    scenario = load_scenario_file(DEMO_SCENARIO)
    report = scenarios.load_scenario(session, SYSTEM, scenario, demo_password=DEMO_PASSWORD, until=scenarios.DRAFTING)
    # The seed's presidency presided in July 2019; in the demo it presides this month too, so that a
    # newcomer can take the draft to the vote today.
    bodies.assign_presidency(session, SYSTEM, scenario.body, date.today().strftime("%Y-%m"), scenario.presidency)
    return report


def demo_logins(session: Session) -> list[tuple[str, str, str]]:
    users = session.scalars(select(User).where(User.demo.is_(True)).order_by(User.id))
    return [(u.username, u.role.value, u.affiliation) for u in users]
