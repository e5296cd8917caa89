"""Putting a text in blue and reopening it: the penholder only, recorded, and never once a vote is open."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from sqlalchemy import select

from editor.persistence.models import AuditEntry, Body, Draft, DraftStatus, Meeting, User, Vote, VoteMethod
from editor.services import audit, revisions, stages
from editor.services import sync as sync_service
from editor.services.errors import Conflict, InvalidInput, PermissionDenied
from tests.services.test_revisions import edit


def user(session, name: str) -> User:
    return session.scalar(select(User).where(User.username == name))


def test_in_blue_is_the_last_named_version_with_the_hash_of_its_text(session, seed):
    draft_id = seed["draft_id"]
    version = stages.put_in_blue(session, user(session, "peru"), draft_id)
    session.commit()
    assert (version.name, version.final, version.seq) == ("in blue", True, 12)
    assert version.content_hash == hashlib.sha256(version.snapshot.encode()).hexdigest()
    assert [v.name for v in revisions.list_versions(session, user(session, "kuwait"), draft_id)][-1] == "in blue"
    assert session.get(Draft, draft_id).status is DraftStatus.FROZEN
    [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "draft.freeze")).all()
    assert version.content_hash in entry.payload and audit.verify_chain(session).ok


def test_an_edit_to_a_text_in_blue_is_refused_and_changes_nothing(session, seed):
    draft_id = seed["draft_id"]
    stages.put_in_blue(session, user(session, "peru"), draft_id)
    session.commit()
    with pytest.raises(AssertionError, match="frozen"):
        edit(session, draft_id, "france", 5, lambda text: text + " (late)")
    session.rollback()
    assert session.get(Draft, draft_id).version == 12


@pytest.mark.parametrize("who", ["france", "kuwait"])
def test_only_the_penholder_puts_a_text_in_blue(session, seed, who):
    with pytest.raises(PermissionDenied):
        stages.put_in_blue(session, user(session, who), seed["draft_id"])
    session.rollback()
    assert session.get(Draft, seed["draft_id"]).status is DraftStatus.DRAFTING


def test_reopened_and_frozen_again_it_gets_a_new_name_and_both_moves_are_recorded(session, seed):
    draft_id, peru = seed["draft_id"], user(session, "peru")
    stages.put_in_blue(session, peru, draft_id)
    with pytest.raises(Conflict, match="already in blue"):
        stages.put_in_blue(session, peru, draft_id)
    with pytest.raises(PermissionDenied):
        stages.reopen(session, user(session, "france"), draft_id)
    stages.reopen(session, peru, draft_id)
    with pytest.raises(Conflict, match="not in blue"):
        stages.reopen(session, peru, draft_id)
    session.commit()
    edit(session, draft_id, "france", 5, lambda text: text + " (France)")
    again = stages.put_in_blue(session, peru, draft_id)
    session.commit()
    assert (again.name, again.seq) == ("in blue (2)", 13)
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("draft.%freeze"))).all()
    assert actions == ["draft.freeze", "draft.unfreeze", "draft.freeze"]


def test_once_a_vote_is_opened_the_text_stays_in_blue(session, seed):
    draft_id, peru = seed["draft_id"], user(session, "peru")
    version = stages.put_in_blue(session, peru, draft_id)
    body = session.scalar(select(Body).where(Body.name == "Security Council"))
    meeting = Meeting(body=body, number=9999, date=date(2019, 8, 2), period="AM", agenda_item="x", draft_id=draft_id)
    session.add(meeting)
    session.flush()
    session.add(Vote(meeting_id=meeting.id, draft_id=draft_id, named_version_id=version.id,
                     text_hash=version.content_hash, matter="substantive", method=VoteMethod.SHOW_OF_HANDS))
    session.commit()
    with pytest.raises(Conflict, match="vote"):
        stages.reopen(session, peru, draft_id)
    assert sync_service.load_draft(session, draft_id).status is DraftStatus.FROZEN


def test_a_text_with_brackets_cannot_go_in_blue_and_the_refusal_names_them(session, seed):
    draft_id = seed["draft_id"]
    edit(session, draft_id, "france", 5, lambda text: text.replace("Encourages States", "[Encourages/Urges] States"))
    with pytest.raises(Conflict) as refused:
        stages.put_in_blue(session, user(session, "peru"), draft_id)
    assert "1 bracket: OP3 [Encourages/Urges] (France)" in str(refused.value.message)
    session.rollback()
    assert revisions.brackets_of(session, user(session, "kuwait"), draft_id)[0]["alternatives"] == [
        "Encourages", "Urges"]
    edit(session, draft_id, "peru", 5, lambda text: text.replace("[Encourages/Urges] States", "Encourages States"))
    session.expire_all()  # the edit went through plain statements, as the committer writes
    assert stages.put_in_blue(session, user(session, "peru"), draft_id).name == "in blue"


def test_silence_freezes_the_text_and_a_delegation_breaks_it_on_op3_with_its_reason(session, seed):
    from datetime import UTC, datetime, timedelta

    draft_id, peru = seed["draft_id"], user(session, "peru")
    deadline = datetime.now(UTC) + timedelta(hours=24)
    with pytest.raises(PermissionDenied):
        stages.put_under_silence(session, user(session, "france"), draft_id, deadline)
    with pytest.raises(Conflict, match="in the future"):
        stages.put_under_silence(session, peru, draft_id, datetime.now(UTC) - timedelta(minutes=1))
    stages.put_under_silence(session, peru, draft_id, deadline)
    session.commit()
    draft = session.get(Draft, draft_id)
    assert stages.stage_of(session, draft)["stage"] == "under silence"
    with pytest.raises(AssertionError, match="under silence"):  # every edit refused, with why
        edit(session, draft_id, "france", 5, lambda text: text + " (late)")
    session.rollback()
    with pytest.raises(Conflict, match="under silence until"):
        stages.put_in_blue(session, peru, draft_id)
    with pytest.raises(PermissionDenied):  # the presidency's account is not a delegation's voice here
        stages.break_silence(session, user(session, "peru-presidency"), draft_id, ["OP3"], "No.")
    with pytest.raises(InvalidInput, match="OP99"):
        stages.break_silence(session, user(session, "france"), draft_id, ["OP99"], "No.")
    stages.break_silence(session, user(session, "france"), draft_id, ["OP3"], "Encourage is too weak.")
    session.commit()
    state = stages.stage_of(session, session.get(Draft, draft_id))
    assert (state["stage"], state["silence"]["state"]) == ("zero draft", "broken")  # the round it is in
    assert state["silence"]["objection"]["delegation"] == "France"
    assert [p["ref"] for p in state["silence"]["objection"]["paragraphs"]] == ["OP3"]
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("draft.silence%"))).all()
    assert actions == ["draft.silence", "draft.silence.broken"]


def test_a_silence_that_passes_unbroken_leaves_the_text_agreed_and_it_may_go_in_blue(session, seed):
    from datetime import UTC, datetime, timedelta

    from editor.persistence.models import Silence

    draft_id, peru = seed["draft_id"], user(session, "peru")
    silence = stages.put_under_silence(session, peru, draft_id, datetime.now(UTC) + timedelta(hours=1))
    session.commit()
    silence.deadline = datetime.now(UTC) - timedelta(seconds=1)  # the clock moves on
    session.commit()
    assert stages.stage_of(session, session.get(Draft, draft_id))["stage"] == "agreed"
    with pytest.raises(Conflict, match="agreed"):
        stages.break_silence(session, user(session, "france"), draft_id, ["OP3"], "Too late.")
    assert stages.put_in_blue(session, peru, draft_id).name == "in blue"
    assert session.scalar(select(Silence.broken_at)) is None


def test_a_bracketed_text_cannot_go_under_silence(session, seed):
    from datetime import UTC, datetime, timedelta

    edit(session, seed["draft_id"], "germany", 4, lambda text: "[Firmly] " + text)
    session.expire_all()
    with pytest.raises(Conflict, match=r"OP2 \[Firmly\] \(Germany\). Resolve them before it goes under silence"):
        stages.put_under_silence(session, user(session, "peru"), seed["draft_id"],
                                 datetime.now(UTC) + timedelta(hours=1))


def test_each_paragraph_is_agreed_bracketed_or_agreed_ad_ref(session, seed):
    draft_id, peru = seed["draft_id"], user(session, "peru")
    edit(session, draft_id, "germany", 4, lambda text: "[Firmly] " + text)
    session.expire_all()
    with pytest.raises(PermissionDenied):
        stages.mark_ad_ref(session, user(session, "france"), draft_id, "OP3", True)
    stages.mark_ad_ref(session, peru, draft_id, "OP3", True)
    session.commit()
    standing = {p["ref"]: p["status"] for p in stages.stage_of(session, session.get(Draft, draft_id))["paragraphs"]}
    assert (standing["OP1"], standing["OP2"], standing["OP3"]) == ("agreed", "bracketed", "agreed ad ref")
    stages.mark_ad_ref(session, peru, draft_id, "OP3", False)
    session.commit()
    assert {p["ref"]: p["status"] for p in stages.stage_of(session, session.get(Draft, draft_id))["paragraphs"]}[
        "OP3"] == "agreed"
