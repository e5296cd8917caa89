"""The document model of a resolution: paragraphs, their structure, numbering and openings."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from editor.domain.bodies import body_rules

MAX_LEVEL = 2


class ParagraphKind(str, Enum):
    PREAMBULAR = "preambular"
    OPERATIVE = "operative"


@dataclass(frozen=True)
class Paragraph:
    """One paragraph; level 0 is a paragraph, 1 a lettered and 2 a roman sub-paragraph."""

    uid: str
    kind: ParagraphKind
    level: int
    text: str


@dataclass(frozen=True)
class NumberedParagraph:
    """A paragraph with the label and reference its position gives it, and its opening words."""

    paragraph: Paragraph
    label: str
    ref: str
    opening: str
    rest: str


class DocumentError(ValueError):
    """A document operation would give, or was given, an invalid structure."""


def new_uid() -> str:
    """A short random url-safe paragraph id."""
    return secrets.token_urlsafe(8)


def organ_line(body_name: str) -> str:
    """The line a resolution opens with: "The Security Council,"."""
    return body_rules(body_name).organ_line


# -- structure ---------------------------------------------------------------------------------


def validate_structure(paragraphs: Sequence[Paragraph]) -> None:
    """Raise DocumentError unless the paragraphs form a valid resolution outline."""
    uids: set[str] = set()
    seen_operative = False
    parents: list[Paragraph] = []  # parents[n]: the latest paragraph at level n
    for position, p in enumerate(paragraphs, start=1):
        where = f"paragraph {position} ({p.uid})"
        if p.uid in uids:
            raise DocumentError(f"{where}: duplicate uid")
        uids.add(p.uid)
        if isinstance(p.level, bool) or not isinstance(p.level, int):
            raise DocumentError(f"{where}: level must be an integer")
        if not 0 <= p.level <= MAX_LEVEL:
            raise DocumentError(f"{where}: level {p.level} is outside 0..{MAX_LEVEL}")
        if p.kind == ParagraphKind.OPERATIVE:
            seen_operative = True
        elif seen_operative:
            raise DocumentError(f"{where}: a preambular paragraph cannot follow an operative one")
        if position == 1 and p.level != 0:
            raise DocumentError(f"{where}: the first paragraph must be at level 0")
        if p.level > len(parents):
            raise DocumentError(
                f"{where}: level jumps from {len(parents) - 1} to {p.level}; "
                "indent one step at a time"
            )
        if p.level > 0 and parents[p.level - 1].kind != p.kind:
            raise DocumentError(
                f"{where}: a {p.kind.value} sub-paragraph cannot sit under a "
                f"{parents[p.level - 1].kind.value} paragraph"
            )
        parents[p.level:] = [p]


def _index_of(paragraphs: Sequence[Paragraph], uid: str) -> int:
    for index, p in enumerate(paragraphs):
        if p.uid == uid:
            return index
    raise DocumentError(f'no paragraph with uid "{uid}"')


def _block_end(paragraphs: Sequence[Paragraph], index: int) -> int:
    """End (exclusive) of the paragraph at `index` together with its sub-paragraphs."""
    end = index + 1
    while end < len(paragraphs) and paragraphs[end].level > paragraphs[index].level:
        end += 1
    return end


def _checked(paragraphs: list[Paragraph]) -> list[Paragraph]:
    validate_structure(paragraphs)
    return paragraphs


def insert_paragraph(
    paragraphs: Sequence[Paragraph], index: int, paragraph: Paragraph
) -> list[Paragraph]:
    """A new list with `paragraph` at position `index` (0..len)."""
    if not 0 <= index <= len(paragraphs):
        raise DocumentError(f"cannot insert at position {index} of {len(paragraphs)}")
    return _checked([*paragraphs[:index], paragraph, *paragraphs[index:]])


def delete_paragraph(paragraphs: Sequence[Paragraph], uid: str) -> list[Paragraph]:
    """A new list without the paragraph `uid` and its sub-paragraphs."""
    start = _index_of(paragraphs, uid)
    return _checked([*paragraphs[:start], *paragraphs[_block_end(paragraphs, start):]])


def move_paragraph(paragraphs: Sequence[Paragraph], uid: str, new_index: int) -> list[Paragraph]:
    """A new list where paragraph `uid`, with its sub-paragraphs, starts at `new_index`.

    `new_index` counts positions in the list without the moved block.
    """
    start = _index_of(paragraphs, uid)
    end = _block_end(paragraphs, start)
    block = list(paragraphs[start:end])
    others = [*paragraphs[:start], *paragraphs[end:]]
    if not 0 <= new_index <= len(others):
        raise DocumentError(f"cannot move to position {new_index} of {len(others)}")
    return _checked([*others[:new_index], *block, *others[new_index:]])


def set_level(paragraphs: Sequence[Paragraph], uid: str, level: int) -> list[Paragraph]:
    """A new list with paragraph `uid` indented or outdented to `level`.

    Its sub-paragraphs shift by the same amount so that they stay under it.
    """
    start = _index_of(paragraphs, uid)
    end = _block_end(paragraphs, start)
    delta = level - paragraphs[start].level
    shifted = []
    for p in paragraphs[start:end]:
        if not 0 <= p.level + delta <= MAX_LEVEL:
            raise DocumentError(
                f"paragraph {p.uid} would move to level {p.level + delta}, outside 0..{MAX_LEVEL}"
            )
        shifted.append(Paragraph(p.uid, p.kind, p.level + delta, p.text))
    return _checked([*paragraphs[:start], *shifted, *paragraphs[end:]])


# -- numbering ---------------------------------------------------------------------------------

_ROMAN = (
    (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
    (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
)


def roman(n: int) -> str:
    """Lower-case roman numeral of 1..3999."""
    if not 1 <= n <= 3999:
        raise ValueError(f"no roman numeral for {n}")
    out = []
    for value, numeral in _ROMAN:
        count, n = divmod(n, value)
        out.append(numeral * count)
    return "".join(out)


def letters(n: int) -> str:
    """UN sub-paragraph letters: 1 -> "a", 26 -> "z", 27 -> "aa", 28 -> "bb"."""
    if n < 1:
        raise ValueError(f"no letter for {n}")
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def number_paragraphs(paragraphs: Sequence[Paragraph]) -> list[NumberedParagraph]:
    """Label each paragraph from its position; raises DocumentError on an invalid structure."""
    validate_structure(paragraphs)
    top = {ParagraphKind.PREAMBULAR: 0, ParagraphKind.OPERATIVE: 0}
    counters = [0] * (MAX_LEVEL + 1)
    refs = [""] * (MAX_LEVEL + 1)
    numbered = []
    for p in paragraphs:
        counters[p.level + 1:] = [0] * (MAX_LEVEL - p.level)
        if p.level == 0:
            top[p.kind] += 1
            operative = p.kind == ParagraphKind.OPERATIVE
            label = f"{top[p.kind]}." if operative else ""
            ref = f"{'OP' if operative else 'PP'}{top[p.kind]}"
        else:
            counters[p.level] += 1
            n = counters[p.level]
            label = f"({letters(n)})" if p.level == 1 else f"({roman(n)})"
            ref = refs[p.level - 1] + label
        refs[p.level] = ref
        opening, rest = split_opening(p.text, p.kind, p.level)
        numbered.append(NumberedParagraph(p, label, ref, opening, rest))
    return numbered


def find_by_ref(paragraphs: Sequence[Paragraph], ref: str) -> Paragraph:
    """The paragraph a reference such as "PP2", "OP3" or "OP3(a)" designates."""
    for numbered in number_paragraphs(paragraphs):
        if numbered.ref == ref:
            return numbered.paragraph
    raise DocumentError(f'no paragraph "{ref}" in the document')


# -- openings ----------------------------------------------------------------------------------

_PREAMBULAR_OPENINGS = (
    "Acknowledging", "Acknowledging also",
    "Acting under Chapter VII of the Charter of the United Nations",
    "Affirming", "Alarmed", "Aware", "Bearing in mind", "Believing", "Commending", "Concerned",
    "Condemning", "Conscious", "Considering", "Convinced", "Deeply concerned", "Deploring",
    "Desiring", "Determined", "Determining", "Emphasizing", "Emphasizing also", "Encouraged",
    "Expressing", "Expressing deep concern", "Expressing grave concern",
    "Expressing its appreciation", "Expressing its concern", "Expressing its deep concern",
    "Gravely concerned", "Guided by",
    "Having considered", "Having examined", "Having heard", "Mindful", "Noting", "Noting also",
    "Noting further", "Noting with appreciation", "Noting with concern", "Reaffirming",
    "Reaffirming also", "Reaffirming its commitment", "Recalling", "Recalling also",
    "Recalling further", "Recognizing", "Recognizing also", "Reiterating", "Stressing",
    "Stressing also", "Taking into account", "Taking note", "Taking note also",
    "Taking note with appreciation", "Underlining", "Underlining also", "Welcoming",
    "Welcoming also", "Welcoming further",
)

_OPERATIVE_OPENINGS = (
    "Acknowledges", "Affirms", "Also calls upon", "Also decides", "Also requests", "Appeals",
    "Approves", "Authorizes", "Calls on", "Calls upon", "Commends", "Condemns", "Decides",
    "Demands", "Deplores", "Emphasizes", "Encourages", "Endorses", "Expresses",
    "Expresses concern", "Expresses deep concern", "Expresses grave concern",
    "Expresses its appreciation", "Expresses its intention", "Extends", "Further calls upon",
    "Further decides", "Further encourages", "Further expresses concern", "Further requests",
    "Invites", "Notes", "Notes with appreciation", "Notes with concern", "Reaffirms",
    "Recalls", "Recognizes", "Recommends", "Reiterates", "Requests", "Stresses",
    "Strongly condemns", "Takes note", "Takes note with appreciation", "Underlines", "Urges",
    "Welcomes",
)


def _longest_first(phrases: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(set(phrases), key=len, reverse=True))


_OPENINGS = {
    ParagraphKind.PREAMBULAR: _longest_first(_PREAMBULAR_OPENINGS),
    ParagraphKind.OPERATIVE: _longest_first(_OPERATIVE_OPENINGS),
}
_ADVERBS = frozenset(
    {"Further", "Also", "Strongly", "Deeply", "Gravely", "Firmly", "Fully", "Again"}
)
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_NEXT_WORD = re.compile(r" +([^\W\d_]+(?:['’-][^\W\d_]+)*)")


def _ends_word(text: str, end: int) -> bool:
    return end == len(text) or not (text[end].isalnum() or text[end] in "_-'’")


def _next_word_end(text: str, end: int, only: str | None = None) -> int | None:
    match = _NEXT_WORD.match(text, end)
    if match is None or (only is not None and match.group(1) != only):
        return None
    return match.end()


def _opening_end(text: str, kind: ParagraphKind) -> int:
    for phrase in _OPENINGS[kind]:
        if text.startswith(phrase) and _ends_word(text, len(phrase)):
            return len(phrase)
    match = _WORD.match(text)
    if match is None:
        return 0
    if match.group() in _ADVERBS:
        return _next_word_end(text, match.end()) or match.end()
    return match.end()


def split_opening(text: str, kind: ParagraphKind, level: int = 0) -> tuple[str, str]:
    """Split a paragraph into its italic opening words and the rest.

    A level-0 text starting with an upper-case letter opens with the longest known phrase
    of its kind, or else with its first word (two words if the first is an adverb such as
    "Further"); a following "also" joins the opening ("Decides also"). Sub-paragraphs and
    other texts have no opening. Always ``opening + rest == text``.
    """
    if level != 0 or not text or not text[0].isupper():
        return "", text
    end = _opening_end(text, kind)
    if end and not text[:end].endswith("also"):
        end = _next_word_end(text, end, only="also") or end
    return text[:end], text[end:]
