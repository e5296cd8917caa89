"""The negotiation's stage machine (editor.domain.stages): every move, legal or refused with its reason."""

from __future__ import annotations

import datetime as dt

import pytest

from editor.domain.stages import (
    BREAK,
    DRAFTING,
    FROZEN,
    IN_BLUE,
    REOPEN,
    SILENCE,
    UNDER_SILENCE,
    VOTE,
    VOTED,
    StageError,
    Standing,
    check,
)

NOW = dt.datetime(2019, 7, 15, 12, 0, tzinfo=dt.UTC)
TOMORROW = NOW + dt.timedelta(days=1)


@pytest.mark.parametrize(("standing", "move", "deadline", "leads_to"), [
    (Standing(DRAFTING), SILENCE, TOMORROW, UNDER_SILENCE),
    (Standing(UNDER_SILENCE, TOMORROW), BREAK, None, DRAFTING),
    (Standing(UNDER_SILENCE, NOW - dt.timedelta(minutes=1)), IN_BLUE, None, FROZEN),  # silence passed: agreed
    (Standing(DRAFTING), IN_BLUE, None, FROZEN),
    (Standing(FROZEN), REOPEN, None, DRAFTING),
    (Standing(FROZEN), VOTE, None, VOTED),
])
def test_legal_moves(standing, move, deadline, leads_to):
    assert check(standing, move, NOW, deadline) == leads_to


@pytest.mark.parametrize(("standing", "move", "deadline", "reason"), [
    (Standing(DRAFTING, brackets=2), SILENCE, TOMORROW, "brackets left"),
    (Standing(DRAFTING), SILENCE, NOW, "in the future"),
    (Standing(DRAFTING), SILENCE, dt.datetime(2019, 7, 16, 12), "time zone"),
    (Standing(FROZEN), SILENCE, TOMORROW, "Only a text under negotiation"),
    (Standing(DRAFTING), BREAK, None, "no silence to break"),
    (Standing(UNDER_SILENCE, NOW), BREAK, None, "the text is agreed"),
    (Standing(UNDER_SILENCE, TOMORROW), IN_BLUE, None, "under silence until"),
    (Standing(DRAFTING, brackets=1), IN_BLUE, None, "brackets left"),
    (Standing(FROZEN), IN_BLUE, None, "already in blue"),
    (Standing(DRAFTING), REOPEN, None, "nothing to reopen"),
    (Standing(FROZEN, voted_on=True), REOPEN, None, "can no longer be reopened"),
    (Standing(DRAFTING), VOTE, None, "in blue"),
    (Standing(VOTED), REOPEN, None, "moves no more"),
    (Standing(DRAFTING), "dance", None, "No such move"),
])
def test_illegal_moves_are_refused_with_the_reason(standing, move, deadline, reason):
    with pytest.raises(StageError, match=reason):
        check(standing, move, NOW, deadline)


def test_the_stage_in_words():
    assert Standing(UNDER_SILENCE, TOMORROW).stage(NOW) == "under silence"
    assert Standing(UNDER_SILENCE, NOW).stage(NOW) == "agreed"
    assert Standing(UNDER_SILENCE, NOW, broken=True).stage(NOW) == "under silence"
    assert [Standing(s).stage(NOW) for s in (DRAFTING, FROZEN, VOTED)] == ["negotiation", "in blue", "voted"]
