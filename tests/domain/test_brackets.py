"""Bracketed text (editor.domain.brackets) and who typed a character (AttributedText.author_at)."""

from __future__ import annotations

from editor.domain.brackets import AD_REF, AGREED, BRACKETED, brackets, status
from editor.domain.revisions import AttributedText, Mark
from editor.domain.sync import make_delta


def test_brackets_with_alternatives_nested_and_unbalanced():
    text = "Decides that States [shall/should] act [within [90] days]"
    found = brackets(text)
    assert [(b.text, b.alternatives) for b in found] == [("shall/should", ("shall", "should")),
                                                         ("within [90] days", ("within [90] days",))]
    assert text[found[0].start:found[0].end] == "[shall/should]"
    assert [(b.describe(), b.closed) for b in brackets("Urges [all States")] == [("[all States (never closed)", False)]
    assert [b.describe() for b in brackets("Urges all] States")] == ["[Urges all]"]
    assert status(text) == BRACKETED and status("Agreed text;") == AGREED and status("Agreed;", ad_ref=True) == AD_REF


def test_the_holder_of_a_bracket_is_who_typed_its_opening():
    paragraph = AttributedText("States shall act", Mark(1, "Peru"))
    paragraph.apply_delta(make_delta("States shall act", "States [shall/should] act"), Mark(2, "France"))
    start = brackets(paragraph.text)[0].start
    assert paragraph.author_at(start).delegation == "France"
    assert paragraph.author_at(0).delegation == "Peru" and paragraph.author_at(999) is None
