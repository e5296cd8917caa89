"""Bracketed text: the square brackets delegations put around words they still dispute ("[shall/should]").

Brackets are characters of the paragraph's text, as on paper: they travel with the live text through every
concurrent edit around them, show in the redline like any insertion, and who holds a bracket is who
inserted its opening "[" (the attribution of the tracked revisions). A text with any bracket left is not
agreed: it can go neither under silence nor in blue. Pure: standard library only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BRACKET = re.compile(r"[\[\]]")
AGREED, BRACKETED, AD_REF = "agreed", "bracketed", "agreed ad ref"


@dataclass(frozen=True)
class Bracket:
    start: int  # offset of "[" (code points)
    end: int  # offset just after "]", or the end of the text when it is never closed
    text: str  # what is inside
    closed: bool = True

    @property
    def alternatives(self) -> tuple[str, ...]:
        """"shall/should" -> ("shall", "should"); one reading when there is no slash."""
        return tuple(part.strip() for part in self.text.split("/")) if "/" in self.text else (self.text,)

    def describe(self) -> str:
        shown = f"[{self.text}]" if self.closed else f"[{self.text}"
        return shown if self.closed else f"{shown} (never closed)"


def brackets(text: str) -> list[Bracket]:
    """The outermost bracketed spans of `text`, in order (nested brackets belong to the one around them); a
    "]" with no "[" before it is a bracket of its own, from the start of the text."""
    found: list[Bracket] = []
    if "[" not in text and "]" not in text:  # most paragraphs: a scan in C, not a loop over every character
        return found
    depth, start = 0, 0
    for mark in _BRACKET.finditer(text):
        at, char = mark.start(), mark.group()
        if char == "[":
            if depth == 0:
                start = at
            depth += 1
        elif char == "]":
            if depth == 0:
                found.append(Bracket(0, at + 1, text[:at]))
                continue
            depth -= 1
            if depth == 0:
                found.append(Bracket(start, at + 1, text[start + 1:at]))
    if depth:
        found.append(Bracket(start, len(text), text[start + 1:], closed=False))
    return found


def status(text: str, ad_ref: bool = False) -> str:
    """A paragraph is bracketed while any bracket is left; otherwise agreed, or agreed ad referendum (subject
    to a capital's confirmation) when the penholder marked it so."""
    if brackets(text):
        return BRACKETED
    return AD_REF if ad_ref else AGREED
