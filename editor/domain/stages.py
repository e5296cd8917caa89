"""Where a draft stands in the negotiation, and which moves it may make from there (DESIGN.md §2).

A draft is negotiated (zero draft, rev.1, rev.2, ...: named versions), put under silence until a
deadline (its text frozen meanwhile), and either a delegation breaks silence before the deadline (back to
negotiation, with its objections) or the deadline passes unbroken (agreed). An agreed or negotiated text
without brackets goes "in blue"; the penholder may take it out of blue until a vote is opened; the vote
closes it for good. Each move is the penholder's, but breaking silence (any member) and the vote (the
presidency). Pure: standard library only; the clock is an argument.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

DRAFTING, UNDER_SILENCE, FROZEN, VOTED = "drafting", "under_silence", "frozen", "voted"
SILENCE, BREAK, IN_BLUE, REOPEN, VOTE = "silence", "break_silence", "in_blue", "reopen", "vote"


class StageError(ValueError):
    """A move the draft cannot make from where it stands; the message says why."""


@dataclass(frozen=True)
class Standing:
    """What a move is decided on: the status, the running silence's deadline, whether it was broken,
    how many brackets are left, whether a vote was opened."""

    status: str
    deadline: dt.datetime | None = None
    broken: bool = False
    brackets: int = 0
    voted_on: bool = False

    def silence_passed(self, now: dt.datetime) -> bool:
        return self.status == UNDER_SILENCE and not self.broken and self.deadline is not None and now >= self.deadline

    def stage(self, now: dt.datetime) -> str:
        """In words: "negotiation", "under silence", "agreed", "in blue", "voted"."""
        if self.status == UNDER_SILENCE:
            return "agreed" if self.silence_passed(now) else "under silence"
        return {DRAFTING: "negotiation", FROZEN: "in blue", VOTED: "voted"}[self.status]


def check(standing: Standing, move: str, now: dt.datetime, deadline: dt.datetime | None = None) -> str:
    """The status the move leads to; StageError with the reason when it cannot be made."""
    status = standing.status
    if status == VOTED:
        raise StageError("The text has been voted on: it moves no more.")
    if move == SILENCE:
        if status != DRAFTING:
            raise StageError(f"Only a text under negotiation goes under silence; this one is {standing.stage(now)}.")
        if standing.brackets:
            raise StageError(f"A text with brackets left cannot go under silence ({standing.brackets} left).")
        if deadline is None or deadline.tzinfo is None:
            raise StageError("Silence runs until a deadline: a date and a time with its time zone.")
        if deadline <= now:
            raise StageError("The deadline of a silence procedure is in the future.")
        return UNDER_SILENCE
    if move == BREAK:
        if status != UNDER_SILENCE:
            raise StageError("The text is not under silence: there is no silence to break.")
        if standing.silence_passed(now):
            raise StageError("The deadline has passed: silence was not broken, the text is agreed.")
        return DRAFTING
    if move == IN_BLUE:
        if status == FROZEN:
            raise StageError("The text is already in blue.")
        if status == UNDER_SILENCE and not standing.silence_passed(now):
            raise StageError(f"The text is under silence until {standing.deadline.isoformat()}: it goes in blue "
                             "once the deadline has passed unbroken.")
        if standing.brackets:
            raise StageError(f"A text with brackets left cannot go in blue ({standing.brackets} left).")
        return FROZEN
    if move == REOPEN:
        if status != FROZEN:
            raise StageError("The text is not in blue: there is nothing to reopen.")
        if standing.voted_on:
            raise StageError("A vote has been opened on this text: it can no longer be reopened.")
        return DRAFTING
    if move == VOTE:
        if status != FROZEN:
            raise StageError('Only a text "in blue" is put to the vote.')
        if standing.voted_on:
            raise StageError("This text has already been put to the vote.")
        return VOTED
    raise StageError(f"No such move: {move!r}.")
