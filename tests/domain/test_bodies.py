import dataclasses

import pytest

from editor.domain.bodies import (
    BODIES,
    RESOLUTION_NUMBER_PATTERNS,
    BodyRules,
    UnknownBody,
    body_rules,
    resolution_symbol,
    valid_resolution_number,
)

SC = body_rules("Security Council")
GA = body_rules("General Assembly")


def test_bodies_are_keyed_by_name():
    assert set(BODIES) == {"Security Council", "General Assembly"}
    assert all(name == rules.name for name, rules in BODIES.items())
    assert set(RESOLUTION_NUMBER_PATTERNS) == set(BODIES)


def test_security_council_rules():
    assert (SC.code, SC.organ_line, SC.short_name) == ("SC", "The Security Council,", "Council")
    assert SC.permanent_members == {
        "China", "France", "Russian Federation", "United Kingdom", "United States"
    }
    assert SC.matters == ("substantive", "procedural")
    assert SC.default_matter == "substantive"
    assert (SC.draft_symbol_prefix, SC.resolution_symbol_prefix) == ("S/", "S/RES/")
    assert (SC.press_prefix, SC.meeting_record_prefix) == ("SC/", "S/PV.")


def test_general_assembly_rules():
    assert (GA.code, GA.organ_line, GA.short_name) == ("GA", "The General Assembly,", "Assembly")
    assert GA.permanent_members == frozenset()
    assert GA.matters == ("other", "important")
    assert GA.default_matter == "other"
    assert (GA.draft_symbol_prefix, GA.resolution_symbol_prefix) == ("A/", "A/RES/")
    assert (GA.press_prefix, GA.meeting_record_prefix) == ("GA/", "A/PV.")


@pytest.mark.parametrize("body", [SC, GA])
def test_default_matter_is_a_matter(body):
    assert body.default_matter in body.matters


def test_rules_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        SC.code = "XX"  # type: ignore[misc]
    assert isinstance(SC, BodyRules)


@pytest.mark.parametrize("name", ["Narnia Council", "security council", "", None, ["x"]])
def test_unknown_body(name):
    with pytest.raises(UnknownBody) as caught:
        body_rules(name)
    assert isinstance(caught.value, KeyError) and isinstance(caught.value, ValueError)
    message = str(caught.value)
    assert message.startswith(f'unknown body "{name}"')
    assert '"Security Council"' in message and '"General Assembly"' in message


@pytest.mark.parametrize("body, number, symbol", [
    (SC, "2482 (2019)", "S/RES/2482 (2019)"),
    (SC, "1 (1946)", "S/RES/1 (1946)"),
    (GA, "68/262", "A/RES/68/262"),
    (GA, "1/1", "A/RES/1/1"),
])
def test_resolution_symbol(body, number, symbol):
    assert valid_resolution_number(body, number)
    assert resolution_symbol(body, number) == symbol


@pytest.mark.parametrize("body, number", [
    (SC, "68/262"), (GA, "2482 (2019)"), (SC, "2482(2019)"), (SC, "2482 (19)"),
    (SC, "2482 (2019)\n"), (GA, "68/262\n"), (GA, "1234/5"), (GA, "68/"), (SC, ""),
    (SC, "٢٤٨٢ (٢٠١٩)"), (GA, None), (SC, 2482),
])
def test_invalid_resolution_numbers(body, number):
    assert not valid_resolution_number(body, number)
    with pytest.raises(ValueError, match=body.name):
        resolution_symbol(body, number)
