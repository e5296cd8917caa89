"""Parse and validate `penholder-scenario/1` data (see scenarios/FORMAT.md) into frozen values.

`parse_scenario` is total: for any JSON value it returns a Scenario or raises ScenarioError.
An optional key whose value is null counts as omitted. Preambular items may take
sub-paragraphs like operative ones, since the document model allows them.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from editor.domain.bodies import BodyRules, body_rules, valid_resolution_number
from editor.domain.document import MAX_LEVEL, Paragraph, ParagraphKind, new_uid

FORMAT = "penholder-scenario/1"
T = TypeVar("T")
Reader = Callable[[object, str], T]  # reads the value found at a key path


class ScenarioError(ValueError):
    """A scenario is invalid; `key` says where ("vote.against[1]"), `message` what is wrong."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        self.message = message
        super().__init__(f"{key}: {message}" if key else message)

    def __reduce__(self) -> tuple:
        # The default would re-create the error from its text alone.
        return type(self), (self.key, self.message)


@dataclass(frozen=True)
class ParagraphSpec:
    text: str
    subparagraphs: tuple[ParagraphSpec, ...] = ()


@dataclass(frozen=True)
class Debate:
    kind: str | None
    date: datetime.date
    topic: str | None
    press_release: str | None


@dataclass(frozen=True)
class DraftSpec:
    agenda_item: str
    penholder: str
    sponsors: tuple[str, ...]
    symbol: str | None
    preamble: tuple[ParagraphSpec, ...]
    operative: tuple[ParagraphSpec, ...]


@dataclass(frozen=True)
class Revision:
    by: str
    action: str  # "replace", "insert_after", "insert_before" or "delete"
    target: str  # "PP2", "OP3": a position in the text as it stands when applied
    text: str | None


@dataclass(frozen=True)
class MeetingSpec:
    number: int
    date: datetime.date
    period: str
    began: datetime.time
    ended: datetime.time
    press_release: str
    session: str | None


@dataclass(frozen=True)
class VoteSpec:
    without_vote: bool
    by_acclamation: bool
    in_favour: tuple[str, ...]
    against: tuple[str, ...]
    abstaining: tuple[str, ...]
    not_participating: tuple[str, ...]


@dataclass(frozen=True)
class Statement:
    member: str
    speaker: str
    when: str
    text: str


@dataclass(frozen=True)
class SilenceSpec:
    """The text under silence until `deadline`; broken (or not) by a member on paragraphs, with a reason."""

    deadline: datetime.datetime
    broken_by: str | None = None
    paragraphs: tuple[str, ...] = ()
    reason: str | None = None


@dataclass(frozen=True)
class Sponsorship:
    """A member the penholder invited to co-sponsor, and its answer: consent, decline or withdraw."""

    member: str
    answer: str


@dataclass(frozen=True)
class Scenario:
    format: str
    note: str | None
    body: str
    members: tuple[str, ...]
    presidency: str
    debate: Debate | None
    draft: DraftSpec
    revisions: tuple[Revision, ...]
    meeting: MeetingSpec
    matter: str
    vote: VoteSpec
    resolution: str | None
    statements: tuple[Statement, ...]
    sponsors: tuple[Sponsorship, ...] = ()
    silence: SilenceSpec | None = None

    @property
    def rules(self) -> BodyRules:
        return body_rules(self.body)


# -- generic readers ---------------------------------------------------------------------------

_TYPE_NAMES = {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
               int: "an integer", float: "a number", type(None): "null"}


def _type_name(value: object) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def _at(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _wrong_type(path: str, expected: str, value: object) -> ScenarioError:
    return ScenarioError(path, f"expected {expected}, got {_type_name(value)}")


def _object(value: object, path: str, required: Iterable[str], optional: Iterable[str]) -> dict:
    """The object at `path`, with no unknown key and no required key missing or null."""
    if not isinstance(value, dict):
        raise _wrong_type(path, "an object", value)
    known = {*required, *optional}
    for key in value:
        if key not in known:
            raise ScenarioError(_at(path, str(key)), "unknown key")
    for key in required:
        if value.get(key) is None:
            raise ScenarioError(_at(path, key), "required key missing")
    return value


def _str(value: object, path: str) -> str:
    if not isinstance(value, str):
        raise _wrong_type(path, "a string", value)
    if not value.strip():
        raise ScenarioError(path, "must not be empty")
    return value


def _opt(obj: Mapping, key: str, path: str, read: Reader[T]) -> T | None:
    value = obj.get(key)
    return None if value is None else read(value, _at(path, key))


def _list(value: object, path: str, read: Reader[T]) -> tuple[T, ...]:
    if not isinstance(value, list):
        raise _wrong_type(path, "a list", value)
    return tuple(read(item, _at(path, i)) for i, item in enumerate(value))


def _choice(value: object, path: str, choices: Iterable[str]) -> str:
    choices = tuple(choices)
    if not isinstance(value, str) or value not in choices:
        expected = " or ".join(f'"{c}"' for c in choices)
        got = f'"{value}"' if isinstance(value, str) else _type_name(value)
        raise ScenarioError(path, f"expected {expected}, got {got}")
    return value


def _date(value: object, path: str) -> datetime.date:
    text = _str(value, path)
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text, re.ASCII):
            return datetime.date.fromisoformat(text)
    except ValueError:
        pass
    raise ScenarioError(path, f'expected an ISO date (YYYY-MM-DD), got "{text}"')


def _time(value: object, path: str) -> datetime.time:
    text = _str(value, path)
    match = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)", text, re.ASCII)
    if match is None:
        raise ScenarioError(path, f'expected a 24-hour time (HH:MM), got "{text}"')
    return datetime.time(int(match[1]), int(match[2]))


def _any_str(value: object, path: str) -> str:
    if not isinstance(value, str):
        raise _wrong_type(path, "a string", value)
    return value


def _bool(value: object, path: str) -> bool:
    if not isinstance(value, bool):
        raise _wrong_type(path, "a boolean", value)
    return value


def _members_of(members: tuple[str, ...]) -> Reader[str]:
    """A reader accepting only a member of the body."""
    known = frozenset(members)

    def read(value: object, path: str) -> str:
        name = _str(value, path)
        if name not in known:
            raise ScenarioError(path, f'"{name}" is not a member of the body')
        return name
    return read


def _unique(values: tuple[str, ...], path: str, what: str) -> tuple[str, ...]:
    seen: set[str] = set()
    for i, value in enumerate(values):
        if value in seen:
            raise ScenarioError(_at(path, i), f'duplicate {what} "{value}"')
        seen.add(value)
    return values


# -- sections ----------------------------------------------------------------------------------


def _member_name(value: object, path: str) -> str:
    name = _str(value, path)
    if name != name.strip():
        raise ScenarioError(path, f'"{name}" has leading or trailing spaces')
    return name


def _debate(value: object, path: str) -> Debate:
    obj = _object(value, path, ["date"], ["kind", "topic", "press_release"])
    return Debate(
        kind=_opt(obj, "kind", path, _str),
        date=_date(obj["date"], _at(path, "date")),
        topic=_opt(obj, "topic", path, _str),
        press_release=_opt(obj, "press_release", path, _str),
    )


def _paragraph(level: int) -> Reader[ParagraphSpec]:
    def read(value: object, path: str) -> ParagraphSpec:
        if isinstance(value, str):
            return ParagraphSpec(_str(value, path))
        obj = _object(value, path, ["text"], ["subparagraphs"])
        text = _str(obj["text"], _at(path, "text"))
        if level == MAX_LEVEL and obj.get("subparagraphs"):
            # Checked before reading them, so that deep input cannot recurse deeply.
            raise ScenarioError(
                _at(path, "subparagraphs"), f"sub-paragraphs nest at most {MAX_LEVEL} levels deep"
            )
        subs = _opt(obj, "subparagraphs", path, _list_of_paragraphs(level + 1)) or ()
        return ParagraphSpec(text, subs)
    return read


def _list_of_paragraphs(level: int) -> Reader[tuple[ParagraphSpec, ...]]:
    return lambda value, path: _list(value, path, _paragraph(level))


def _prefixed(value: object, path: str, prefix: str) -> str:
    symbol = _str(value, path)
    if not symbol.startswith(prefix):
        raise ScenarioError(path, f'expected a symbol starting with "{prefix}", got "{symbol}"')
    return symbol


def _draft(value: object, path: str, body: BodyRules, member: Reader[str]) -> DraftSpec:
    obj = _object(value, path, ["agenda_item", "penholder", "preamble", "operative"],
                  ["sponsors", "symbol"])
    agenda_item = _str(obj["agenda_item"], _at(path, "agenda_item"))
    penholder = member(obj["penholder"], _at(path, "penholder"))
    sponsors = _opt(obj, "sponsors", path, lambda v, p: _unique(_list(v, p, member), p, "sponsor"))
    symbol = _opt(obj, "symbol", path, lambda v, p: _prefixed(v, p, body.draft_symbol_prefix))
    preamble = _list_of_paragraphs(0)(obj["preamble"], _at(path, "preamble"))
    operative = _list_of_paragraphs(0)(obj["operative"], _at(path, "operative"))
    if not operative:
        raise ScenarioError(_at(path, "operative"), "needs at least one operative paragraph")
    return DraftSpec(agenda_item, penholder, sponsors or (), symbol, preamble, operative)


_ACTIONS = {"paragraph": "replace", "insert_after": "insert_after",
            "insert_before": "insert_before", "delete": "delete"}


def _revision(value: object, path: str, member: Reader[str], counts: dict[str, int]) -> Revision:
    """One revision; `counts` holds the PP/OP counts of the text as it stands, and is updated."""
    obj = _object(value, path, ["by"], [*_ACTIONS, "text"])
    by = member(obj["by"], _at(path, "by"))
    keys = [key for key in _ACTIONS if obj.get(key) is not None]
    if len(keys) != 1:
        raise ScenarioError(path, "needs exactly one of " + ", ".join(_ACTIONS))
    key, action = keys[0], _ACTIONS[keys[0]]
    target = _str(obj[key], _at(path, key))
    match = re.fullmatch(r"(PP|OP)([1-9]\d{0,5})", target, re.ASCII)
    if match is None:
        raise ScenarioError(_at(path, key), f'expected a reference like "OP3", got "{target}"')
    prefix, number = match[1], int(match[2])
    if number > counts[prefix]:
        raise ScenarioError(_at(path, key), f"{target} does not exist: the text then has "
                            f"{counts[prefix]} {prefix} paragraphs")
    text = _opt(obj, "text", path, _str)
    if action == "delete":
        if text is not None:
            raise ScenarioError(_at(path, "text"), "not allowed with delete")
        if prefix == "OP" and counts["OP"] == 1:
            raise ScenarioError(_at(path, key), "cannot delete the only operative paragraph")
        counts[prefix] -= 1
    elif text is None:
        raise ScenarioError(_at(path, "text"), "required key missing")
    elif action != "replace":
        counts[prefix] += 1
    return Revision(by, action, target, text)


def _meeting(value: object, path: str, body: BodyRules) -> MeetingSpec:
    obj = _object(value, path, ["number", "date", "period", "began", "ended", "press_release"],
                  ["session"])
    number = obj["number"]
    if type(number) is not int:  # bool is an int subclass and must not pass
        raise _wrong_type(_at(path, "number"), "an integer", number)
    if number < 1:
        raise ScenarioError(_at(path, "number"), f"expected a positive integer, got {number}")
    date = _date(obj["date"], _at(path, "date"))
    period = _choice(obj["period"], _at(path, "period"), ("AM", "PM"))
    began = _time(obj["began"], _at(path, "began"))
    ended = _time(obj["ended"], _at(path, "ended"))
    if ended < began:
        raise ScenarioError(_at(path, "ended"), f"{ended:%H:%M} is before began ({began:%H:%M})")
    release = _prefixed(obj["press_release"], _at(path, "press_release"), body.press_prefix)
    session = _opt(obj, "session", path, _str)
    return MeetingSpec(number, date, period, began, ended, release, session)


_VOTE_LISTS = ("in_favour", "against", "abstaining", "not_participating")


def _vote_lists(obj: dict, path: str, members: tuple[str, ...],
                member: Reader[str]) -> list[tuple[str, ...]]:
    """The four vote lists, "all" expanded, each member in at most one."""
    everyone = obj.get("in_favour") == "all"
    placed: dict[str, str] = {}
    lists = []
    for key in _VOTE_LISTS:
        at = _at(path, key)
        if everyone and key != "in_favour" and obj.get(key):
            raise ScenarioError(at, 'must be empty when in_favour is "all"')
        if key == "in_favour" and isinstance(obj.get(key), str) and not everyone:
            raise ScenarioError(at, f'expected "all" or a list, got "{obj[key]}"')
        names = members if everyone and key == "in_favour" else (
            _opt(obj, key, path, lambda v, p: _list(v, p, member)) or ())
        for i, name in enumerate(names):
            if name in placed:
                raise ScenarioError(_at(at, i), f'"{name}" is already in {placed[name]}')
            placed[name] = at
        lists.append(names)
    return lists


def _vote(value: object, path: str, members: tuple[str, ...], member: Reader[str]) -> VoteSpec:
    obj = _object(value, path, [], [*_VOTE_LISTS, "without_vote", "by_acclamation"])
    without_vote = bool(_opt(obj, "without_vote", path, _bool))
    by_acclamation = bool(_opt(obj, "by_acclamation", path, _bool))
    if by_acclamation and not without_vote:
        raise ScenarioError(_at(path, "by_acclamation"), "only allowed with without_vote")
    present = [key for key in _VOTE_LISTS if obj.get(key) is not None]
    if without_vote:
        if present:
            raise ScenarioError(_at(path, present[0]), "not allowed with without_vote")
        return VoteSpec(True, by_acclamation, (), (), (), ())
    if not present:
        raise ScenarioError(path, "expected without_vote or lists " + ", ".join(_VOTE_LISTS))
    return VoteSpec(False, False, *_vote_lists(obj, path, members, member))


def _statement(member: Reader[str]) -> Reader[Statement]:
    def read(value: object, path: str) -> Statement:
        obj = _object(value, path, ["member", "speaker", "when", "text"], [])
        return Statement(
            member=member(obj["member"], _at(path, "member")),
            speaker=_str(obj["speaker"], _at(path, "speaker")),
            when=_choice(obj["when"], _at(path, "when"), ("before", "after")),
            text=_str(obj["text"], _at(path, "text")),
        )
    return read


def _sponsorship(member: Reader[str]) -> Reader[Sponsorship]:
    def read(value: object, path: str) -> Sponsorship:
        obj = _object(value, path, ["member", "answer"], [])
        return Sponsorship(member(obj["member"], _at(path, "member")),
                           _choice(obj["answer"], _at(path, "answer"), ("consent", "decline", "withdraw")))
    return read


def _silence(member: Reader[str]) -> Reader[SilenceSpec]:
    def read(value: object, path: str) -> SilenceSpec:
        obj = _object(value, path, ["deadline"], ["broken_by"])
        text = _str(obj["deadline"], _at(path, "deadline"))
        try:
            deadline = datetime.datetime.fromisoformat(text)
        except ValueError:
            deadline = None
        if deadline is None or deadline.tzinfo is None:
            raise ScenarioError(_at(path, "deadline"), "expected an ISO date and time with its time zone "
                                                       f'("2019-07-16T12:00-04:00"), got "{text}"')
        broken = obj.get("broken_by")
        if broken is None:
            return SilenceSpec(deadline)
        at = _at(path, "broken_by")
        spec = _object(broken, at, ["member", "paragraphs", "reason"], [])
        paragraphs = _list(spec["paragraphs"], _at(at, "paragraphs"), _str)
        if not paragraphs:
            raise ScenarioError(_at(at, "paragraphs"), "must name at least one paragraph")
        return SilenceSpec(deadline, member(spec["member"], _at(at, "member")), paragraphs,
                           _str(spec["reason"], _at(at, "reason")))
    return read


# -- entry points ------------------------------------------------------------------------------

_REQUIRED = ("format", "body", "members", "presidency", "draft", "meeting", "vote")
_OPTIONAL = ("note", "debate", "revisions", "matter", "resolution", "statements", "sponsors", "silence")


def parse_scenario(data: object) -> Scenario:
    """Validate a decoded scenario; raises ScenarioError naming the first offending key."""
    if not isinstance(data, dict):
        raise ScenarioError("", f"a scenario must be a JSON object, got {_type_name(data)}")
    if data.get("format") is None:
        raise ScenarioError("format", "required key missing")
    if data["format"] != FORMAT:
        raise ScenarioError("format", f'expected "{FORMAT}"')
    obj = _object(data, "", _REQUIRED, _OPTIONAL)
    note = _opt(obj, "note", "", _any_str)
    try:
        body = body_rules(_str(obj["body"], "body"))
    except KeyError as error:
        raise ScenarioError("body", str(error)) from None
    members = _unique(_list(obj["members"], "members", _member_name), "members", "member")
    if not members:
        raise ScenarioError("members", "must list at least one member")
    member = _members_of(members)
    presidency = member(obj["presidency"], "presidency")
    debate = _opt(obj, "debate", "", _debate)
    draft = _draft(obj["draft"], "draft", body, member)
    counts = {"PP": len(draft.preamble), "OP": len(draft.operative)}
    revisions = _opt(obj, "revisions", "", lambda v, p: _list(
        v, p, lambda item, at: _revision(item, at, member, counts))) or ()
    meeting = _meeting(obj["meeting"], "meeting", body)
    matter = _opt(obj, "matter", "", lambda v, p: _choice(v, p, body.matters))
    vote = _vote(obj["vote"], "vote", members, member)
    resolution = _opt(obj, "resolution", "", _str)
    if resolution is not None and not valid_resolution_number(body, resolution):
        example = "2482 (2019)" if body.code == "SC" else "68/262"
        raise ScenarioError(
            "resolution", f'expected a {body.name} resolution number like "{example}"'
        )
    statements = _opt(obj, "statements", "", lambda v, p: _list(v, p, _statement(member))) or ()
    sponsors = _opt(obj, "sponsors", "", lambda v, p: _list(v, p, _sponsorship(member))) or ()
    silence = _opt(obj, "silence", "", _silence(member))
    return Scenario(FORMAT, note, body.name, members, presidency, debate, draft, revisions,
                    meeting, matter or body.default_matter, vote, resolution, statements, sponsors, silence)


def load_scenario_file(path: str | Path) -> Scenario:
    """Read and parse a scenario file; every failure is a ScenarioError."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ScenarioError("", f"cannot read {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise ScenarioError("", f"{path} is not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise ScenarioError("", f"{path} is not valid JSON: {error.msg} at line {error.lineno} "
                            f"column {error.colno}") from None
    except (RecursionError, ValueError) as error:
        raise ScenarioError("", f"{path} is not valid JSON: {error}") from None
    return parse_scenario(data)


def scenario_paragraphs(draft: DraftSpec) -> list[Paragraph]:
    """The draft as document paragraphs with fresh uids, sub-paragraphs at levels 1 and 2."""
    out: list[Paragraph] = []

    def add(specs: Iterable[ParagraphSpec], kind: ParagraphKind, level: int) -> None:
        for spec in specs:
            out.append(Paragraph(new_uid(), kind, level, spec.text))
            add(spec.subparagraphs, kind, level + 1)

    add(draft.preamble, ParagraphKind.PREAMBULAR, 0)
    add(draft.operative, ParagraphKind.OPERATIVE, 0)
    return out
