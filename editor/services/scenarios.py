"""Loading a `penholder-scenario/1` story into the database through the same use cases the app calls."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from editor.domain.scenario import Scenario, scenario_paragraphs
from editor.persistence.models import Draft, Role, User
from editor.services import accounts, audit, bodies, drafting
from editor.services.permissions import Action, require

PRESS_OFFICER = "press-officer"


def username_for(delegation: str, suffix: str = "") -> str:
    """"Côte d'Ivoire" -> "cote-divoire": ASCII, lower case, words joined by dashes."""
    ascii_name = unicodedata.normalize("NFKD", delegation).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower().replace("'", "")).strip("-")
    return f"{slug}-{suffix}" if suffix else slug


@dataclass
class LoadReport:
    draft: Draft
    # (username, role, affiliation) of each account the load created, in the order created.
    accounts: list[tuple[str, str, str]] = field(default_factory=list)


def load_scenario(session: Session, actor: object, scenario: Scenario, demo_password: str | None = None) -> LoadReport:
    """Seat the body, create one account per delegation (the penholder's with the pen), a presidency and a
    press-officer account, and open the draft as the penholder. Accounts get `demo_password` only in demo
    mode; otherwise they cannot log in until `flask user password` sets one."""
    require(session, actor, Action.ADMINISTER)
    body = bodies.ensure_body(session, scenario.body)
    delegations = {d.name: d for d in bodies.seat_members(session, body, scenario.members)}
    bodies.set_presidency(session, body, delegations[scenario.presidency], scenario.meeting.date)

    wanted = [
        (username_for(name), Role.PENHOLDER if name == scenario.draft.penholder else Role.DELEGATE, name)
        for name in scenario.members
    ]
    wanted.append((username_for(scenario.presidency, "presidency"), Role.PRESIDENCY, scenario.presidency))
    wanted.append((PRESS_OFFICER, Role.PRESS_OFFICER, None))
    created = []
    for username, role, delegation in wanted:
        if session.scalar(select(User.id).where(User.username == username)) is None:
            display = f"{delegation} ({role.value})" if delegation else "Press officer"
            accounts.create_user(session, actor, username, role, delegation, demo_password, display,
                                 demo=demo_password is not None)
            created.append((username, role.value, delegation or "Secretariat"))

    penholder = session.scalar(select(User).where(User.username == username_for(scenario.draft.penholder)))
    spec = scenario.draft
    draft = drafting.open_draft(session, penholder, body.name, spec.agenda_item, scenario_paragraphs(spec),
                                symbol=spec.symbol, sponsors=spec.sponsors)
    audit.record(session, actor, "scenario.load", f"draft:{draft.id}", {"body": body.name, "note": scenario.note})
    return LoadReport(draft=draft, accounts=created)
