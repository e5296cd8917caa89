"""The deliberative bodies Penholder knows and the fixed rules that differ between them."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class BodyRules:
    """Names, symbols and membership facts of one body."""

    name: str
    code: str
    organ_line: str
    short_name: str
    permanent_members: frozenset[str]
    matters: tuple[str, ...]
    default_matter: str
    draft_symbol_prefix: str
    resolution_symbol_prefix: str
    press_prefix: str
    meeting_record_prefix: str


SECURITY_COUNCIL = BodyRules(
    name="Security Council",
    code="SC",
    organ_line="The Security Council,",
    short_name="Council",
    permanent_members=frozenset(
        {"China", "France", "Russian Federation", "United Kingdom", "United States"}
    ),
    matters=("substantive", "procedural"),
    default_matter="substantive",
    draft_symbol_prefix="S/",
    resolution_symbol_prefix="S/RES/",
    press_prefix="SC/",
    meeting_record_prefix="S/PV.",
)

GENERAL_ASSEMBLY = BodyRules(
    name="General Assembly",
    code="GA",
    organ_line="The General Assembly,",
    short_name="Assembly",
    permanent_members=frozenset(),
    matters=("other", "important"),
    default_matter="other",
    draft_symbol_prefix="A/",
    resolution_symbol_prefix="A/RES/",
    press_prefix="GA/",
    # The General Assembly's record symbol also carries the session (A/73/PV.12);
    # whoever knows the session composes it.
    meeting_record_prefix="A/PV.",
)

BODIES: dict[str, BodyRules] = {b.name: b for b in (SECURITY_COUNCIL, GENERAL_ASSEMBLY)}

RESOLUTION_NUMBER_PATTERNS: dict[str, str] = {
    SECURITY_COUNCIL.name: r"^\d{1,5} \(\d{4}\)$",
    GENERAL_ASSEMBLY.name: r"^\d{1,3}/\d{1,4}$",
}


class UnknownBody(KeyError, ValueError):
    """A body name Penholder does not know."""

    def __init__(self, name: object) -> None:
        known = ", ".join(f'"{n}"' for n in BODIES)
        self.name = name
        self.message = f'unknown body "{name}"; expected one of {known}'
        super().__init__(self.message)

    def __str__(self) -> str:
        # KeyError would otherwise show the repr of its argument, quotes and all.
        return self.message


def body_rules(name: str) -> BodyRules:
    """The rules of the body called `name`; raises UnknownBody."""
    try:
        return BODIES[name]
    except (KeyError, TypeError):
        raise UnknownBody(name) from None


def valid_resolution_number(body: BodyRules, number: str) -> bool:
    """Whether `number` is shaped like the body's resolution numbers ("2482 (2019)", "68/262")."""
    if not isinstance(number, str):
        return False
    # fullmatch so that "$" cannot accept a trailing newline; ASCII so \d is 0-9 only.
    return re.fullmatch(RESOLUTION_NUMBER_PATTERNS[body.name], number, re.ASCII) is not None


def resolution_symbol(body: BodyRules, number: str) -> str:
    """The document symbol of a resolution: "S/RES/2482 (2019)", "A/RES/68/262"."""
    if not valid_resolution_number(body, number):
        raise ValueError(f'"{number}" is not a {body.name} resolution number')
    return body.resolution_symbol_prefix + number
