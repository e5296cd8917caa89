"""Meetings, votes and their outcome on the database: who may do what, and nothing after the close."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import select

from editor.persistence.models import (
    AuditEntry,
    Ballot,
    Draft,
    DraftStatus,
    NamedVersion,
    Resolution,
    User,
    VoteMethod,
)
from editor.services import audit, stages, voting
from editor.services.errors import Conflict, InvalidInput, PermissionDenied

JULY_19 = date(2019, 7, 19)


def user(session, name: str) -> User:
    return session.scalar(select(User).where(User.username == name))


@pytest.fixture
def meeting(session, seed):
    """The text in blue and meeting 8582 convened on it by Peru's presidency (July 2019)."""
    stages.put_in_blue(session, user(session, "peru"), seed["draft_id"])
    made = voting.create_meeting(session, user(session, "peru-presidency"), "Security Council", 8582, JULY_19,
                                 "AM", "Threats to international peace and security", seed["draft_id"])
    session.commit()
    return made


def members(session, meeting):
    return voting.members(session, meeting.body)


def test_the_presidency_records_fifteen_votes_and_the_text_becomes_resolution_2482(session, seed, meeting):
    presidency = user(session, "peru-presidency")
    vote = voting.open_vote(session, presidency, meeting.id)
    for member in members(session, meeting):
        voting.cast(session, presidency, vote.id, member, "in_favour")
    voting.cast(session, presidency, vote.id, "China", "abstaining")  # a slip, corrected before the close
    voting.cast(session, presidency, vote.id, "China", "in_favour")
    resolution = voting.close_vote(session, presidency, vote.id, "2482 (2019)")
    session.commit()
    assert (resolution.number, resolution.symbol) == ("2482 (2019)", "S/RES/2482 (2019)")
    board = voting.board(session, user(session, "kuwait"), vote.id)
    assert board["counts"] == {"in_favour": 15, "against": 0, "abstaining": 0, "not_participating": 0, "absent": 0}
    assert board["announcement"] == ("There were 15 votes in favour. The draft resolution has been adopted as "
                                     "resolution 2482 (2019).")
    assert session.get(Draft, seed["draft_id"]).status is DraftStatus.VOTED
    frozen = session.scalar(select(NamedVersion).where(NamedVersion.final.is_(True)))
    assert resolution.text == frozen.snapshot and board["text_hash"] == frozen.content_hash  # the text in blue
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("vote.%"))).all()
    assert actions.count("vote.ballot") == 17 and actions[0] == "vote.open" and actions[-1] == "vote.close"
    assert audit.verify_chain(session).ok


def test_nothing_changes_after_the_close(session, seed, meeting):
    presidency = user(session, "peru-presidency")
    vote = voting.open_vote(session, presidency, meeting.id)
    voting.close_vote(session, presidency, vote.id)  # nobody voted: not adopted
    session.commit()
    with pytest.raises(Conflict, match="closed"):
        voting.cast(session, presidency, vote.id, "Peru", "in_favour")
    with pytest.raises(Conflict, match="closed"):
        voting.close_vote(session, presidency, vote.id)
    with pytest.raises(Conflict):
        stages.reopen(session, user(session, "peru"), seed["draft_id"])
    assert voting.board(session, presidency, vote.id)["outcome"] == "not_adopted"


def test_a_veto_and_the_councils_formula(session, seed, meeting):
    presidency = user(session, "peru-presidency")
    vote = voting.open_vote(session, presidency, meeting.id)
    for member in members(session, meeting):
        voting.cast(session, presidency, vote.id, member, "against" if member == "China" else "in_favour")
    assert voting.close_vote(session, presidency, vote.id) is None
    session.commit()
    board = voting.board(session, presidency, vote.id)
    assert (board["outcome"], board["reasons"], board["resolution"]) == ("not_adopted", ["veto"], None)
    assert board["announcement"].endswith("owing to the negative vote of a permanent member of the Council.")
    assert session.scalar(select(Resolution.id)) is None


def test_a_delegate_cannot_record_anothers_vote_and_on_the_board_casts_only_its_own(session, seed, meeting):
    presidency, kuwait = user(session, "peru-presidency"), user(session, "kuwait")
    hands = voting.open_vote(session, presidency, meeting.id)
    with pytest.raises(PermissionDenied):
        voting.cast(session, kuwait, hands.id, "Peru", "in_favour")
    with pytest.raises(PermissionDenied):
        voting.cast(session, kuwait, hands.id, "Kuwait", "in_favour")  # show of hands: the presidency records
    assert session.scalar(select(Ballot.id)) is None


def test_on_the_electronic_board_each_delegation_casts_its_own(session, seed):
    stages.put_in_blue(session, user(session, "peru"), seed["draft_id"])
    meeting = voting.create_meeting(session, user(session, "peru-presidency"), "Security Council", 8583,
                                    JULY_19, "PM", "Threats", seed["draft_id"])
    vote = voting.open_vote(session, user(session, "peru-presidency"), meeting.id, method=VoteMethod.ELECTRONIC)
    voting.cast(session, user(session, "kuwait"), vote.id, "Kuwait", "in_favour")
    with pytest.raises(PermissionDenied, match="its own vote"):
        voting.cast(session, user(session, "kuwait"), vote.id, "Peru", "in_favour")
    with pytest.raises(PermissionDenied):
        voting.cast(session, user(session, "peru-presidency"), vote.id, "Kuwait", "against")
    with pytest.raises(InvalidInput):
        voting.cast(session, user(session, "kuwait"), vote.id, "Kuwait", "maybe")
    assert voting.ballots(session, vote) == {"Kuwait": "in_favour"}


def test_nobody_votes_on_a_text_that_is_not_in_blue(session, seed):
    meeting = voting.create_meeting(session, user(session, "peru-presidency"), "Security Council", 8582,
                                    JULY_19, "AM", "Threats", seed["draft_id"])
    with pytest.raises(Conflict, match="in blue"):
        voting.open_vote(session, user(session, "peru-presidency"), meeting.id)
    with pytest.raises(PermissionDenied, match="presidency"):
        voting.create_meeting(session, user(session, "kuwait"), "Security Council", 8590, JULY_19, "AM", "x")
    with pytest.raises(PermissionDenied, match="presidency"):  # Peru presides in July 2019, not in August
        voting.create_meeting(session, user(session, "peru-presidency"), "Security Council", 8591,
                              date(2019, 8, 1), "AM", "x")


def test_adopted_without_a_vote_with_the_next_number_and_statements_in_order(session, seed, meeting):
    presidency = user(session, "peru-presidency")
    resolution = voting.adopt_without_vote(session, presidency, meeting.id)
    voting.add_statement(session, presidency, meeting.id, "Russian Federation", "representative", "after",
                         "said that the resolution is an addition to the toolkit.")
    voting.add_statement(session, presidency, meeting.id, "China", "representative", "after", "said that ...")
    voting.record_times(session, presidency, meeting.id, time(12, 30), time(12, 40))
    session.commit()
    assert resolution.number == "1 (2019)"  # the first resolution this database knows of, in 2019
    board = voting.board(session, presidency, resolution.vote_id)
    assert board["counts"] is None and board["announcement"] == (
        "The draft resolution has been adopted without a vote as resolution 1 (2019).")
    with pytest.raises(InvalidInput):
        voting.add_statement(session, presidency, meeting.id, "Narnia", "representative", "after", "said ...")
    with pytest.raises(InvalidInput):
        voting.record_times(session, presidency, meeting.id, time(13, 0), time(12, 0))
