"""Operative paragraphs in the past (editor.domain.tense): every phrase of the table, and verbs outside it."""

from __future__ import annotations

import pytest

from editor.domain.tense import PHRASES, is_seized_clause, report


@pytest.mark.parametrize("phrase", sorted(PHRASES))
def test_every_phrase_of_the_table(phrase):
    past, participle = PHRASES[phrase]
    text = f"{phrase[0].upper()}{phrase[1:]} the efforts of Member States;"
    assert report(text).phrase() == f"{past} the efforts of Member States"
    assert report(text, participle=True).phrase() == f"{participle} the efforts of Member States"


@pytest.mark.parametrize(("text", "past"), [
    ("Applauds the work of the Panel;", "applauded the work of the Panel"),
    ("Salutes the courage of peacekeepers;", "saluted the courage of peacekeepers"),
    ("Pledges its continued support;", "pledged its continued support"),
    ("Regrets the loss of life;", "regretted the loss of life"),
    ("Insists that all parties comply;", "insisted that all parties comply"),
    ("Proclaims 2 May World Day;", "proclaimed 2 May World Day"),
    ("Designates the Committee to oversee;", "designated the Committee to oversee"),
    ("Establishes a panel of experts;", "established a panel of experts"),
    ("Renews the mandate until 2020;", "renewed the mandate until 2020"),
    ("Directs the Committee to report;", "directed the Committee to report"),
    ("Instructs the Mission to assist;", "instructed the Mission to assist"),
])
def test_verbs_outside_the_table_are_inflected(text, past):
    assert report(text).phrase() == past


@pytest.mark.parametrize(("text", "past"), [
    ("Requests the Secretary-General to submit to it, within 12 months, a report;",
     "requested that the Secretary-General submit to it, within 12 months, a report"),
    ("Further requests the Secretary-General to keep it informed;",
     "further requested that the Secretary-General keep it informed"),
    ("Requests that the parties refrain from violence;", "requested that the parties refrain from violence"),
    ("Strongly condemns all attacks;", "strongly condemned all attacks"),
    ("Also decides to extend the mandate;", "also decided to extend the mandate"),
    ("Calls upon States to act:", "called upon States to act"),
    ("Expresses its intention to review the measures.", "expressed its intention to review the measures"),
    ("Takes note of the report;", "took note of the report"),
])
def test_requests_adverbs_and_phrases(text, past):
    assert report(text).phrase() == past


def test_the_closing_paragraph_is_known():
    assert is_seized_clause("Decides to remain seized of the matter.")
    assert is_seized_clause("Decides to remain actively seized of the matter.")
    assert not is_seized_clause("Decides to extend the mandate;")
