from datetime import date

import pytest
from sqlalchemy import select

from editor.persistence.models import Body, Draft, DraftStatus, User
from editor.services.errors import NotAuthenticated, PermissionDenied
from editor.services.permissions import SYSTEM, Action, decide, require


def user(session, name):
    return session.scalar(select(User).where(User.username == name))


@pytest.fixture
def draft(session, seed):
    return session.get(Draft, seed["draft_id"])


def test_only_the_penholder_holds_the_pen(session, draft):
    assert decide(session, user(session, "peru"), Action.HOLD_PEN, draft)
    refused = decide(session, user(session, "kuwait"), Action.HOLD_PEN, draft)
    assert not refused
    assert refused.reason == "Only the penholder (Peru) may do this."
    # The presidency's account is Peru's too, but it is not a penholder account.
    assert not decide(session, user(session, "peru-presidency"), Action.HOLD_PEN, draft)
    with pytest.raises(PermissionDenied, match="penholder"):
        require(session, user(session, "kuwait"), Action.HOLD_PEN, draft)


def test_members_read_and_edit_a_draft_that_is_open(session, draft):
    kuwait = user(session, "kuwait")
    assert decide(session, kuwait, Action.READ_DRAFT, draft)
    assert decide(session, kuwait, Action.EDIT_DRAFT, draft)


def test_nobody_edits_a_frozen_text(session, draft):
    draft.status = DraftStatus.FROZEN
    for name in ("kuwait", "peru"):
        decision = decide(session, user(session, name), Action.EDIT_DRAFT, draft)
        assert not decision
        assert "frozen" in decision.reason


def test_a_non_member_reads_nothing(session, draft, make_user):
    from editor.services.bodies import ensure_delegation

    ensure_delegation(session, "Brazil")
    session.commit()
    make_user("brazil", "delegate", "Brazil")
    brazil = user(session, "brazil")
    decision = decide(session, brazil, Action.READ_DRAFT, draft)
    assert not decision and "members of the Security Council" in decision.reason
    assert not decide(session, brazil, Action.EDIT_DRAFT, draft)


def test_the_observer_reads_only_what_is_published(session, draft, make_user):
    make_user("observer", "observer")
    observer = user(session, "observer")
    for action in (Action.READ_DRAFT, Action.EDIT_DRAFT, Action.HOLD_PEN, Action.EDIT_PRESS_RELEASE):
        assert not decide(session, observer, action, draft)


def test_the_press_officer_reads_drafts_and_edits_releases_but_not_drafts(session, draft):
    officer = user(session, "press-officer")
    assert decide(session, officer, Action.READ_DRAFT, draft)
    assert not decide(session, officer, Action.EDIT_DRAFT, draft)
    assert decide(session, officer, Action.EDIT_PRESS_RELEASE)
    assert not decide(session, user(session, "peru"), Action.EDIT_PRESS_RELEASE)


def test_the_presidency_presides_only_in_its_month(session, seed):
    council = session.scalar(select(Body).where(Body.name == "Security Council"))
    presidency = user(session, "peru-presidency")
    assert decide(session, presidency, Action.PRESIDE, council, on=date(2019, 7, 19))
    assert not decide(session, presidency, Action.PRESIDE, council, on=date(2019, 8, 1))
    assert not decide(session, user(session, "kuwait"), Action.PRESIDE, council, on=date(2019, 7, 19))
    # A delegate of the presiding delegation is not the presidency's account.
    assert not decide(session, user(session, "peru"), Action.PRESIDE, council, on=date(2019, 7, 19))


def test_administration_is_for_the_command_line_only(session, seed):
    assert decide(session, SYSTEM, Action.ADMINISTER)
    assert not decide(session, user(session, "peru"), Action.ADMINISTER)


def test_anonymous_and_inactive_actors_are_asked_to_log_in(session, draft):
    with pytest.raises(NotAuthenticated):
        require(session, None, Action.READ_DRAFT, draft)
    kuwait = user(session, "kuwait")
    kuwait.active = False
    with pytest.raises(NotAuthenticated):
        require(session, kuwait, Action.READ_DRAFT, draft)
    # The command line administers but is no delegate.
    with pytest.raises(PermissionDenied):
        require(session, SYSTEM, Action.READ_DRAFT, draft)


def test_kuwait_cannot_do_what_only_the_penholder_may_and_nothing_changes(session, draft):
    from editor.persistence.models import AuditEntry
    from editor.services import drafting

    entries = session.query(AuditEntry).count()
    with pytest.raises(PermissionDenied, match=r"Only the penholder \(Peru\)"):
        drafting.update_draft_details(session, user(session, "kuwait"), draft.id, symbol="S/2019/999")
    session.rollback()
    assert session.get(Draft, draft.id).symbol is None and session.query(AuditEntry).count() == entries
    updated = drafting.update_draft_details(session, user(session, "peru"), draft.id, symbol=" S/2019/570 ")
    assert updated.symbol == "S/2019/570" and session.query(AuditEntry).count() == entries + 1


def test_the_observer_reads_only(session, draft, make_user):
    from editor.services import drafting

    make_user("observer", "observer")
    observer = user(session, "observer")
    with pytest.raises(PermissionDenied, match="Observers"):
        drafting.get_draft(session, observer, draft.id)
    with pytest.raises(PermissionDenied):
        drafting.update_draft_details(session, observer, draft.id, agenda_item="Other business")
    assert drafting.list_drafts(session, observer) == []


def test_the_penholder_cannot_give_a_general_assembly_symbol(session, draft):
    from editor.services import drafting
    from editor.services.errors import InvalidInput

    with pytest.raises(InvalidInput, match="starts with 'S/'"):
        drafting.update_draft_details(session, user(session, "peru"), draft.id, symbol="A/73/L.1")
