"""Live co-drafting: server-ordered synchronisation of a draft's paragraphs over diff-match-patch.

One draft is one ordered log. Every change the server accepts gets the draft's next sequence number (`seq`);
every replica applies the log in that order, so all copies converge. A client edits its local text freely and
sends one change at a time, made on the `seq` it had applied (`base`): for text, a diff-match-patch delta from
its shadow (the server's text of that paragraph at `base`) to its local text. The server turns the delta back
into the client's text, merges it into the current text (exactly when nothing happened in between, else by
patch), and reports every hunk that would not apply as a conflict. A change is known by (client, cseq), so a
re-sent change is applied once. Structural changes (insert, delete, move, indent) go through the same log.

Offsets on the wire are UTF-16 code units, as in the browser; `diff_match_patch`'s delta functions count the
same way, so Python (code points) and JavaScript agree on every text, emoji and all six UN languages included.

This module is pure: the in-memory `ServerDocument` is the reference the services mirror on the database, and
`Replica` is the client state machine that `static/js/sync.js` implements line for line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote

from diff_match_patch import diff_match_patch

from editor.domain import document
from editor.domain.document import DocumentError, Paragraph, ParagraphKind

MAX_MESSAGE_BYTES = 64 * 1024
MAX_PARAGRAPH_CHARS = 20_000
MAX_PARAGRAPHS = 1_000
MAX_ID_LENGTH = 64

TEXT, INSERT, DELETE, MOVE, LEVEL = "text", "insert", "delete", "move", "level"
REJECT, ACCEPT = "reject", "accept"  # the penholder's review of a change of the redline
REVIEWS = (REJECT, ACCEPT)
OPS = (TEXT, INSERT, DELETE, MOVE, LEVEL, REJECT, ACCEPT)
STRUCTURAL = (INSERT, DELETE, MOVE, LEVEL)

_UID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
# A change of the redline: of a paragraph's text ("i12.0", editor.domain.revisions) or the paragraph's own
# ("a12" added, "d14" deleted, "m13" moved: editor.domain.draft_history).
_REVIEWED = re.compile(r"^(?:[id][0-9]{1,10}\.[0-9]{1,10}|[adm][0-9]{1,10})$")
_CLIENT = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
# Line breaks and other control characters have no place inside a paragraph (Enter makes a new one).
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def _engine() -> diff_match_patch:
    dmp = diff_match_patch()
    dmp.Diff_Timeout = 0.2  # a diff never holds a server thread for long; a quick diff is still correct
    return dmp


_dmp = _engine()


class SyncError(Exception):
    """A change refused, with a stable code for programs and a message for people."""

    def __init__(self, code: str, message: str, limit: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.limit = limit

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.limit is not None:
            wire["limit"] = self.limit
        return wire


# -- text ----------------------------------------------------------------------------------------


def make_delta(old: str, new: str) -> str:
    """The delta (diff-match-patch's format, UTF-16 counts) that turns `old` into `new`."""
    return _dmp.diff_toDelta(_dmp.diff_main(old, new, False))


def word_delta(old: str, new: str) -> str:
    """A delta from `old` to `new` in whole words, for a change made at once (a scenario's replacement, a
    paste): its redline reads "strengthen" -> "build", not letters paired up across the two words."""
    diffs = _dmp.diff_main(old, new, False)
    _dmp.diff_cleanupSemantic(diffs)
    return _dmp.diff_toDelta(diffs)


def _one_unit_each(text: str) -> bool:
    """Whether every character of `text` is one UTF-16 code unit, as in Python: none outside the Basic
    Multilingual Plane (emoji: two units, one character) and no half of a surrogate pair. Asked of the whole
    paragraph for every change a replica applies, so it is the cheap way: a scan of a 5,000-character
    paragraph with a regular expression cost 50 us, `isascii` costs 0.1 and the encoding 7."""
    if text.isascii():
        return True
    try:
        return len(text.encode("utf-16-le")) == 2 * len(text)
    except UnicodeEncodeError:  # a lone surrogate
        return False


def apply_delta(text: str, delta: str) -> str:
    """`text` changed by `delta`; SyncError when the delta does not fit the text it claims to change."""
    return _dmp.diff_text2(delta_diffs(text, delta))


def diff(old: str, new: str) -> list[tuple[int, str]]:
    """The least change from `old` to `new`, kept exact: a "semantic" clean-up would turn many words typed
    between short stretches of unchanged text into one replaced block, and a concurrent edit inside that
    block would lose its place."""
    return _dmp.diff_main(old, new, False)


def delta_diffs(text: str, delta: str) -> list[tuple[int, str]]:
    """The diffs a delta describes on `text`: the exact change, not a diff recomputed from its result;
    SyncError when the delta does not fit the text it claims to change.

    What every replica does for each change of the log, so it reads the delta straight off the text; where
    the text holds astral characters (emoji), whose UTF-16 counts are not Python's, diff-match-patch does it
    (it re-encodes the whole text). The two agree on every delta (tests/domain/test_sync_properties.py)."""
    if not _one_unit_each(text):
        try:
            return _dmp.diff_fromDelta(text, delta)
        except (ValueError, UnicodeDecodeError, UnicodeEncodeError) as error:
            raise SyncError("bad_delta", f"The change does not fit the text it was made on ({error}).") from None
    diffs, at = [], 0
    for token in delta.split("\t"):
        if not token:
            continue  # diff-match-patch skips empty tokens too
        op, param = token[0], token[1:]
        if op == "+":
            diffs.append((diff_match_patch.DIFF_INSERT, unquote(param)))
            continue
        try:
            count = int(param)
        except ValueError:
            count = -1
        if op not in "=-" or count < 0:
            raise SyncError("bad_delta", f"The change does not fit the text it was made on (token {token!r}).")
        diffs.append((diff_match_patch.DIFF_EQUAL if op == "=" else diff_match_patch.DIFF_DELETE,
                      text[at:at + count]))
        at += count
    if at != len(text):
        raise SyncError("bad_delta", f"The change does not fit the text it was made on (it covers {at} "
                                     f"characters of {len(text)}).")
    return diffs


@dataclass(frozen=True)
class Merge:
    text: str
    conflicts: tuple[str, ...] = ()  # the parts of the second change that touched text the first deleted


CONFLICT_REACH = 3


def _deleted_positions(diffs: Sequence[tuple[int, str]]) -> set[int]:
    """The positions of the base text that a diff deletes."""
    deleted, position = set(), 0
    for op, text in diffs:
        if op == diff_match_patch.DIFF_DELETE:
            deleted.update(range(position, position + len(text)))
        if op != diff_match_patch.DIFF_INSERT:
            position += len(text)
    return deleted


def merge3(base: str, first: Sequence[tuple[int, str]], second: Sequence[tuple[int, str]]) -> Merge:
    """Both changes of `base` applied: `first` (already in the log) and `second` (arriving now).

    Each change is a diff of `base`; the merge walks both over `base` position by position, so every insert
    lands exactly where its author made it, however often the text around it repeats (patching by context
    would match the wrong one). At one position the first change's insert comes first. What the second
    change inserts where the first deleted text (within `CONFLICT_REACH` characters) is kept and reported
    as a conflict: its author meant it for words that are gone.
    """
    deleted = _deleted_positions(first)
    theirs = [[op, text] for op, text in first if text]
    ours = [[op, text] for op, text in second if text]
    out: list[str] = []
    conflicts: list[str] = []
    i = j = 0
    position = 0  # in base
    while i < len(theirs) or j < len(ours):
        if i < len(theirs) and theirs[i][0] == diff_match_patch.DIFF_INSERT:
            out.append(theirs[i][1])
            i += 1
            continue
        if j < len(ours) and ours[j][0] == diff_match_patch.DIFF_INSERT:
            if any(q in deleted for q in range(position - CONFLICT_REACH, position + CONFLICT_REACH)):
                conflicts.append(ours[j][1])
            out.append(ours[j][1])
            j += 1
            continue
        if i == len(theirs) or j == len(ours):
            raise ValueError("the two changes do not describe the same text")
        n = min(len(theirs[i][1]), len(ours[j][1]))
        their_op, our_op = theirs[i][0], ours[j][0]
        if their_op == our_op == diff_match_patch.DIFF_EQUAL:
            out.append(theirs[i][1][:n])  # kept by both; deleted by either (or both) is gone
        theirs[i][1], ours[j][1] = theirs[i][1][n:], ours[j][1][n:]
        position += n
        if not theirs[i][1]:
            i += 1
        if not ours[j][1]:
            j += 1
    return Merge("".join(out), tuple(conflicts))


Diffs = Sequence[tuple[int, str]]


def unchanged(text: str) -> list[tuple[int, str]]:
    """The diff that leaves `text` as it is: where composing starts."""
    return [(diff_match_patch.DIFF_EQUAL, text)] if text else []


def compose(first: Diffs, then: Diffs) -> list[tuple[int, str]]:
    """One diff from two in a row: `first` turns a text A into B, `then` turns B into C; the result turns A
    into C. Exact and linear in the diffs' size, where diffing A against C afresh costs, in a long paragraph
    that many delegates are typing into at once, the length times the number of places that changed."""
    out: list[tuple[int, str]] = []
    a = [[op, text] for op, text in first if text]
    b = [[op, text] for op, text in then if text]
    i = j = 0
    while i < len(a) or j < len(b):
        if i < len(a) and a[i][0] == diff_match_patch.DIFF_DELETE:  # gone from B: gone from C
            out.append((diff_match_patch.DIFF_DELETE, a[i][1]))
            i += 1
            continue
        if j < len(b) and b[j][0] == diff_match_patch.DIFF_INSERT:  # new in C
            out.append((diff_match_patch.DIFF_INSERT, b[j][1]))
            j += 1
            continue
        if i == len(a) or j == len(b):
            raise ValueError("the two diffs do not meet on the same text")
        n = min(len(a[i][1]), len(b[j][1]))  # B's characters: what `first` made, what `then` starts from
        piece = a[i][1][:n]
        if b[j][0] == diff_match_patch.DIFF_EQUAL:  # B's text kept: as `first` made it, kept or inserted
            out.append((a[i][0], piece))
        elif a[i][0] == diff_match_patch.DIFF_EQUAL:  # A's text that `then` deleted
            out.append((diff_match_patch.DIFF_DELETE, piece))
        # (inserted by `first`, deleted by `then`: never in A nor in C)
        a[i][1], b[j][1] = a[i][1][n:], b[j][1][n:]
        if not a[i][1]:
            i += 1
        if not b[j][1]:
            j += 1
    return out


def compose_all(text: str, diffs: Sequence[Diffs]) -> list[tuple[int, str]]:
    """One diff from diffs in a row, the first of them on `text`. Composed in pairs, then the pairs in pairs
    (composing is associative): one after the other, the growing composed diff was copied at every step,
    quadratic in the number of changes (100 changes of a 5,000-character paragraph: 18.5 ms, more than the
    14.5 of diffing the two texts afresh; in pairs, 2.2 ms)."""
    if not diffs:
        return unchanged(text)
    layer = list(diffs)
    while len(layer) > 1:
        layer = [compose(*layer[i:i + 2]) if i + 1 < len(layer) else layer[i] for i in range(0, len(layer), 2)]
    return list(layer[0])


def compose_deltas(text: str, deltas: Iterable[str]) -> tuple[str, list[tuple[int, str]]]:
    """`text` changed by each delta in turn, and the one exact diff from `text` to that result; SyncError
    when a delta does not fit the text before it."""
    start, steps = text, []
    for delta in deltas:
        steps.append(delta_diffs(text, delta))
        text = _dmp.diff_text2(steps[-1])
    return text, compose_all(start, steps)


@dataclass(frozen=True)
class TextVersion:
    """A paragraph's text after change `seq` of the draft, with the exact diffs from its version before
    (None when they are not known)."""

    seq: int
    text: str
    diffs: Diffs | None = None


def version_at(versions: Sequence[TextVersion], seq: int) -> tuple[str, list[tuple[int, str]] | None] | None:
    """From a paragraph's versions (oldest first, consecutive): its text after change `seq`, and the exact
    diffs from that text to the newest (None when a link is unknown: the caller diffs the two texts);
    None when `seq` is older than them all."""
    for index in range(len(versions) - 1, -1, -1):
        if versions[index].seq <= seq:
            text = versions[index].text
            steps = [versions[k].diffs for k in range(index + 1, len(versions))]  # a deque does not slice
            if any(step is None for step in steps):
                return text, None
            return text, compose_all(text, steps)
    return None


def rebase(old: str, new: str, onto: str, onto_diffs: Sequence[tuple[int, str]] | None = None) -> str:
    """Carry the change from `old` to `new` over to `onto` (another version of `old`, reached by
    `onto_diffs` when they are known exactly)."""
    if old == new:
        return onto
    if old == onto:
        return new
    return merge3(old, onto_diffs if onto_diffs is not None else diff(old, onto), diff(old, new)).text


def merge(base: str, mine: str, current: str, theirs: Diffs | None = None) -> Merge:
    """The client changed `base` into `mine`; others have since changed it into `current` (by `theirs`,
    when those diffs are known exactly)."""
    if base == current:
        return Merge(mine)
    return merge3(base, theirs if theirs is not None else diff(base, current), diff(base, mine))


def check_text(text: str, what: str = "A paragraph") -> str:
    check_length(text, what)
    _check_characters(text)
    return text


def check_length(text: str, what: str = "A paragraph") -> str:
    if len(text) > MAX_PARAGRAPH_CHARS:
        raise SyncError(
            "paragraph_too_long",
            f"{what} may hold at most {MAX_PARAGRAPH_CHARS:,} characters; this one would hold {len(text):,}.",
            MAX_PARAGRAPH_CHARS,
        )
    return text


def _check_characters(text: str) -> None:
    if _CONTROL.search(text):
        raise SyncError("bad_text", "Paragraph text cannot hold line breaks or control characters.")


# -- requests ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """A change as a client sends it: who (client, cseq), on what (base, paragraph), and what."""

    client: str
    cseq: int
    base: int
    op: str
    paragraph: str
    generation: str = ""  # the document's generation the base belongs to
    delta: str | None = None  # text
    kind: ParagraphKind | None = None  # insert
    level: int | None = None  # insert, level
    position: int | None = None  # insert, move: index in the draft (for move: without the moved block)
    text: str = ""  # insert
    review: str | None = None  # reject, accept: the change of the redline reviewed...
    since: int | None = None  # ...in the redline since this change of the log

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {"client": self.client, "cseq": self.cseq, "base": self.base,
                                "generation": self.generation, "op": self.op, "paragraph": self.paragraph}
        if self.op == TEXT:
            wire["delta"] = self.delta
        if self.op == INSERT:
            wire.update(kind=self.kind.value if self.kind else None, text=self.text)
        if self.op in (INSERT, LEVEL):
            wire["level"] = self.level
        if self.op in (INSERT, MOVE):
            wire["position"] = self.position
        if self.op in REVIEWS:
            wire.update(change=self.review, since=self.since)
        return wire


def checked(payload: Mapping[str, Any], name: str, kind: type, required: bool = True) -> Any:
    """`payload[name]` when it has the type `kind` (a bool is never a number); SyncError otherwise."""
    value = payload.get(name)
    if value is None and not required:
        return None
    if kind is int and isinstance(value, bool):
        value = None  # True is an int to Python, never a number here
    if not isinstance(value, kind):
        raise SyncError("bad_request", f'"{name}" must be {"a number" if kind is int else "a string"}.')
    return value


def parse_request(payload: Any) -> Request:
    """Validate a change message's shape, types and sizes; a SyncError names what is wrong."""
    if not isinstance(payload, Mapping):
        raise SyncError("bad_request", "A change is a JSON object.")
    client = checked(payload, "client", str)
    if not _CLIENT.match(client):
        raise SyncError("bad_request", '"client" is 1 to 64 letters, digits or "_.:-".')
    cseq, base = checked(payload, "cseq", int), checked(payload, "base", int)
    if cseq < 1 or base < 0:
        raise SyncError("bad_request", '"cseq" counts from 1 and "base" from 0.')
    op = checked(payload, "op", str)
    if op not in OPS:
        raise SyncError("bad_request", f'"op" is one of {", ".join(OPS)}.')
    uid = checked(payload, "paragraph", str)
    if not _UID.match(uid):
        raise SyncError("bad_request", '"paragraph" is a paragraph id of 1 to 32 letters, digits, "-" or "_".')
    generation = checked(payload, "generation", str)
    if len(generation) > MAX_ID_LENGTH:
        raise SyncError("bad_request", '"generation" is the id the draft had when the client joined.')
    request = Request(client=client, cseq=cseq, base=base, op=op, paragraph=uid, generation=generation)
    if op == TEXT:
        return replace(request, delta=checked(payload, "delta", str))
    if op in REVIEWS:
        review, since = checked(payload, "change", str), checked(payload, "since", int)
        if not _REVIEWED.match(review) or since < 0:
            raise SyncError("bad_request", '"change" names a change of the redline ("i12.0", or "a12" for a '
                                           'paragraph\'s own) and "since" the change of the log it is shown since.')
        return replace(request, review=review, since=since)
    if op in (INSERT, LEVEL):
        level = checked(payload, "level", int)
        if not 0 <= level <= document.MAX_LEVEL:
            raise SyncError("bad_request", f'"level" is 0 to {document.MAX_LEVEL}.')
        request = replace(request, level=level)
    if op in (INSERT, MOVE):
        position = checked(payload, "position", int)
        if position < 0:
            raise SyncError("bad_request", '"position" counts from 0.')
        request = replace(request, position=position)
    if op == INSERT:
        try:
            kind = ParagraphKind(checked(payload, "kind", str))
        except ValueError:
            raise SyncError("bad_request", '"kind" is "preambular" or "operative".') from None
        text = checked(payload, "text", str, required=False) or ""
        request = replace(request, kind=kind, text=check_text(text))
    return request


# -- changes (the log) ---------------------------------------------------------------------------


_CHANGE_FIELDS = frozenset({"seq", "op", "paragraph", "client", "cseq", "delta", "text", "layout"})


@dataclass(frozen=True)
class Change:
    """One entry of the draft's log, as every replica receives it.

    A text change carries the delta from the paragraph's previous text to its new one; a structural change
    carries the whole outline after it (`layout`: id, kind, level of every paragraph in order), and an
    insert the new paragraph's text.
    """

    seq: int
    op: str
    paragraph: str
    client: str | None = None
    cseq: int | None = None
    delta: str | None = None
    text: str | None = None
    layout: tuple[tuple[str, str, int], ...] | None = None
    author: Mapping[str, Any] = field(default_factory=dict)  # delegation, colour, user, at

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {"seq": self.seq, "op": self.op, "paragraph": self.paragraph,
                                "client": self.client, "cseq": self.cseq, **self.author}
        if self.delta is not None:
            wire["delta"] = self.delta
        if self.text is not None:
            wire["text"] = self.text
        if self.layout is not None:
            wire["layout"] = [list(entry) for entry in self.layout]
        return wire

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> Change:
        layout = wire.get("layout")
        known = _CHANGE_FIELDS
        return cls(
            seq=wire["seq"], op=wire["op"], paragraph=wire["paragraph"], client=wire.get("client"),
            cseq=wire.get("cseq"), delta=wire.get("delta"), text=wire.get("text"),
            layout=tuple((uid, kind, level) for uid, kind, level in layout) if layout is not None else None,
            author={k: v for k, v in wire.items() if k not in known},
        )


def layout_of(paragraphs: Iterable[Paragraph]) -> tuple[tuple[str, str, int], ...]:
    return tuple((p.uid, p.kind.value, p.level) for p in paragraphs)


@dataclass(frozen=True)
class TextOutcome:
    text: str
    delta: str  # from the current text to the new one, for the log
    conflicts: tuple[str, ...]
    diffs: Diffs = ()  # the delta's diffs


def apply_text(request: Request, base_text: str, current_text: str, theirs: Diffs | None = None) -> TextOutcome:
    """The server's half of a text change: the client's text from its base, merged into the current one
    (`theirs`: the exact diffs from the base to the current text, when they are known)."""
    diffs = delta_diffs(base_text, request.delta or "")
    # The texts in the log hold no control characters, so only what this change inserts is searched for
    # them (the whole paragraph, twice, cost 50 us a keystroke in a 5,000-character one).
    _check_characters("".join(text for op, text in diffs if op == diff_match_patch.DIFF_INSERT))
    mine = check_length(_dmp.diff_text2(diffs))
    merged = merge(base_text, mine, current_text, theirs)
    check_length(merged.text)
    # Nothing happened in between: the log carries the author's own change as made (it says which words
    # were replaced, where a diff of the result could pair up letters across them), re-encoded the one way
    # every client decodes, whatever escapes the author's client chose.
    if base_text != current_text:
        diffs = diff(current_text, merged.text)
    return TextOutcome(merged.text, _dmp.diff_toDelta(diffs), merged.conflicts, tuple(diffs))


def apply_structure(request: Request, paragraphs: Sequence[Paragraph]) -> list[Paragraph]:
    """The outline after a structural change, or SyncError saying why it cannot be made."""
    try:
        if request.op == INSERT:
            if any(p.uid == request.paragraph for p in paragraphs):
                raise SyncError("bad_request", f"There is already a paragraph {request.paragraph}.")
            if len(paragraphs) >= MAX_PARAGRAPHS:
                raise SyncError("too_many_paragraphs",
                                f"A draft may hold at most {MAX_PARAGRAPHS:,} paragraphs.", MAX_PARAGRAPHS)
            new = Paragraph(request.paragraph, request.kind, request.level or 0, request.text)
            return document.insert_paragraph(paragraphs, min(request.position or 0, len(paragraphs)), new)
        if request.op == DELETE:
            if len(paragraphs) <= 1:
                raise SyncError("bad_request", "A draft keeps at least one paragraph.")
            return document.delete_paragraph(paragraphs, request.paragraph)
        if request.op == MOVE:
            return document.move_paragraph(paragraphs, request.paragraph, request.position or 0)
        if request.op == LEVEL:
            return document.set_level(paragraphs, request.paragraph, request.level or 0)
    except DocumentError as error:
        raise SyncError("bad_structure", f"That change would break the draft's outline: {error}.") from None
    raise SyncError("bad_request", f"{request.op} is not a structural change.")


def stale_generation() -> SyncError:
    return SyncError("generation", "The draft was rebuilt since you joined it: reload it before editing.")


def missing_paragraph(uid: str) -> SyncError:
    return SyncError("no_paragraph", f"There is no paragraph {uid} in this draft (it may have been deleted).")


# -- the reference server ------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """What the author of a change hears back once it is committed (or refused)."""

    ok: bool
    seq: int | None = None
    conflicts: tuple[str, ...] = ()
    duplicate: bool = False
    error: SyncError | None = None

    def to_wire(self) -> dict[str, Any]:
        if not self.ok:
            assert self.error is not None
            return {"ok": False, "error": self.error.to_wire()}
        wire: dict[str, Any] = {"ok": True, "seq": self.seq}
        if self.conflicts:
            wire["conflicts"] = list(self.conflicts)
        if self.duplicate:
            wire["duplicate"] = True
        return wire


class ServerDocument:
    """The server's side of one draft, in memory: the order of the log, the merge, exactly-once.

    `editor.services.sync` does the same on the database; the property tests drive this one.
    """

    def __init__(self, paragraphs: Sequence[Paragraph], generation: str = "g1"):
        self.generation = generation
        self.paragraphs = list(paragraphs)
        self.seq = 0
        self.log: list[Change] = []
        self._history: dict[str, list[TextVersion]] = {p.uid: [TextVersion(0, p.text)] for p in paragraphs}
        self._applied: dict[tuple[str, int], int] = {}

    def snapshot(self) -> dict[str, Any]:
        return snapshot_wire(self.generation, self.seq, self.paragraphs)

    def text_at(self, uid: str, seq: int) -> str:
        return next(version.text for version in reversed(self._history[uid]) if version.seq <= seq)

    def submit(self, request: Request, author: Mapping[str, Any] | None = None) -> Reply:
        done = self._applied.get((request.client, request.cseq))
        if done is not None:
            return Reply(True, done, duplicate=True)
        if request.generation != self.generation:
            return Reply(False, error=stale_generation())
        if request.base > self.seq:
            return Reply(False, error=SyncError("bad_request", "That base version is in the future."))
        if request.op in REVIEWS:  # reviewing needs the tracked history, which the database keeps
            return Reply(False, error=SyncError("bad_request", "This server keeps no tracked history."))
        try:
            change, conflicts = self._apply(request, dict(author or {}))
        except SyncError as error:
            return Reply(False, error=error)
        self.log.append(change)
        self._applied[(request.client, request.cseq)] = change.seq
        return Reply(True, change.seq, conflicts)

    def _apply(self, request: Request, author: dict[str, Any]) -> tuple[Change, tuple[str, ...]]:
        index = {p.uid: i for i, p in enumerate(self.paragraphs)}
        seq = self.seq + 1
        if request.op == TEXT:
            if request.paragraph not in index:
                raise missing_paragraph(request.paragraph)
            at = index[request.paragraph]
            current = self.paragraphs[at]
            found = version_at(self._history[request.paragraph], request.base)
            if found is None:
                raise SyncError("bad_request", "That paragraph did not exist at the base version of the change.")
            outcome = apply_text(request, found[0], current.text, found[1])
            self.paragraphs[at] = replace(current, text=outcome.text)
            self._history[request.paragraph].append(TextVersion(seq, outcome.text, outcome.diffs))
            self.seq = seq
            change = Change(seq, TEXT, request.paragraph, request.client, request.cseq,
                            delta=outcome.delta, author=author)
            return change, outcome.conflicts
        if request.op != INSERT and request.paragraph not in index:
            raise missing_paragraph(request.paragraph)
        self.paragraphs = apply_structure(request, self.paragraphs)
        if request.op == INSERT:
            self._history[request.paragraph] = [TextVersion(seq, request.text or "")]
        self.seq = seq
        change = Change(seq, request.op, request.paragraph, request.client, request.cseq,
                        text=request.text if request.op == INSERT else None,
                        layout=layout_of(self.paragraphs), author=author)
        return change, ()

    def changes_since(self, seq: int) -> list[Change]:
        return self.log[seq:]

    def join(self, client: str | None = None, since: int | None = None,
             generation: str | None = None) -> dict[str, Any]:
        """What `join` answers: the log since `since`, or the whole text; and the client's last applied cseq."""
        applied = max((cseq for (c, cseq) in self._applied if c == client), default=0)
        if since is not None and generation == self.generation and 0 <= since <= self.seq:
            return {"generation": self.generation, "seq": self.seq, "applied": applied,
                    "changes": [c.to_wire() for c in self.changes_since(since)]}
        return {**self.snapshot(), "applied": applied}


def snapshot_wire(generation: str, seq: int, paragraphs: Iterable[Paragraph]) -> dict[str, Any]:
    return {"generation": generation, "seq": seq,
            "paragraphs": [{"id": p.uid, "kind": p.kind.value, "level": p.level, "text": p.text}
                           for p in paragraphs]}


# -- the client state machine --------------------------------------------------------------------


@dataclass
class _Para:
    kind: str
    level: int
    shadow: str  # the server's text at the replica's seq
    local: str  # what the delegate sees: the shadow plus edits not yet in the log


@dataclass
class _InFlight:
    request: Request
    sent: str | None = None  # for text: the local text it carried, kept rebased on what arrives since


class Replica:
    """One delegate's copy of a draft: local edits, one change in flight, the log applied in order.

    Nothing here touches a socket: `outgoing()` gives the next message to send, `receive()` takes the log,
    `on_reply()` the server's answer to the change in flight, `on_reconnect()` says what to send again.
    """

    def __init__(self, client: str, snapshot: Mapping[str, Any]):
        self.client = client
        self.next_cseq = 1
        self.inflight: _InFlight | None = None
        self.intents: list[Request] = []  # structural changes waiting their turn
        self.problems: list[dict[str, Any]] = []  # conflicts and refusals, for the delegate to see
        self._sent: dict[int, str] = {}  # cseq -> paragraph, until the reply comes
        self.load(snapshot)

    # state ----------------------------------------------------------------------------------
    def load(self, snapshot: Mapping[str, Any]) -> None:
        self.generation: str = snapshot["generation"]
        self.seq: int = snapshot["seq"]
        self.order: list[str] = [p["id"] for p in snapshot["paragraphs"]]
        self.paras: dict[str, _Para] = {
            p["id"]: _Para(p["kind"], p["level"], p["text"], p["text"]) for p in snapshot["paragraphs"]
        }
        self.buffer: dict[int, Change] = {}

    def text(self, uid: str) -> str:
        return self.paras[uid].local

    def document(self) -> list[tuple[str, str, int, str]]:
        return [(uid, self.paras[uid].kind, self.paras[uid].level, self.paras[uid].local) for uid in self.order]

    def pending(self) -> int:
        """Changes not yet in the log: the one in flight, structural intents, paragraphs with unsent text."""
        flying = self.inflight.request.paragraph if self.inflight and self.inflight.sent is not None else None
        unsent = sum(1 for uid in self.order if self.paras[uid].local != (
            self.inflight.sent if uid == flying else self.paras[uid].shadow))
        return (1 if self.inflight else 0) + len(self.intents) + unsent

    @property
    def has_gap(self) -> bool:
        return bool(self.buffer)

    # local intents ----------------------------------------------------------------------------
    def edit(self, uid: str, text: str) -> None:
        """The delegate's paragraph now reads `text`."""
        self.paras[uid].local = text

    def structure(self, op: str, uid: str, **args: Any) -> None:
        """Insert, delete, move or indent: ordered by the server, shown when the log brings it back."""
        if isinstance(args.get("kind"), str):
            args["kind"] = ParagraphKind(args["kind"])
        self.intents.append(Request(client=self.client, cseq=0, base=0, op=op, paragraph=uid, **args))

    def outgoing(self) -> dict[str, Any] | None:
        """The next change to send, if none is in flight."""
        if self.inflight is not None:
            return None
        if self.intents:
            intent = self.intents.pop(0)
            request = replace(intent, cseq=self._take_cseq(), base=self.seq, generation=self.generation)
            self.inflight = _InFlight(request)
            self._sent[request.cseq] = request.paragraph
            return request.to_wire()
        for uid in self.order:
            para = self.paras[uid]
            if para.local != para.shadow:
                request = Request(self.client, self._take_cseq(), self.seq, TEXT, uid, self.generation,
                                  delta=make_delta(para.shadow, para.local))
                self.inflight = _InFlight(request, sent=para.local)
                self._sent[request.cseq] = uid
                return request.to_wire()
        return None

    def _take_cseq(self) -> int:
        cseq = self.next_cseq
        self.next_cseq += 1
        return cseq

    # what comes back --------------------------------------------------------------------------
    def receive(self, changes: Iterable[Mapping[str, Any] | Change]) -> None:
        """Apply the log in order; a change from the future waits in the buffer for the ones before it."""
        for item in changes:
            change = item if isinstance(item, Change) else Change.from_wire(item)
            if change.seq > self.seq:
                self.buffer[change.seq] = change
        while self.seq + 1 in self.buffer:
            change = self.buffer.pop(self.seq + 1)
            if not self._others_in_my_typing(change):
                self._apply(change)
                continue
            run = [change]  # and the others' changes to the same paragraph right after it
            while self._others_in_my_typing(self.buffer.get(self.seq + len(run) + 1), change.paragraph):
                run.append(self.buffer.pop(self.seq + len(run) + 1))
            self._carry_over(run)
        for seq in [s for s in self.buffer if s <= self.seq]:
            del self.buffer[seq]

    def _others_in_my_typing(self, change: Change | None, paragraph: str | None = None) -> bool:
        """Whether `change` (in `paragraph`, if given) is another's text change of a paragraph where this
        replica has typing of its own to carry over."""
        if change is None or change.op != TEXT or self._mine(change) or change.paragraph not in self.paras:
            return False
        if paragraph is not None and change.paragraph != paragraph:
            return False
        para = self.paras[change.paragraph]
        return para.local != para.shadow or self._sent_in(change.paragraph)

    def _sent_in(self, uid: str) -> bool:
        return bool(self.inflight and self.inflight.sent is not None and self.inflight.request.paragraph == uid)

    def _carry_over(self, run: list[Change]) -> None:
        """Others' changes in a row, in one paragraph where this replica has typing of its own: their exact
        diffs composed into one, and the typing (sent and unsent) carried over once."""
        uid = run[0].paragraph
        para = self.paras[uid]
        old = shadow = para.shadow
        composed = unchanged(old)
        for change in run:
            diffs = delta_diffs(shadow, change.delta or "")
            shadow = _dmp.diff_text2(diffs)
            composed = compose(composed, diffs)
        para.shadow = shadow
        if self._sent_in(uid):
            assert self.inflight is not None and self.inflight.sent is not None
            self.inflight.sent = rebase(old, self.inflight.sent, shadow, composed)
        para.local = rebase(old, para.local, shadow, composed)
        self.seq = run[-1].seq

    def _mine(self, change: Change) -> bool:
        return (self.inflight is not None and change.client == self.client
                and change.cseq == self.inflight.request.cseq)

    def _apply(self, change: Change) -> None:
        mine = self._mine(change)
        if change.op == TEXT:
            para = self.paras[change.paragraph]
            para.shadow = apply_delta(para.shadow, change.delta or "")
            if mine:  # my change back, as the server merged it: my typing since goes on top
                assert self.inflight is not None and self.inflight.sent is not None
                para.local = rebase(self.inflight.sent, para.local, para.shadow)
            else:  # nothing of mine in this paragraph (receive sends those to _carry_over)
                para.local = para.shadow
        else:
            self._apply_layout(change)
        if mine:
            self.inflight = None
        self.seq = change.seq

    def _apply_layout(self, change: Change) -> None:
        assert change.layout is not None
        if change.op == INSERT:
            text = change.text or ""
            self.paras[change.paragraph] = _Para("", 0, text, text)
        kept = {uid for uid, _, _ in change.layout}
        for uid in [uid for uid in self.paras if uid not in kept]:
            para = self.paras.pop(uid)
            if para.local != para.shadow:
                self.problems.append({"code": "deleted", "paragraph": uid, "lost": para.local,
                                      "message": "A paragraph you were editing was deleted."})
        for uid, kind, level in change.layout:
            self.paras[uid].kind, self.paras[uid].level = kind, level
        self.order = [uid for uid, _, _ in change.layout]

    def on_reply(self, reply: Mapping[str, Any], cseq: int) -> None:
        """The server's answer to change `cseq`: conflicts to show, a refusal to undo, or "send again".

        The change itself may have come back with the log before its reply; its conflicts still count.
        `unavailable` leaves the change in flight: the caller sends it again (`resend()`).
        """
        paragraph = self._sent.pop(cseq, None)
        if reply.get("ok"):
            for hunk in reply.get("conflicts") or ():
                self.problems.append({"code": "conflict", "paragraph": paragraph, "hunk": hunk,
                                      "message": "Part of your change no longer fitted the text."})
            return  # the change itself arrives, in order, with the log
        error = reply.get("error") or {}
        inflight = self.inflight
        if inflight is None or inflight.request.cseq != cseq:
            return  # an answer to a change that is no longer in flight
        if error.get("code") == "unavailable":
            self._sent[cseq] = paragraph
            return
        self.problems.append({"paragraph": paragraph, **error})
        para = self.paras.get(inflight.request.paragraph)
        if inflight.request.op == TEXT and para is not None:
            para.local = para.shadow  # refused: the paragraph goes back to the agreed text
        self.inflight = None

    def resend(self) -> dict[str, Any] | None:
        """The change in flight, unchanged, to send again (a change sent twice is applied once)."""
        return self.inflight.request.to_wire() if self.inflight else None

    def join_request(self) -> dict[str, Any]:
        """What to ask when (re)joining: the log since what this replica has applied."""
        return {"client": self.client, "since": self.seq, "generation": self.generation}

    def on_join(self, reply: Mapping[str, Any]) -> None:
        """Take the server's answer to a (re)join: the changes missed, or the whole text.

        `applied` is the last cseq of this client the server holds: a change in flight at or below it was
        applied before the connection dropped. When the whole text comes back (the log was too long to
        replay) local edits are carried over onto it; when it comes from another generation (the draft was
        rebuilt) nothing is merged: unsent text is reported as lost and the new text is taken as it is.
        """
        applied = reply.get("applied", 0)
        if "changes" in reply:
            self.receive(reply["changes"])
            return
        inflight = self.inflight
        if reply["generation"] != self.generation:
            for uid in self.order:
                para = self.paras[uid]
                if para.local != para.shadow:
                    self.problems.append({"code": "generation", "paragraph": uid, "lost": para.local,
                                          "message": "The draft was rebuilt elsewhere; this edit was not merged."})
            self.inflight, self.intents = None, []
            self.load(reply)
            return
        old = {uid: (p.shadow, p.local) for uid, p in self.paras.items()}
        self.load(reply)
        for uid, para in self.paras.items():
            if uid not in old:
                continue
            shadow, local = old[uid]
            if inflight and inflight.sent is not None and inflight.request.paragraph == uid \
                    and inflight.request.cseq <= applied:
                shadow = inflight.sent  # already in the text: carry over only what was typed after it
            para.local = rebase(shadow, local, para.shadow)
        if inflight and (inflight.request.cseq <= applied or inflight.sent is not None):
            # Applied already, or (text) carried into the local text above, to be sent afresh from there.
            self.inflight = None

    def on_reconnect(self) -> dict[str, Any] | None:
        """After a lost connection and `on_join`, the change still in flight goes again, unchanged."""
        return self.resend()
