"""The bodies' voting rules, table-driven (editor.domain.voting)."""

from __future__ import annotations

import pytest

from editor.domain.bodies import GENERAL_ASSEMBLY, SECURITY_COUNCIL
from editor.domain.voting import (
    ABSTAINING,
    AGAINST,
    IN_FAVOUR,
    NO_MAJORITY,
    NOT_PARTICIPATING,
    SHORT_OF_VOTES,
    VETO,
    VotingError,
    announcement,
    decide,
    next_resolution_number,
    without_a_vote,
)

P5 = ["China", "France", "Russian Federation", "United Kingdom", "United States"]
E10 = ["Belgium", "Côte d'Ivoire", "Dominican Republic", "Equatorial Guinea", "Germany", "Indonesia", "Kuwait",
       "Peru", "Poland", "South Africa"]
COUNCIL = P5 + E10


def ballots(in_favour=(), against=(), abstaining=(), not_participating=()):
    out = dict.fromkeys(in_favour, IN_FAVOUR)
    out.update(dict.fromkeys(against, AGAINST))
    out.update(dict.fromkeys(abstaining, ABSTAINING))
    out.update(dict.fromkeys(not_participating, NOT_PARTICIPATING))
    return out


@pytest.mark.parametrize(("case", "matter", "cast", "adopted", "reasons"), [
    ("unanimous", "substantive", ballots(COUNCIL), True, ()),
    ("9 in favour, a permanent member against", "substantive",
     ballots(E10[:9], against=["Russian Federation"], abstaining=P5[:2] + P5[3:] + E10[9:]), False, (VETO,)),
    ("8 in favour, none against", "substantive", ballots(E10[:8], abstaining=COUNCIL[:5] + E10[8:]), False,
     (SHORT_OF_VOTES,)),
    ("8 in favour and a veto: both reasons", "substantive", ballots(E10[:8], against=["China"]), False,
     (VETO, SHORT_OF_VOTES)),
    ("a permanent member abstaining is no veto", "substantive",
     ballots(COUNCIL[2:], abstaining=["China", "France"]), True, ()),
    ("a permanent member not participating is no veto", "substantive",
     ballots(E10[:9], not_participating=["United States"]), True, ()),
    ("an absent permanent member is no veto", "substantive", ballots(E10), True, ()),
    ("procedural: a permanent member against is no veto", "procedural",
     ballots(E10[:9], against=["China", "Russian Federation"]), True, ()),
    ("procedural: 8 in favour fails", "procedural", ballots(E10[:8]), False, (SHORT_OF_VOTES,)),
])
def test_security_council(case, matter, cast, adopted, reasons):
    outcome = decide(SECURITY_COUNCIL, matter, COUNCIL, cast)
    assert (outcome.adopted, outcome.reasons) == (adopted, reasons), case


ASSEMBLY = [f"State {n}" for n in range(1, 194)]


@pytest.mark.parametrize(("case", "matter", "in_favour", "against", "abstaining", "adopted"), [
    ("a majority of those voting", "other", 60, 59, 70, True),
    ("a tie fails", "other", 50, 50, 0, False),
    ("abstentions do not count as voting", "other", 10, 9, 170, True),
    ("two thirds exactly", "important", 100, 50, 20, True),
    ("one short of two thirds", "important", 99, 50, 0, False),
    ("nobody voting adopts nothing", "important", 0, 0, 150, False),
])
def test_general_assembly(case, matter, in_favour, against, abstaining, adopted):
    members = iter(ASSEMBLY)
    cast = ballots([next(members) for _ in range(in_favour)], [next(members) for _ in range(against)],
                   [next(members) for _ in range(abstaining)])
    outcome = decide(GENERAL_ASSEMBLY, matter, ASSEMBLY, cast)
    assert outcome.adopted is adopted, case
    assert outcome.reasons == (() if adopted else (NO_MAJORITY,))


def test_the_presidencys_announcement_in_the_councils_formula():
    unanimous = decide(SECURITY_COUNCIL, "substantive", COUNCIL, ballots(COUNCIL))
    assert unanimous.unanimous
    assert announcement(SECURITY_COUNCIL, unanimous, "2482 (2019)") == (
        "There were 15 votes in favour. The draft resolution has been adopted as resolution 2482 (2019).")
    mixed = decide(SECURITY_COUNCIL, "substantive", COUNCIL, ballots(COUNCIL[2:], abstaining=P5[:2]))
    assert announcement(SECURITY_COUNCIL, mixed, "2483 (2019)").startswith(
        "There were 13 votes in favour, none against and 2 abstentions. The draft resolution has been adopted")
    vetoed = decide(SECURITY_COUNCIL, "substantive", COUNCIL, ballots(COUNCIL[1:], against=["China"]))
    assert announcement(SECURITY_COUNCIL, vetoed) == (
        "There were 14 votes in favour, 1 against and no abstentions. The draft resolution has not been adopted, "
        "owing to the negative vote of a permanent member of the Council.")
    both = decide(SECURITY_COUNCIL, "substantive", COUNCIL, ballots(E10[:8], against=["China"]))
    assert announcement(SECURITY_COUNCIL, both).endswith(
        "owing to the negative vote of a permanent member of the Council and having failed to obtain the "
        "required number of votes.")
    assert announcement(SECURITY_COUNCIL, without_a_vote(), "2484 (2019)") == (
        "The draft resolution has been adopted without a vote as resolution 2484 (2019).")


def test_ballots_of_strangers_or_unknown_choices_are_refused():
    with pytest.raises(VotingError, match="not a member"):
        decide(SECURITY_COUNCIL, "substantive", COUNCIL, {"Narnia": IN_FAVOUR})
    with pytest.raises(VotingError, match="in_favour"):
        decide(SECURITY_COUNCIL, "substantive", COUNCIL, {"Peru": "maybe"})
    with pytest.raises(VotingError, match="matter"):
        decide(SECURITY_COUNCIL, "important", COUNCIL, {})


def test_the_next_resolution_number():
    assert next_resolution_number(SECURITY_COUNCIL, ["2481 (2019)", "2480 (2019)", "2399 (2018)"], 2019) \
        == "2482 (2019)"
    assert next_resolution_number(SECURITY_COUNCIL, [], 2026) == "1 (2026)"
    assert next_resolution_number(GENERAL_ASSEMBLY, ["68/261", "67/300"], 2014, "68") == "68/262"
    with pytest.raises(VotingError):
        next_resolution_number(GENERAL_ASSEMBLY, [], 2014)
