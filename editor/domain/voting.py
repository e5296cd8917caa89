"""The rules that decide a vote, and the words the presidency announces it with (DESIGN.md §3, Votes).

Security Council: a substantive matter is adopted with at least nine votes in favour and no permanent
member against (an abstention, absence or non-participation of a permanent member is no veto); a
procedural one with nine in favour, veto or not. General Assembly: a majority of the members present and
voting, two thirds for an important question; abstaining and not participating are not voting. Either
body may adopt without a vote, or by acclamation: then no counts exist. Pure: standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from editor.domain.bodies import GENERAL_ASSEMBLY, SECURITY_COUNCIL, BodyRules

IN_FAVOUR, AGAINST, ABSTAINING, NOT_PARTICIPATING = "in_favour", "against", "abstaining", "not_participating"
CHOICES = (IN_FAVOUR, AGAINST, ABSTAINING, NOT_PARTICIPATING)
SC_REQUIRED = 9

# Why a draft was not adopted (both SC reasons may hold at once).
VETO = "veto"  # "owing to the negative vote of a permanent member"
SHORT_OF_VOTES = "short_of_votes"  # "having failed to obtain the required number of votes"
NO_MAJORITY = "no_majority"  # General Assembly: not the majority (or two thirds) of those present and voting


class VotingError(ValueError):
    """A ballot or a matter the body's rules do not know."""


@dataclass(frozen=True)
class Tally:
    """Who voted how, each list in the members' order; `absent`: members without a vote recorded."""

    in_favour: tuple[str, ...]
    against: tuple[str, ...]
    abstaining: tuple[str, ...]
    not_participating: tuple[str, ...]
    absent: tuple[str, ...]

    @property
    def voting(self) -> int:
        """Members present and voting: in favour or against."""
        return len(self.in_favour) + len(self.against)


@dataclass(frozen=True)
class Outcome:
    adopted: bool
    tally: Tally | None  # None: adopted without a vote
    required: int = 0  # the votes in favour that were needed
    reasons: tuple[str, ...] = ()  # why not adopted
    vetoed_by: tuple[str, ...] = ()  # permanent members that voted against a substantive draft
    by_acclamation: bool = False

    @property
    def without_vote(self) -> bool:
        return self.tally is None

    @property
    def unanimous(self) -> bool:
        t = self.tally
        return t is not None and self.adopted and not (t.against or t.abstaining or t.not_participating or t.absent)


def tally(members: Sequence[str], ballots: Mapping[str, str]) -> Tally:
    """Each member's last recorded choice; VotingError for a ballot of a non-member or an unknown choice."""
    outsiders = sorted(set(ballots) - set(members))
    if outsiders:
        raise VotingError(f"{', '.join(outsiders)} {'is' if len(outsiders) == 1 else 'are'} not a member.")
    unknown = sorted({choice for choice in ballots.values() if choice not in CHOICES})
    if unknown:
        raise VotingError(f"A vote is one of {', '.join(CHOICES)}, not {', '.join(unknown)}.")

    def having(choice: str | None) -> tuple[str, ...]:
        return tuple(m for m in members if ballots.get(m) == choice)

    return Tally(having(IN_FAVOUR), having(AGAINST), having(ABSTAINING), having(NOT_PARTICIPATING), having(None))


def decide(rules: BodyRules, matter: str, members: Sequence[str], ballots: Mapping[str, str]) -> Outcome:
    """The outcome of a recorded vote under the body's rules."""
    if matter not in rules.matters:
        raise VotingError(f"A matter before the {rules.name} is one of {', '.join(rules.matters)}, not {matter!r}.")
    counted = tally(members, ballots)
    if rules is GENERAL_ASSEMBLY or not rules.permanent_members:
        # More than half of those present and voting (a tie fails); at least two thirds of them for an
        # important question (exactly two thirds passes). Nobody voting adopts nothing.
        if matter == "important":
            required = max(1, -(-2 * counted.voting // 3))
        else:
            required = counted.voting // 2 + 1
        passed = len(counted.in_favour) >= required
        return Outcome(passed, counted, required, () if passed else (NO_MAJORITY,))
    reasons: list[str] = []
    vetoed_by = tuple(m for m in counted.against if m in rules.permanent_members) if matter == "substantive" else ()
    if vetoed_by:
        reasons.append(VETO)
    if len(counted.in_favour) < SC_REQUIRED:
        reasons.append(SHORT_OF_VOTES)
    return Outcome(not reasons, counted, SC_REQUIRED, tuple(reasons), vetoed_by)


def without_a_vote(by_acclamation: bool = False) -> Outcome:
    return Outcome(True, None, by_acclamation=by_acclamation)


# -- resolution numbers ------------------------------------------------------------------------------------------


def next_resolution_number(rules: BodyRules, taken: Iterable[str], year: int, session: str | None = None) -> str:
    """The body's next number: the Council numbers its resolutions in one series with the year ("2483
    (2019)"); the Assembly per session ("68/263")."""
    if rules is SECURITY_COUNCIL:
        last = max((int(m.group(1)) for n in taken if (m := re.fullmatch(r"(\d+) \(\d{4}\)", n))), default=0)
        return f"{last + 1} ({year})"
    if not session or not session.isdigit():
        raise VotingError("An Assembly resolution is numbered within its session: give the session.")
    last = max((int(m.group(1)) for n in taken if (m := re.fullmatch(rf"{session}/(\d+)", n))), default=0)
    return f"{session}/{last + 1}"


# -- the announcement --------------------------------------------------------------------------------------------


def _votes(n: int, noun: str = "vote") -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def count_sentence(t: Tally) -> str:
    """"There were 15 votes in favour." / "There were 13 votes in favour, none against and 2 abstentions."."""
    if not (t.against or t.abstaining):
        return f"There {'was' if len(t.in_favour) == 1 else 'were'} {_votes(len(t.in_favour))} in favour."
    against = f"{len(t.against)} against" if t.against else "none against"
    abstentions = _votes(len(t.abstaining), "abstention") if t.abstaining else "no abstentions"
    return f"There were {_votes(len(t.in_favour))} in favour, {against} and {abstentions}."


def announcement(rules: BodyRules, outcome: Outcome, resolution_number: str | None = None) -> str:
    """What the presidency says when the vote is closed, in the body's formula."""
    if outcome.without_vote:
        how = "by acclamation" if outcome.by_acclamation else "without a vote"
        return f"The draft resolution has been adopted {how} as resolution {resolution_number}."
    counts = count_sentence(outcome.tally)
    if outcome.adopted:
        return f"{counts} The draft resolution has been adopted as resolution {resolution_number}."
    why = []
    if VETO in outcome.reasons:
        why.append(f"owing to the negative vote of a permanent member of the {rules.short_name}")
    if SHORT_OF_VOTES in outcome.reasons:
        why.append("having failed to obtain the required number of votes")
    if NO_MAJORITY in outcome.reasons:
        why.append("having failed to obtain the required majority")
    return f"{counts} The draft resolution has not been adopted, {' and '.join(why)}."
