"""The release drafted from a record built by hand (editor.domain.press): sub-paragraphs, times, Markdown."""

from __future__ import annotations

import datetime as dt

from editor.domain import voting
from editor.domain.bodies import SECURITY_COUNCIL
from editor.domain.press import Clause, Record, Statement, draft_release, title_case

COUNCIL = ["China", "France", "Russian Federation", "United Kingdom", "United States", "Belgium", "Germany",
           "Indonesia", "Kuwait", "Peru", "Poland", "South Africa", "Dominican Republic", "Côte d'Ivoire",
           "Equatorial Guinea"]


def record() -> Record:
    return Record(
        rules=SECURITY_COUNCIL, meeting_number=8701, period="PM", meeting_date=dt.date(2020, 1, 10),
        agenda_item="The situation in Libya",
        operative=(Clause("Condemns the attacks on civilians;"),
                   Clause("Decides to establish a panel of experts:",
                          ("(a) To gather information on the flows of arms;", "(b) To report to the Council;")),
                   Clause("Decides to remain seized of the matter.")),
        outcome=voting.decide(SECURITY_COUNCIL, "substantive", COUNCIL, dict.fromkeys(COUNCIL, voting.IN_FAVOUR)),
        members=15, resolution="2510 (2020)", symbol="SC/14075", began=dt.time(10, 5), ended=dt.time(12, 0),
        statements=(Statement("United States", "representative", "before", "said that the text was balanced."),
                    Statement("Russian Federation", "representative", "after", "said that it had voted for it.")))


def test_sub_paragraphs_are_reported_after_their_lead_in():
    release = draft_release(record())
    assert release.paragraphs[0] == "The Security Council today condemned the attacks on civilians."
    assert release.paragraphs[1] == (
        "Unanimously adopting resolution 2510 (2020), the 15-member Council also decided to establish a panel of "
        "experts: (a) To gather information on the flows of arms; and (b) To report to the Council.")
    assert release.headline == ("Security Council Condemns Attacks on Civilians, Unanimously Adopting "
                                "Resolution 2510 (2020)")


def test_statements_before_and_after_and_the_times_in_the_house_style():
    release = draft_release(record())
    assert release.paragraphs[-3:] == (
        "Speaking before the vote, the United States’ representative said that the text was balanced.",
        "Speaking after the vote, the Russian Federation’s representative said that it had voted for it.",
        "The meeting began at 10:05 a.m. and ended at noon.")
    assert release.meeting_line == "8701st Meeting (PM)" and release.text().endswith(
        "For information media. Not an official record.\n")


def test_title_case_keeps_small_words_low_and_names_as_they_are():
    assert title_case("links between international terrorism and the ISIL (Da'esh)") == (
        "Links between International Terrorism and the ISIL (Da'esh)")
