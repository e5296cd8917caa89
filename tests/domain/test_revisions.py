"""Attribution, redline, accept and reject of a paragraph's tracked revisions (editor.domain.revisions)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from editor.domain.revisions import AttributedText, Kind, Mark, RevisionError
from editor.domain.sync import make_delta

ZERO = Mark(0, "Peru", "2019-07-01T10:00:00")
FRANCE, GERMANY, INDONESIA, PERU = (Mark(n, name, f"2019-07-0{n + 1}T10:00:00")
                                    for n, name in enumerate(("France", "Germany", "Indonesia", "Peru"), 1))
TEXT = "Encourages States to strengthen international cooperation;"


def edited(*steps: tuple[str, Mark]) -> AttributedText:
    """A paragraph that starts as TEXT (zero draft) and is changed into each step's text by its mark."""
    paragraph = AttributedText(TEXT, ZERO)
    for text, mark in steps:
        paragraph.apply_delta(make_delta(paragraph.text, text), mark)
    return paragraph


def test_every_character_knows_who_inserted_it_and_when():
    paragraph = edited(("Encourages all States to strengthen international cooperation;", FRANCE),
                       ("Encourages all States to strengthen regional and international cooperation;", GERMANY))
    assert paragraph.authors() == [("Encourages ", ZERO), ("all ", FRANCE), ("States to strengthen ", ZERO),
                                   ("regional and ", GERMANY), ("international cooperation;", ZERO)]
    assert paragraph.text_at(0) == TEXT
    assert paragraph.text_at(FRANCE.seq) == "Encourages all States to strengthen international cooperation;"


def test_a_deletion_remembers_who_deleted_what_and_when():
    paragraph = edited(("Encourages States to strengthen cooperation;", INDONESIA))
    [deleted] = paragraph.changes(since=0)
    assert (deleted.kind, deleted.text, deleted.mark) == (Kind.DELETED, "international ", INDONESIA)
    assert paragraph.text == "Encourages States to strengthen cooperation;"
    assert paragraph.original(since=0) == TEXT


def test_the_redline_shows_each_change_since_the_baseline_by_its_author():
    paragraph = edited(("Encourages all States to strengthen international cooperation;", FRANCE),
                       ("Encourages all States to build international cooperation;", GERMANY))
    assert [(s.kind, s.text, s.mark and s.mark.delegation) for s in paragraph.redline(since=0)] == [
        (Kind.KEPT, "Encourages ", None), (Kind.INSERTED, "all ", "France"), (Kind.KEPT, "States to ", None),
        (Kind.DELETED, "strengthen", "Germany"), (Kind.INSERTED, "build", "Germany"),
        (Kind.KEPT, " international cooperation;", None)]
    # Against a later baseline only Germany's change remains.
    assert [s.mark.delegation for s in paragraph.changes(since=FRANCE.seq)] == ["Germany", "Germany"]


def test_text_inserted_and_deleted_since_the_baseline_does_not_show():
    paragraph = edited(("Encourages all States to strengthen international cooperation;", FRANCE),
                       (TEXT, GERMANY))
    assert paragraph.changes(since=0) == []
    assert [s.kind for s in paragraph.changes(since=FRANCE.seq)] == [Kind.DELETED]


def test_rejecting_an_insertion_deletes_it_as_a_new_change():
    paragraph = edited(("Encourages all States to strengthen international cooperation;", FRANCE))
    [insertion] = paragraph.changes(since=0)
    delta = paragraph.reject(insertion, PERU)
    assert paragraph.text == TEXT and paragraph.changes(since=0) == []
    assert delta == make_delta("Encourages all States to strengthen international cooperation;", TEXT)
    assert paragraph.text_at(FRANCE.seq) != TEXT  # the history keeps what France wrote


def test_rejecting_a_deletion_revives_the_words_with_their_authors():
    paragraph = edited(("Encourages all States to strengthen international cooperation;", FRANCE),
                       ("Encourages States to strengthen cooperation;", INDONESIA))
    deletions = [c for c in paragraph.changes(since=FRANCE.seq) if c.kind is Kind.DELETED]
    for deletion in deletions:
        paragraph.reject(deletion, PERU)
    assert paragraph.text == "Encourages all States to strengthen international cooperation;"
    assert paragraph.authors() == [("Encourages ", ZERO), ("all ", FRANCE),
                                   ("States to strengthen international cooperation;", ZERO)]


def test_accepting_folds_a_change_into_the_baseline_and_leaves_the_text():
    paragraph = edited(("Encourages all States to enhance international cooperation;", FRANCE))
    changes = paragraph.changes(since=0)
    paragraph.accept(changes[0])
    assert paragraph.text == "Encourages all States to enhance international cooperation;"
    assert [c.text for c in paragraph.changes(since=0)] == [c.text for c in changes[1:]]
    assert paragraph.original(since=0) == "Encourages all States to strengthen international cooperation;"


def test_changes_are_named_stably_and_an_unknown_name_is_refused():
    paragraph = edited(("Encourages all States to strengthen international cooperation;", FRANCE))
    [insertion] = paragraph.changes(since=0)
    assert insertion.id == "i1.0" and paragraph.find(0, "i1.0") == insertion
    with pytest.raises(RevisionError):
        paragraph.find(0, "d9.0")


def test_a_change_that_does_not_fit_the_text_is_refused_and_changes_nothing():
    paragraph = edited()
    with pytest.raises(RevisionError):
        paragraph.apply_delta("=500", FRANCE)
    with pytest.raises(RevisionError):
        paragraph.apply_delta("=3", FRANCE)
    assert paragraph.text == TEXT and paragraph.authors() == [(TEXT, ZERO)]


def test_overlapping_and_adjacent_changes_accept_and_reject_one_by_one():
    paragraph = edited(("Encourages all Member States to strengthen international cooperation;", FRANCE),
                       ("Encourages all Member States urgently to strengthen international cooperation;", GERMANY),
                       ("Encourages all States urgently to strengthen cooperation;", INDONESIA))
    by_text = {c.text: c for c in paragraph.changes(since=0)}
    assert set(by_text) == {"all ", "urgently ", " international"}  # "Member " came and went
    paragraph.reject(by_text["urgently "], PERU)
    paragraph.accept(by_text[" international"])
    assert paragraph.text == "Encourages all States to strengthen cooperation;"
    assert {c.text for c in paragraph.changes(since=0)} == {"all "}
    assert paragraph.original(since=0) == "Encourages States to strengthen cooperation;"


# -- properties ------------------------------------------------------------------------------------------

WORDS = st.sampled_from(["the", "States", "Council", "всех", "États", "各国", "الدول", "🇺🇳", "décide", ","])


@st.composite
def histories(draw):
    """A zero draft and a few edits of it, each by one of four delegations: random words inserted at
    random places and random stretches deleted."""
    text = " ".join(draw(st.lists(WORDS, min_size=1, max_size=8)))
    steps = []
    current = text
    for seq in range(1, draw(st.integers(1, 8)) + 1):
        for _ in range(draw(st.integers(1, 3))):
            at = draw(st.integers(0, len(current)))
            if draw(st.booleans()) and current:
                end = draw(st.integers(at, min(len(current), at + 6)))
                current = current[:at] + current[end:]
            else:
                current = current[:at] + draw(WORDS) + " " + current[at:]
        delegation = draw(st.sampled_from(["France", "Germany", "Indonesia", "Peru"]))
        steps.append((current, Mark(seq, delegation)))
    return text, steps, draw(st.integers(0, len(steps)))


def replay(text: str, steps) -> AttributedText:
    paragraph = AttributedText(text, Mark(0, "Peru"))
    for new, mark in steps:
        paragraph.apply_delta(make_delta(paragraph.text, new), mark)
    return paragraph


@settings(max_examples=200, deadline=None)
@given(histories())
def test_the_text_after_every_change_is_kept(history):
    text, steps, _ = history
    paragraph = replay(text, steps)
    assert paragraph.text == steps[-1][0]
    for expected, mark in steps:
        assert paragraph.text_at(mark.seq) == expected
    assert paragraph.text_at(0) == text
    assert "".join(run for run, _ in paragraph.authors()) == paragraph.text


@settings(max_examples=200, deadline=None)
@given(histories())
def test_accept_all_makes_the_current_text_the_baseline(history):
    text, steps, base = history
    paragraph = replay(text, steps)
    for change in paragraph.changes(since=base):
        paragraph.accept(change)
    assert paragraph.changes(since=base) == []
    assert paragraph.original(since=base) == paragraph.text == steps[-1][0]


@settings(max_examples=200, deadline=None)
@given(histories())
def test_reject_all_restores_the_baseline_text(history):
    text, steps, base = history
    paragraph = replay(text, steps)
    for change in paragraph.changes(since=base):
        before = paragraph.text
        delta = paragraph.reject(change, Mark(len(steps) + 1, "Peru"))
        assert make_delta(before, paragraph.text) == delta  # what the other replicas are sent
    assert paragraph.text == paragraph.text_at(base) == (steps[base - 1][0] if base else text)
    assert paragraph.changes(since=base) == []


def test_keystrokes_of_one_delegation_read_as_one_change_and_go_together():
    typing = [Mark(seq, "Germany") for seq in (1, 2, 3)]
    paragraph = edited(("Encourages States to strengthen international cooperation; S", typing[0]),
                       ("Encourages States to strengthen international cooperation; Swi", typing[1]),
                       ("Encourages States to strengthen international cooperation; Swiftly.", typing[2]))
    [change] = paragraph.changes(since=0)
    assert (change.text, change.mark) == (" Swiftly.", typing[2])  # the latest keystroke's time
    paragraph.reject(change, Mark(4, "Peru"))
    assert paragraph.text == TEXT
