import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from editor.domain.document import (
    DocumentError,
    Paragraph,
    ParagraphKind,
    delete_paragraph,
    find_by_ref,
    insert_paragraph,
    letters,
    move_paragraph,
    new_uid,
    number_paragraphs,
    organ_line,
    roman,
    set_level,
    split_opening,
    validate_structure,
)
from editor.domain.scenario import load_scenario_file, scenario_paragraphs

SEED = Path(__file__).resolve().parents[2] / "editor" / "data" / "scenarios" / "sc-2482-2019.json"
PP, OP = ParagraphKind.PREAMBULAR, ParagraphKind.OPERATIVE


def doc(*outline: str) -> list[Paragraph]:
    """Paragraphs from "P0"/"O1"-style codes (kind and level); uid and text are the position."""
    return [
        Paragraph(f"u{i}", PP if code[0] == "P" else OP, int(code[1:]), f"Text {i};")
        for i, code in enumerate(outline)
    ]


def uids(paragraphs):
    return [p.uid for p in paragraphs]


def outline(paragraphs):
    return [f"{'P' if p.kind is PP else 'O'}{p.level}" for p in paragraphs]


# -- numbering ---------------------------------------------------------------------------------


def test_numbering_labels_and_refs():
    numbered = number_paragraphs(doc("P0", "P0", "O0", "O1", "O1", "O2", "O2", "O0", "O0"))
    assert [n.label for n in numbered] == ["", "", "1.", "(a)", "(b)", "(i)", "(ii)", "2.", "3."]
    assert [n.ref for n in numbered] == [
        "PP1", "PP2", "OP1", "OP1(a)", "OP1(b)", "OP1(b)(i)", "OP1(b)(ii)", "OP2", "OP3",
    ]


def test_operative_numbers_ignore_preamble_and_sub_paragraphs():
    numbered = number_paragraphs(doc("P0", "P0", "P0", "O0", "O1", "O1", "O0", "O0"))
    assert [n.label for n in numbered if n.paragraph.level == 0] == ["", "", "", "1.", "2.", "3."]


def test_letters_restart_under_each_parent():
    numbered = number_paragraphs(doc("O0", "O1", "O1", "O0", "O1", "O0", "O1", "O1", "O1"))
    assert [n.ref for n in numbered] == [
        "OP1", "OP1(a)", "OP1(b)", "OP2", "OP2(a)", "OP3", "OP3(a)", "OP3(b)", "OP3(c)",
    ]


def test_roman_numerals_restart_under_each_letter():
    numbered = number_paragraphs(doc("O0", "O1", "O2", "O2", "O2", "O1", "O2", "O0", "O1", "O2"))
    assert [n.label for n in numbered] == [
        "1.", "(a)", "(i)", "(ii)", "(iii)", "(b)", "(i)", "2.", "(a)", "(i)",
    ]
    assert numbered[6].ref == "OP1(b)(i)"


def test_letters_after_z_double():
    numbered = number_paragraphs(doc("O0", *["O1"] * 54))
    labels = [n.label for n in numbered[1:]]
    assert labels[:3] == ["(a)", "(b)", "(c)"]
    assert labels[25:29] == ["(z)", "(aa)", "(bb)", "(cc)"]
    assert labels[51:] == ["(zz)", "(aaa)", "(bbb)"]


def test_preambular_sub_paragraphs():
    numbered = number_paragraphs(doc("P0", "P0", "P1", "P1", "P2", "O0"))
    assert [n.ref for n in numbered] == ["PP1", "PP2", "PP2(a)", "PP2(b)", "PP2(b)(i)", "OP1"]
    assert [n.label for n in numbered] == ["", "", "(a)", "(b)", "(i)", "1."]


def test_numbering_refuses_invalid_structure():
    with pytest.raises(DocumentError):
        number_paragraphs(doc("O0", "P0"))


def test_empty_document():
    assert number_paragraphs([]) == []
    validate_structure([])


@pytest.mark.parametrize("n, numeral", [
    (1, "i"), (2, "ii"), (3, "iii"), (4, "iv"), (5, "v"), (9, "ix"), (14, "xiv"), (40, "xl"),
    (49, "xlix"), (90, "xc"), (400, "cd"), (1994, "mcmxciv"), (2019, "mmxix"),
    (3999, "mmmcmxcix"),
])
def test_roman(n, numeral):
    assert roman(n) == numeral


@pytest.mark.parametrize("n", [0, -1, 4000])
def test_roman_out_of_range(n):
    with pytest.raises(ValueError):
        roman(n)


def _from_roman(numeral: str) -> int:
    values = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
    total = 0
    for here, after in zip(numeral, numeral[1:] + " ", strict=False):
        value = values[here]
        total += -value if values.get(after, 0) > value else value
    return total


@given(st.integers(1, 3999))
def test_roman_round_trips_and_is_canonical(n):
    numeral = roman(n)
    assert _from_roman(numeral) == n
    assert re.fullmatch(r"m{0,3}(cm|cd|d?c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})", numeral)


@pytest.mark.parametrize("n, expected", [(1, "a"), (26, "z"), (27, "aa"), (28, "bb"), (53, "aaa")])
def test_letters(n, expected):
    assert letters(n) == expected


# -- openings ----------------------------------------------------------------------------------


def test_openings_of_the_seed_draft():
    paragraphs = scenario_paragraphs(load_scenario_file(SEED).draft)
    assert [n.opening for n in number_paragraphs(paragraphs)] == [
        "Recalling", "Reaffirming", "Welcoming", "Expresses concern", "Further expresses concern",
        "Encourages", "Calls on", "Requests", "Decides",
    ]


@pytest.mark.parametrize("kind, text, opening", [
    (PP, "Recalling its resolutions 1267 (1999),", "Recalling"),
    (PP, "Recalling also its resolution 2462 (2019),", "Recalling also"),
    (PP, "Reaffirming its commitment to sovereignty,", "Reaffirming its commitment"),
    (PP, "Expressing its concern at the links,", "Expressing its concern"),
    (PP, "Acting under Chapter VII of the Charter of the United Nations,",
     "Acting under Chapter VII of the Charter of the United Nations"),
    (PP, "Bearing in mind the Charter,", "Bearing in mind"),
    (OP, "Expresses concern that terrorists can benefit;", "Expresses concern"),
    (OP, "Expresses its intention to review;", "Expresses its intention"),
    (OP, "Expresses support;", "Expresses"),
    (OP, "Calls upon all States;", "Calls upon"),
    (OP, "Also decides to extend;", "Also decides"),
    (OP, "Decides also to extend;", "Decides also"),
    (OP, "Takes note of the report;", "Takes note"),
    (OP, "Strongly condemns the attacks;", "Strongly condemns"),
    (OP, "Decides to remain seized of the matter.", "Decides"),
    (OP, "Decides", "Decides"),
    (OP, "Decides, in accordance", "Decides"),
    # fallback: first word, or an adverb with the next word
    (OP, "Proclaims 2020 the year;", "Proclaims"),
    (OP, "Firmly believes that;", "Firmly believes"),
    (PP, "Rappelant ses résolutions,", "Rappelant"),
    (PP, "Self-evidently true,", "Self-evidently"),
    # word boundaries and case
    (OP, "Notesxyz the report;", "Notesxyz"),
    (OP, "Expresses concerns about;", "Expresses"),
    (OP, "decides to act;", ""),
    (OP, "  Decides to act;", ""),
    (OP, "1. Decides;", ""),
    (OP, "", ""),
])
def test_split_opening(kind, text, opening):
    assert split_opening(text, kind) == (opening, text[len(opening):])


def test_operative_table_is_not_used_for_preamble():
    assert split_opening("Calls on States,", PP)[0] == "Calls"


def test_sub_paragraphs_have_no_opening():
    assert split_opening("Decides to act;", OP, level=1) == ("", "Decides to act;")
    assert split_opening("Recalling x,", PP, level=2) == ("", "Recalling x,")


@given(st.text(), st.sampled_from(list(ParagraphKind)), st.integers(0, 2))
def test_split_opening_always_partitions_the_text(text, kind, level):
    opening, rest = split_opening(text, kind, level)
    assert opening + rest == text
    assert opening == opening.rstrip()
    assert not opening or opening[0].isupper()


def test_organ_line():
    assert organ_line("Security Council") == "The Security Council,"
    assert organ_line("General Assembly") == "The General Assembly,"
    with pytest.raises(ValueError):
        organ_line("Narnia")


def test_new_uid():
    made = {new_uid() for _ in range(200)}
    assert len(made) == 200
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{8,16}", uid) for uid in made)


# -- structure ---------------------------------------------------------------------------------


@pytest.mark.parametrize("codes, message", [
    (("P0", "O0", "P0"), "preambular paragraph cannot follow an operative"),
    (("O1", "O0"), "first paragraph must be at level 0"),
    (("O0", "O2"), "level jumps from 0 to 2"),
    (("O0", "O1", "O0", "O2"), "level jumps from 0 to 2"),
    (("O0", "O3"), "outside 0..2"),
    (("O0", "O-1"), "outside 0..2"),
    (("P0", "O1"), "operative sub-paragraph cannot sit under a preambular paragraph"),
    (("P0", "P1", "O2"), "operative sub-paragraph cannot sit under a preambular paragraph"),
])
def test_invalid_structures(codes, message):
    with pytest.raises(DocumentError, match=message):
        validate_structure(doc(*codes))


def test_duplicate_uids_are_invalid():
    with pytest.raises(DocumentError, match="duplicate uid"):
        validate_structure([Paragraph("x", OP, 0, "A;"), Paragraph("x", OP, 0, "B.")])


def test_valid_structure():
    validate_structure(doc("P0", "P1", "P2", "P1", "P0", "O0", "O1", "O2", "O2", "O0"))


def test_insert_paragraph():
    before = doc("P0", "O0", "O0")
    new = Paragraph("new", OP, 1, "sub;")
    after = insert_paragraph(before, 2, new)
    assert uids(after) == ["u0", "u1", "new", "u2"]
    assert uids(before) == ["u0", "u1", "u2"]
    assert uids(insert_paragraph(before, 3, Paragraph("end", OP, 0, "x."))) == [
        "u0", "u1", "u2", "end"]


@pytest.mark.parametrize("index, paragraph", [
    (1, Paragraph("new", OP, 1, "sub")),     # sub-paragraph under a preambular one
    (3, Paragraph("new", PP, 0, "late,")),   # preambular after operative
    (4, Paragraph("new", OP, 0, "x")),       # out of range
    (-1, Paragraph("new", OP, 0, "x")),
    (0, Paragraph("u1", PP, 0, "dup")),      # uid taken
])
def test_insert_paragraph_refused(index, paragraph):
    with pytest.raises(DocumentError):
        insert_paragraph(doc("P0", "O0", "O0"), index, paragraph)


def test_delete_paragraph_takes_its_sub_paragraphs():
    before = doc("P0", "O0", "O1", "O2", "O1", "O0")
    assert uids(delete_paragraph(before, "u1")) == ["u0", "u5"]
    assert uids(delete_paragraph(before, "u2")) == ["u0", "u1", "u4", "u5"]
    assert uids(delete_paragraph(before, "u3")) == ["u0", "u1", "u2", "u4", "u5"]
    assert len(before) == 6
    with pytest.raises(DocumentError, match='no paragraph with uid "nope"'):
        delete_paragraph(before, "nope")


def test_move_paragraph_with_its_children():
    before = doc("P0", "O0", "O1", "O2", "O0", "O0")
    after = move_paragraph(before, "u1", 3)  # OP1 and its block go after the last paragraph
    assert uids(after) == ["u0", "u4", "u5", "u1", "u2", "u3"]
    assert [n.ref for n in number_paragraphs(after)] == [
        "PP1", "OP1", "OP2", "OP3", "OP3(a)", "OP3(a)(i)"]
    assert uids(before) == ["u0", "u1", "u2", "u3", "u4", "u5"]


def test_move_paragraph_to_the_same_place_changes_nothing():
    before = doc("P0", "O0", "O1", "O0")
    assert move_paragraph(before, "u1", 1) == before


def test_move_sub_paragraph_within_parent():
    before = doc("O0", "O1", "O1", "O2", "O1")
    assert uids(move_paragraph(before, "u2", 1)) == ["u0", "u2", "u3", "u1", "u4"]


@pytest.mark.parametrize("uid, index", [
    ("u2", 0),   # operative before the preamble
    ("u0", 3),   # preambular among operative paragraphs
    ("u3", 2),   # a sub-paragraph as the first operative paragraph
    ("u2", 99),  # out of range
    ("u2", -1),
])
def test_invalid_moves_are_refused(uid, index):
    before = doc("P0", "P0", "O0", "O1", "O0")
    with pytest.raises(DocumentError):
        move_paragraph(before, uid, index)


def test_indent_and_outdent_carry_sub_paragraphs():
    before = doc("O0", "O0", "O1", "O0")
    indented = set_level(before, "u1", 1)
    assert outline(indented) == ["O0", "O1", "O2", "O0"]
    assert [n.ref for n in number_paragraphs(indented)] == ["OP1", "OP1(a)", "OP1(a)(i)", "OP2"]
    assert outline(set_level(indented, "u1", 0)) == outline(before)
    assert outline(set_level(before, "u2", 0)) == ["O0", "O0", "O0", "O0"]
    assert set_level(before, "u1", 0) == before


@pytest.mark.parametrize("codes, uid, level, message", [
    (("O0", "O1"), "u1", 2, "level jumps"),                      # first child cannot go deeper
    (("O0", "O0"), "u0", 1, "first paragraph"),
    (("P0", "O0"), "u1", 1, "cannot sit under a preambular"),
    (("O0", "O0", "O1", "O2"), "u1", 2, "outside 0..2"),         # its child would reach level 3
    (("O0", "O1"), "u1", 3, "outside 0..2"),
    (("O0", "O1"), "u1", -1, "outside 0..2"),
    (("O0",), "zz", 0, 'no paragraph with uid "zz"'),
])
def test_invalid_level_changes_are_refused(codes, uid, level, message):
    with pytest.raises(DocumentError, match=message):
        set_level(doc(*codes), uid, level)


def test_find_by_ref():
    paragraphs = doc("P0", "P0", "O0", "O0", "O0", "O1", "O2")
    assert find_by_ref(paragraphs, "PP2").uid == "u1"
    assert find_by_ref(paragraphs, "OP3").uid == "u4"
    assert find_by_ref(paragraphs, "OP3(a)").uid == "u5"
    assert find_by_ref(paragraphs, "OP3(a)(i)").uid == "u6"
    for missing in ("OP4", "PP3", "OP1(a)", "op1", ""):
        with pytest.raises(DocumentError, match=re.escape(f'"{missing}"')):
            find_by_ref(paragraphs, missing)


@st.composite
def outlines(draw):
    """Valid documents: each paragraph at most one level deeper than the one before it."""
    codes = []
    for kind, count in (("P", draw(st.integers(0, 5))), ("O", draw(st.integers(1, 7)))):
        level = -1
        for _ in range(count):
            level = draw(st.integers(0, min(level + 1, 2)))
            codes.append(f"{kind}{level}")
    return doc(*codes)


@given(outlines(), st.data())
def test_moves_keep_the_block_or_refuse(before, data):
    start = data.draw(st.integers(0, len(before) - 1))
    index = data.draw(st.integers(-1, len(before)))
    target = before[start]
    try:
        after = move_paragraph(before, target.uid, index)
    except DocumentError:
        return
    validate_structure(after)
    assert sorted(uids(after)) == sorted(uids(before))
    end = start + 1
    while end < len(before) and before[end].level > target.level:
        end += 1
    assert uids(after)[index:index + end - start] == uids(before[start:end])


@given(outlines(), st.data())
def test_level_changes_keep_order_or_refuse(before, data):
    target = data.draw(st.sampled_from(before))
    level = data.draw(st.integers(-1, 3))
    try:
        after = set_level(before, target.uid, level)
    except DocumentError:
        return
    validate_structure(after)
    assert uids(after) == uids(before)
    assert next(p for p in after if p.uid == target.uid).level == level


@given(outlines())
def test_outlines_number_consistently(paragraphs):
    numbered = number_paragraphs(paragraphs)
    refs = [n.ref for n in numbered]
    assert len(set(refs)) == len(refs)
    assert all(find_by_ref(paragraphs, ref) is n.paragraph for ref, n in zip(refs, numbered, strict=False))
    operative = [n.label for n in numbered if n.paragraph.kind is OP and n.paragraph.level == 0]
    assert operative == [f"{i}." for i in range(1, len(operative) + 1)]
