"""Bracketed text (editor.domain.brackets) and who typed a character (AttributedText.author_at)."""

from __future__ import annotations

from unittest.mock import patch

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from editor.domain.brackets import AD_REF, AGREED, BRACKETED, brackets, status
from editor.domain.document import Paragraph, ParagraphKind
from editor.domain.revisions import AttributedText, Mark
from editor.domain.sync import make_delta
from tests.domain import test_sync_properties as sync_properties


def test_brackets_with_alternatives_nested_and_unbalanced():
    text = "Decides that States [shall/should] act [within [90] days]"
    found = brackets(text)
    assert [(b.text, b.alternatives) for b in found] == [("shall/should", ("shall", "should")),
                                                         ("within [90] days", ("within [90] days",))]
    assert text[found[0].start:found[0].end] == "[shall/should]"
    assert [(b.describe(), b.closed) for b in brackets("Urges [all States")] == [("[all States (never closed)", False)]
    assert [b.describe() for b in brackets("Urges all] States")] == ["[Urges all]"]
    assert status(text) == BRACKETED and status("Agreed text;") == AGREED and status("Agreed;", ad_ref=True) == AD_REF


def _brackets_one_character_at_a_time(text: str) -> list[tuple[int, int, str, bool]]:
    """The rule, read the slow way: every character in turn."""
    found, depth, start = [], 0, 0
    for at, char in enumerate(text):
        if char == "[":
            start, depth = (at if depth == 0 else start), depth + 1
        elif char == "]" and depth == 0:
            found.append((0, at + 1, text[:at], True))
        elif char == "]":
            depth -= 1
            if depth == 0:
                found.append((start, at + 1, text[start + 1:at], True))
    if depth:
        found.append((start, len(text), text[start + 1:], False))
    return found


@given(st.text(alphabet="[]/ aé😀", max_size=40))
def test_brackets_read_only_at_the_brackets_find_what_a_reading_of_every_character_finds(text):
    assert [(b.start, b.end, b.text, b.closed) for b in brackets(text)] == _brackets_one_character_at_a_time(text)


def test_the_holder_of_a_bracket_is_who_typed_its_opening():
    paragraph = AttributedText("States shall act", Mark(1, "Peru"))
    paragraph.apply_delta(make_delta("States shall act", "States [shall/should] act"), Mark(2, "France"))
    start = brackets(paragraph.text)[0].start
    assert paragraph.author_at(start).delegation == "France"
    assert paragraph.author_at(0).delegation == "Peru" and paragraph.author_at(999) is None


BRACKETED_START = [
    Paragraph("op1", ParagraphKind.OPERATIVE, 0, "Decides that States [shall/should] act together and report,"),
    Paragraph("op2", ParagraphKind.OPERATIVE, 0, "Urges [all] States to cooperate [fully] and without delay;"),
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clients=st.integers(2, 4), script=sync_properties.actions)
def test_brackets_survive_concurrent_edits_around_them(clients, script):
    """Delegates type around the brackets at once, over a network that reorders, drops and duplicates:
    every replica ends with the same text, and every bracket as it was, where it was."""
    with patch.object(sync_properties, "START", BRACKETED_START):
        network = sync_properties.Network(clients)
    sync_properties.play(network, script, clients, lambda typed: f"word{typed}", paragraphs=2)
    final = {p.uid: p.text for p in network.server.paragraphs}
    for peer in network.peers:
        assert {uid: text for uid, _, _, text in peer.replica.document()} == final
    assert [b.describe() for b in brackets(final["op1"])] == ["[shall/should]"]
    assert [b.describe() for b in brackets(final["op2"])] == ["[all]", "[fully]"]
    assert final["op2"].index("[all]") < final["op2"].index("[fully]")
