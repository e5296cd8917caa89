"""Co-sponsors: invited by the penholder, answered by each delegation for itself, withdrawn until the vote."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from editor.persistence.models import AuditEntry, User
from editor.services import drafting, sponsors
from editor.services.errors import Conflict, InvalidInput, PermissionDenied


def user(session, name: str) -> User:
    return session.scalar(select(User).where(User.username == name))


def test_invited_consented_declined_withdrawn_each_by_whom_it_may_be(session, seed):
    draft_id, peru = seed["draft_id"], user(session, "peru")
    sponsors.invite(session, peru, draft_id, "France")
    sponsors.invite(session, peru, draft_id, "Germany")
    with pytest.raises(PermissionDenied):
        sponsors.invite(session, user(session, "france"), draft_id, "Kuwait")
    with pytest.raises(InvalidInput):
        sponsors.invite(session, peru, draft_id, "Narnia")
    with pytest.raises(Conflict):
        sponsors.invite(session, peru, draft_id, "France")
    with pytest.raises(Conflict):  # Kuwait was not invited: it cannot consent for anyone
        sponsors.answer(session, user(session, "kuwait"), draft_id, consent=True)
    sponsors.answer(session, user(session, "france"), draft_id, consent=True)
    sponsors.answer(session, user(session, "germany"), draft_id, consent=False)
    session.commit()
    listed = {s["member"]: s["status"] for s in sponsors.sponsors_of(session, user(session, "kuwait"), draft_id)}
    assert listed == {"France": "sponsor", "Germany": "declined"}
    assert "France" in drafting.get_draft(session, user(session, "kuwait"), draft_id).sponsors
    sponsors.withdraw(session, user(session, "france"), draft_id)
    with pytest.raises(Conflict):
        sponsors.withdraw(session, user(session, "germany"), draft_id)
    session.commit()
    assert "France" not in drafting.get_draft(session, user(session, "kuwait"), draft_id).sponsors
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("sponsor.%"))).all()
    assert actions == ["sponsor.invite", "sponsor.invite", "sponsor.consent", "sponsor.decline", "sponsor.withdraw"]
