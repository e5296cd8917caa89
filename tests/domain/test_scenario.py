import copy
import datetime
import json
import pickle
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from editor.domain.document import ParagraphKind, number_paragraphs, validate_structure
from editor.domain.scenario import (
    DraftSpec,
    ParagraphSpec,
    ScenarioError,
    load_scenario_file,
    parse_scenario,
    scenario_paragraphs,
)

SEED = Path(__file__).resolve().parents[2] / "editor" / "data" / "scenarios" / "sc-2482-2019.json"


def seed_data() -> dict:
    return json.loads(SEED.read_text(encoding="utf-8"))


def test_seed_parses():
    scenario = load_scenario_file(SEED)
    assert scenario.format == "penholder-scenario/1"
    assert scenario.body == "Security Council" and scenario.rules.code == "SC"
    assert len(scenario.members) == 15 and scenario.presidency == "Peru"
    assert scenario.debate.date == datetime.date(2019, 7, 9)
    assert scenario.debate.press_release == "SC/13875"
    assert scenario.draft.penholder == "Peru" and scenario.draft.sponsors == ()
    assert scenario.draft.symbol is None
    assert len(scenario.draft.preamble) == 3 and len(scenario.draft.operative) == 6
    assert [(r.by, r.action, r.target) for r in scenario.revisions] == [
        ("France", "replace", "OP1"), ("Germany", "replace", "OP3"),
        ("Indonesia", "insert_after", "OP4"),
    ]
    meeting = scenario.meeting
    assert (meeting.number, meeting.period, meeting.press_release) == (8582, "AM", "SC/13893")
    assert meeting.date == datetime.date(2019, 7, 19)
    assert (meeting.began, meeting.ended) == (datetime.time(12, 30), datetime.time(12, 40))
    assert scenario.matter == "substantive"
    assert scenario.vote.in_favour == scenario.members and not scenario.vote.without_vote
    assert scenario.vote.against == scenario.vote.abstaining == scenario.vote.not_participating == ()
    assert scenario.resolution == "2482 (2019)"
    assert [(s.member, s.speaker, s.when) for s in scenario.statements] == [
        ("Russian Federation", "representative", "after"), ("Peru", "Foreign Minister", "after"),
    ]


def test_parse_equals_load():
    assert parse_scenario(seed_data()) == load_scenario_file(str(SEED))


def test_seed_paragraphs():
    paragraphs = scenario_paragraphs(load_scenario_file(SEED).draft)
    assert [p.kind for p in paragraphs] == [ParagraphKind.PREAMBULAR] * 3 + [
        ParagraphKind.OPERATIVE] * 6
    assert {p.level for p in paragraphs} == {0}
    assert len({p.uid for p in paragraphs}) == 9
    assert paragraphs[-1].text == "Decides to remain seized of the matter."


def test_nested_subparagraphs_flatten_to_levels():
    data = seed_data()
    data["draft"]["operative"][1] = {"text": "Decides:", "subparagraphs": [
        "(first);", {"text": "(second):", "subparagraphs": ["(deep one);", "(deep two);"]}]}
    draft = parse_scenario(data).draft
    assert draft.operative[1] == ParagraphSpec("Decides:", (
        ParagraphSpec("(first);"),
        ParagraphSpec("(second):", (ParagraphSpec("(deep one);"), ParagraphSpec("(deep two);"))),
    ))
    paragraphs = scenario_paragraphs(draft)
    validate_structure(paragraphs)
    refs = [n.ref for n in number_paragraphs(paragraphs)]
    assert refs[3:9] == ["OP1", "OP2", "OP2(a)", "OP2(b)", "OP2(b)(i)", "OP2(b)(ii)"]


def test_scenario_paragraphs_of_a_bare_draft():
    draft = DraftSpec("item", "Peru", (), None, (), (ParagraphSpec("Decides."),))
    [only] = scenario_paragraphs(draft)
    assert (only.kind, only.level, only.text) == (ParagraphKind.OPERATIVE, 0, "Decides.")


def _parent(data, path):
    """The container holding the last key of a dotted path ("revisions.0.text"), and that key."""
    *parents, last = [int(k) if k.isdigit() else k for k in path.split(".")]
    for key in parents:
        data = data[key]
    return data, last


def _set(path, value):
    """A mutation setting the value at a dotted path."""
    def mutate(data):
        target, key = _parent(data, path)
        target[key] = value
    return mutate


def _delete(path):
    def mutate(data):
        target, key = _parent(data, path)
        del target[key]
    return mutate


def _general_assembly(data):
    data["body"] = "General Assembly"
    data["meeting"]["press_release"] = "GA/12345"
    data["draft"].pop("symbol", None)


ERRORS = [
    # (mutation, key, words in the message)
    (_delete("format"), "format", "required key missing"),
    (_set("format", "penholder-scenario/2"), "format", 'expected "penholder-scenario/1"'),
    (_set("colour", "blue"), "colour", "unknown key"),
    (_set("meeting.colour", "blue"), "meeting.colour", "unknown key"),
    (_set("vote.maybe", []), "vote.maybe", "unknown key"),
    (_set("revisions.0.why", "x"), "revisions[0].why", "unknown key"),
    (_delete("meeting.number"), "meeting.number", "required key missing"),
    (_delete("draft.penholder"), "draft.penholder", "required key missing"),
    (_delete("debate.date"), "debate.date", "required key missing"),
    (_delete("statements.1.when"), "statements[1].when", "required key missing"),
    (_set("meeting.number", None), "meeting.number", "required key missing"),
    (_set("meeting.number", "8582"), "meeting.number", "expected an integer, got a string"),
    (_set("meeting.number", True), "meeting.number", "expected an integer, got a boolean"),
    (_set("meeting.number", 8582.0), "meeting.number", "expected an integer, got a number"),
    (_set("meeting.number", 0), "meeting.number", "positive"),
    (_set("members", "Peru"), "members", "expected a list, got a string"),
    (_set("members", []), "members", "at least one"),
    (_set("members.3", "Peru"), "members[9]", 'duplicate member "Peru"'),
    (_set("members.3", ""), "members[3]", "must not be empty"),
    (_set("members.3", 7), "members[3]", "expected a string, got an integer"),
    (_set("body", "Narnia Council"), "body", 'unknown body "Narnia Council"'),
    (_set("presidency", "Narnia"), "presidency", '"Narnia" is not a member of the body'),
    (_set("draft.penholder", "Narnia"), "draft.penholder", '"Narnia" is not a member of the body'),
    (_set("draft.sponsors", ["Peru", "Narnia"]), "draft.sponsors[1]", "not a member"),
    (_set("draft.sponsors", ["Peru", "Peru"]), "draft.sponsors[1]", "duplicate sponsor"),
    (_set("draft.symbol", "A/73/L.1"), "draft.symbol", 'starting with "S/"'),
    (_set("draft", []), "draft", "expected an object, got a list"),
    (_set("draft.operative", []), "draft.operative", "at least one operative"),
    (_set("draft.preamble", "Recalling"), "draft.preamble", "expected a list"),
    (_set("draft.operative.5", ""), "draft.operative[5]", "must not be empty"),
    (_set("draft.operative.5", 5), "draft.operative[5]", "expected an object, got an integer"),
    (_set("draft.operative.5", {"subparagraphs": []}), "draft.operative[5].text",
     "required key missing"),
    (_set("draft.operative.5", {"text": "Decides:", "subparagraphs": [3]}),
     "draft.operative[5].subparagraphs[0]", "expected an object"),
    (_set("draft.operative.5", {"text": "Decides:", "subparagraphs": [
        {"text": "(a)", "subparagraphs": [{"text": "(i)", "subparagraphs": ["too deep"]}]}]}),
     "draft.operative[5].subparagraphs[0].subparagraphs[0].subparagraphs", "at most 2 levels"),
    (_set("revisions.0.by", "Narnia"), "revisions[0].by", "not a member"),
    (_set("revisions.0.paragraph", "OP0"), "revisions[0].paragraph", 'like "OP3"'),
    (_set("revisions.0.paragraph", "op1"), "revisions[0].paragraph", 'like "OP3"'),
    (_set("revisions.0.paragraph", "OP 1"), "revisions[0].paragraph", 'like "OP3"'),
    (_set("revisions.0.paragraph", "PP4"), "revisions[0].paragraph", "PP4 does not exist"),
    (_set("revisions.2.insert_after", "OP7"), "revisions[2].insert_after", "OP7 does not exist"),
    (_set("revisions.0.delete", "OP2"), "revisions[0]", "exactly one of"),
    (_delete("revisions.0.paragraph"), "revisions[0]", "exactly one of"),
    (_delete("revisions.0.text"), "revisions[0].text", "required key missing"),
    (_set("revisions.0", {"by": "France", "delete": "PP1", "text": "x"}), "revisions[0].text",
     "not allowed with delete"),
    (_set("revisions", {}), "revisions", "expected a list"),
    (_set("meeting.began", "12.30"), "meeting.began", "HH:MM"),
    (_set("meeting.began", "24:00"), "meeting.began", "HH:MM"),
    (_set("meeting.ended", "9:40"), "meeting.ended", "HH:MM"),
    (_set("meeting.ended", "12:29"), "meeting.ended", "before began"),
    (_set("meeting.date", "19 July 2019"), "meeting.date", "ISO date"),
    (_set("meeting.date", "2019-02-30"), "meeting.date", "ISO date"),
    (_set("meeting.date", "20190719"), "meeting.date", "ISO date"),
    (_set("debate.date", 2019), "debate.date", "expected a string"),
    (_set("meeting.period", "am"), "meeting.period", 'expected "AM" or "PM", got "am"'),
    (_set("meeting.press_release", "GA/1"), "meeting.press_release", 'starting with "SC/"'),
    (_set("matter", "important"), "matter", '"substantive" or "procedural"'),
    (_set("resolution", "68/262"), "resolution", "Security Council resolution number"),
    (_set("resolution", 2482), "resolution", "expected a string"),
    (_set("vote", {}), "vote", "expected without_vote or lists"),
    (_set("vote", {"in_favour": "all", "against": ["China"]}), "vote.against",
     'must be empty when in_favour is "all"'),
    (_set("vote", {"in_favour": "most"}), "vote.in_favour", 'expected "all" or a list'),
    (_set("vote", {"in_favour": ["Peru", "China"], "abstaining": ["Kuwait", "China"]}),
     "vote.abstaining[1]", '"China" is already in vote.in_favour'),
    (_set("vote", {"in_favour": ["Peru", "Peru"]}), "vote.in_favour[1]", "already in"),
    (_set("vote", {"against": ["Narnia"]}), "vote.against[0]", "not a member"),
    (_set("vote", {"without_vote": True, "in_favour": "all"}), "vote.in_favour",
     "not allowed with without_vote"),
    (_set("vote", {"in_favour": "all", "by_acclamation": True}), "vote.by_acclamation",
     "only allowed with without_vote"),
    (_set("vote", {"without_vote": "yes"}), "vote.without_vote", "expected a boolean"),
    (_set("statements.0.when", "during"), "statements[0].when", '"before" or "after"'),
    (_set("statements.0.member", "Narnia"), "statements[0].member", "not a member"),
    (_set("note", 3), "note", "expected a string"),
]


@pytest.mark.parametrize("mutate, key, words", ERRORS, ids=[e[1] + ":" + e[2] for e in ERRORS])
def test_errors_name_their_key(mutate, key, words):
    data = seed_data()
    mutate(data)
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data)
    assert caught.value.key == key
    assert words in caught.value.message
    assert str(caught.value) == f"{key}: {caught.value.message}"


def test_error_text_format():
    data = seed_data()
    data["draft"]["penholder"] = "Narnia"
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data)
    assert str(caught.value) == 'draft.penholder: "Narnia" is not a member of the body'
    assert isinstance(caught.value, ValueError)


def test_error_survives_pickling():
    error = pickle.loads(pickle.dumps(ScenarioError("vote.against[1]", "bad")))
    assert (error.key, error.message, str(error)) == ("vote.against[1]", "bad", "vote.against[1]: bad")


@pytest.mark.parametrize("data", [None, [], "scenario", 3, 2.5, True])
def test_non_object_is_rejected(data):
    with pytest.raises(ScenarioError, match="must be a JSON object") as caught:
        parse_scenario(data)
    assert caught.value.key == ""


@pytest.mark.parametrize("vote, expected", [
    ({"without_vote": True}, (True, False, (), ())),
    ({"without_vote": True, "by_acclamation": True}, (True, True, (), ())),
    ({"in_favour": ["Peru"], "against": ["China"], "abstaining": []},
     (False, False, ("Peru",), ("China",))),
    ({"in_favour": "all", "against": [], "abstaining": None}, (False, False, "members", ())),
])
def test_vote_forms(vote, expected):
    data = seed_data()
    data["vote"] = vote
    parsed = parse_scenario(data)
    in_favour = parsed.members if expected[2] == "members" else expected[2]
    assert (parsed.vote.without_vote, parsed.vote.by_acclamation) == expected[:2]
    assert (parsed.vote.in_favour, parsed.vote.against) == (in_favour, expected[3])


def test_general_assembly_scenario():
    data = seed_data()
    _general_assembly(data)
    data.update(matter="important", resolution="68/262")
    data["meeting"]["session"] = "Seventy-first Session"
    parsed = parse_scenario(data)
    assert (parsed.body, parsed.matter, parsed.resolution) == ("General Assembly", "important",
                                                               "68/262")
    del data["matter"]
    assert parse_scenario(data).matter == "other"
    data["resolution"] = "2482 (2019)"
    with pytest.raises(ScenarioError, match='like "68/262"'):
        parse_scenario(data)


def test_revisions_count_positions_as_they_stand():
    data = seed_data()
    data["revisions"] = [
        {"by": "Peru", "insert_before": "PP1", "text": "Guided by the Charter,"},
        {"by": "Peru", "paragraph": "PP4", "text": "Welcoming the efforts,"},
        {"by": "Peru", "delete": "OP6"},
        {"by": "Peru", "insert_after": "OP5", "text": "Decides to remain seized of the matter."},
    ]
    assert [r.action for r in parse_scenario(data).revisions] == [
        "insert_before", "replace", "delete", "insert_after"]
    assert parse_scenario(data).revisions[2].text is None
    data["revisions"].append({"by": "Peru", "delete": "PP4"})
    data["revisions"].append({"by": "Peru", "paragraph": "PP4", "text": "Noting,"})
    with pytest.raises(ScenarioError, match="PP4 does not exist") as caught:
        parse_scenario(data)
    assert caught.value.key == "revisions[5].paragraph"


def test_cannot_delete_the_only_operative_paragraph():
    data = seed_data()
    data["draft"]["operative"] = ["Decides."]
    data["revisions"] = [{"by": "Peru", "delete": "OP1"}]
    with pytest.raises(ScenarioError, match="only operative") as caught:
        parse_scenario(data)
    assert caught.value.key == "revisions[0].delete"


def test_optional_keys_may_be_null_or_absent():
    data = seed_data()
    for key in ("note", "debate", "revisions", "matter", "resolution", "statements"):
        data[key] = None
    parsed = parse_scenario(data)
    assert (parsed.note, parsed.debate, parsed.revisions, parsed.resolution) == (None, None, (), None)
    assert parsed.matter == "substantive" and parsed.statements == ()
    for key in ("note", "debate", "revisions", "matter", "resolution", "statements"):
        del data[key]
    assert parse_scenario(data) == parsed


def test_meeting_may_end_when_it_began():
    data = seed_data()
    data["meeting"]["ended"] = data["meeting"]["began"]
    assert parse_scenario(data).meeting.ended == datetime.time(12, 30)


@pytest.mark.parametrize("content, words", [
    (b"{not json", "not valid JSON"),
    (b"\xff\xfe\x00", "not UTF-8"),
    (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
    (b"[]", "must be a JSON object"),
])
def test_load_scenario_file_errors(tmp_path, content, words):
    path = tmp_path / "scenario.json"
    path.write_bytes(content)
    with pytest.raises(ScenarioError, match=words):
        load_scenario_file(path)


def test_load_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario_file(tmp_path / "absent.json")
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario_file(tmp_path)


def test_scenario_is_frozen():
    scenario = load_scenario_file(SEED)
    with pytest.raises(AttributeError):
        scenario.body = "General Assembly"  # type: ignore[misc]


# -- totality ----------------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
    | st.sampled_from(["all", "AM", "12:30", "2019-07-19", "Peru", "OP1", "PP9", "after"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                 max_size=4),
    max_leaves=20,
)


def _paths(value, prefix=()):
    """Every path to a value inside the seed, as a tuple of keys and indexes."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


SEED_PATHS = [path for path in _paths(seed_data()) if path]


def _outcome(data):
    try:
        return parse_scenario(data)
    except ScenarioError as error:
        assert isinstance(error.key, str) and error.message
        return error


@given(JSON)
def test_parse_is_total_on_any_json(data):
    _outcome(data)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(SEED_PATHS), JSON | st.just("__delete__")), max_size=3))
def test_parse_is_total_on_mutated_seed(mutations):
    data = seed_data()
    for path, value in mutations:
        target = data
        try:
            for key in path[:-1]:
                target = target[key]
            if value == "__delete__" and isinstance(target, dict):
                target.pop(path[-1], None)
            else:
                target[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation changed the shape here
    before = copy.deepcopy(data)
    _outcome(data)
    assert data == before  # the parser never changes its input
