"""Tracked revisions of a paragraph: who wrote every character and when, who deleted what, and the redline.

A paragraph's history is a sequence of pieces in text order. A piece is a run of characters inserted by one
change (its `Mark`: the change's seq in the draft's log, the delegation, the time); a deletion does not
remove the piece but marks it deleted (a tombstone), so the text as it stood after any change is the pieces
inserted by then and not yet deleted, and the redline against any baseline is a walk over the pieces.

Every character has a stable id, (seq of the change that inserted it, its index in that change's inserted
text), so that a change of the redline can be named, accepted or rejected, and the same names hold when
the history is rebuilt from the log.

Rejecting an insertion deletes its characters (a new change, by whoever rejects); rejecting a deletion
revives the deleted characters, with their original authors. Accepting folds a change into the baseline:
the text does not change, the redline stops showing it.

Pure: standard library and diff-match-patch only. Offsets of deltas are UTF-16 code units, as on the wire.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple

from diff_match_patch import diff_match_patch

from editor.domain.sync import make_delta

_dmp = diff_match_patch()
EQUAL, INSERT, DELETE = diff_match_patch.DIFF_EQUAL, diff_match_patch.DIFF_INSERT, diff_match_patch.DIFF_DELETE


@dataclass(frozen=True, slots=True)
class Mark:
    """Who made a change, and when: its seq in the draft's log, the delegation, the time (ISO 8601)."""

    seq: int
    delegation: str | None = None
    at: str | None = None


class Piece(NamedTuple):
    """A run of characters inserted by one change, in one state. A named tuple: a long history holds tens
    of thousands of them, and a snapshot builds them all at once."""

    text: str
    inserted: Mark
    start: int = 0  # index of its first character in the text its change inserted
    deleted: Mark | None = None
    insert_accepted: bool = False
    delete_accepted: bool = False

    @property
    def live(self) -> bool:
        return self.deleted is None

    def split(self, n: int) -> tuple[Piece, Piece]:
        return (self._replace(text=self.text[:n]),
                self._replace(text=self.text[n:], start=self.start + n))

    def continues(self, other: Piece) -> bool:
        """Whether `other` is this piece's next characters, in the same state: they can be one piece."""
        # cheapest test first: most neighbours are not each other's next characters
        return (other.start == self.start + len(self.text) and other.inserted.seq == self.inserted.seq
                and other.inserted == self.inserted and other.deleted == self.deleted
                and other.insert_accepted == self.insert_accepted and other.delete_accepted == self.delete_accepted)


class Kind(str, Enum):
    KEPT = "kept"
    INSERTED = "inserted"
    DELETED = "deleted"


class Segment(NamedTuple):
    """A run of the redline: kept text, or text inserted or deleted since the baseline, by `mark`."""

    kind: Kind
    text: str
    mark: Mark | None  # the insertion's or the deletion's; None for kept text
    ranges: tuple[tuple[int, int, int], ...]  # (seq, start, length) of its characters' ids

    @property
    def id(self) -> str:
        """The name of a change of the redline: its kind and its first character's id (or, for a whole
        paragraph, the change that deleted it)."""
        if not self.ranges:
            return f"{self.kind.value[0]}{self.mark.seq if self.mark else 0}"
        seq, start, _ = self.ranges[0]
        return f"{self.kind.value[0]}{seq}.{start}"


class RevisionError(ValueError):
    """A change that does not fit the paragraph's text, or an unknown change of the redline."""


class AttributedText:
    def __init__(self, text: str = "", mark: Mark | None = None):
        self._pieces: list[Piece] = [Piece(text, mark or Mark(0))] if text else []
        self._text: str | None = text

    @property
    def pieces(self) -> list[Piece]:
        return self._pieces

    @pieces.setter
    def pieces(self, pieces: list[Piece]) -> None:
        self._pieces, self._text = pieces, None

    @property
    def text(self) -> str:
        if self._text is None:  # kept between changes: every change of a long history starts from it
            self._text = "".join(p.text for p in self._pieces if p.deleted is None)
        return self._text

    def text_at(self, seq: int) -> str:
        """The text as it stood right after change `seq` of the log."""
        return "".join(p.text for p in self.pieces
                       if p.inserted.seq <= seq and (p.deleted is None or p.deleted.seq > seq))

    def authors(self) -> list[tuple[str, Mark]]:
        """The live text in runs, each with the change that inserted it."""
        runs: list[tuple[str, Mark]] = []
        for piece in self.pieces:
            if not piece.live:
                continue
            if runs and runs[-1][1] == piece.inserted:
                runs[-1] = (runs[-1][0] + piece.text, piece.inserted)
            else:
                runs.append((piece.text, piece.inserted))
        return runs

    def author_at(self, offset: int) -> Mark | None:
        """The change that inserted the live character at `offset` (code points), or None past the end."""
        at = 0
        for piece in self._pieces:
            if piece.deleted is not None:
                continue
            if offset < at + len(piece.text):
                return piece.inserted
            at += len(piece.text)
        return None

    # -- changing the text -------------------------------------------------------------------------
    def apply_delta(self, delta: str, mark: Mark) -> None:
        """Apply a change as the log carries it (a diff-match-patch delta of the live text)."""
        try:
            diffs = _dmp.diff_fromDelta(self.text, delta)
        except (ValueError, UnicodeError) as error:
            raise RevisionError(f"the change does not fit the text ({error})") from None
        self.apply_diffs(diffs, mark)

    def apply_diffs(self, diffs: Iterable[tuple[int, str]], mark: Mark) -> None:
        """Walk the diffs over the live text: kept text stays, deleted text becomes tombstones marked with
        `mark`, inserted text is a new piece of `mark` (after the tombstones it replaces). The kept
        stretches at both ends are not walked: a keystroke in a paragraph of a long history costs the
        pieces it touches, not all of them."""
        diffs = [(op, text) for op, text in diffs if text]
        consumed = sum(len(text) for op, text in diffs if op != INSERT)
        if consumed != len(self.text):
            raise RevisionError("the change is longer than the text" if consumed > len(self.text)
                                else "the change is shorter than the text")
        new_text = "".join(text for op, text in diffs if op != DELETE)
        pieces = self._pieces
        start, end = 0, len(pieces)
        if diffs and diffs[0][0] == EQUAL:  # skip whole pieces of the kept beginning
            keep = len(diffs[0][1])
            while start < end and keep:
                if pieces[start].live:
                    if len(pieces[start].text) > keep:
                        break
                    keep -= len(pieces[start].text)
                start += 1
            diffs[0] = (EQUAL, diffs[0][1][len(diffs[0][1]) - keep:])
        if len(diffs) > 1 and diffs[-1][0] == EQUAL:  # and of the kept end
            keep = len(diffs[-1][1])
            while end > start and keep:
                if pieces[end - 1].live:
                    if len(pieces[end - 1].text) > keep:
                        break
                    keep -= len(pieces[end - 1].text)
                end -= 1
            diffs[-1] = (EQUAL, diffs[-1][1][:keep])
        queue = deque(pieces[start:end])
        out: list[Piece] = []
        inserted = 0
        for op, text in diffs:
            if op == INSERT:
                if text:
                    out.append(Piece(text, mark, inserted))
                    inserted += len(text)
                continue
            remaining = len(text)
            while remaining:
                piece = queue.popleft()
                if not piece.live:
                    out.append(piece)
                    continue
                if len(piece.text) > remaining:
                    piece, rest = piece.split(remaining)
                    queue.appendleft(rest)
                out.append(piece._replace(deleted=mark) if op == DELETE else piece)
                remaining -= len(piece.text)
        out.extend(queue)
        # only the rebuilt stretch and its two neighbours can join
        self.pieces = pieces[:max(start - 1, 0)] + _joined(pieces[max(start - 1, 0):start] + out
                                                           + pieces[end:end + 1]) + pieces[end + 1:]
        self._text = new_text

    # -- the redline -------------------------------------------------------------------------------
    def redline(self, since: int) -> list[Segment]:
        """The text against the baseline after change `since`: kept, inserted and deleted runs, each run of
        one change (accepted changes count as part of the baseline)."""
        segments: list[Segment] = []
        for piece in self.pieces:
            new = piece.inserted.seq > since and not piece.insert_accepted
            if piece.live:
                kind, mark = (Kind.INSERTED, piece.inserted) if new else (Kind.KEPT, None)
            elif piece.deleted.seq > since and not piece.delete_accepted and not new:
                kind, mark = Kind.DELETED, piece.deleted
            else:
                continue  # gone before the baseline, accepted as gone, or came and went since
            ids = (piece.inserted.seq, piece.start, len(piece.text))
            last = segments[-1] if segments else None
            # One change of the redline is a run of one kind by one delegation, however many keystrokes
            # (changes of the log) made it, as a reviewer reads it; it carries the latest of their marks.
            if last is not None and last.kind is kind and _same_author(last.mark, mark):
                latest = max(last.mark, mark, key=lambda m: m.seq) if mark else None
                segments[-1] = Segment(kind, last.text + piece.text, latest, last.ranges + (ids,))
            else:
                segments.append(Segment(kind, piece.text, mark, (ids,)))
        return segments

    def original(self, since: int) -> str:
        return "".join(s.text for s in self.redline(since) if s.kind is not Kind.INSERTED)

    def changes(self, since: int) -> list[Segment]:
        return [s for s in self.redline(since) if s.kind is not Kind.KEPT]

    def find(self, since: int, change_id: str) -> Segment:
        for segment in self.changes(since):
            if segment.id == change_id:
                return segment
        raise RevisionError(f"there is no change {change_id} in this paragraph since change {since}")

    def accept(self, change: Segment) -> None:
        """Fold `change` into the baseline: the text stays, the redline no longer shows it."""
        flag = "insert_accepted" if change.kind is Kind.INSERTED else "delete_accepted"
        self._update(change.ranges, lambda p: p._replace(**{flag: True}))

    def reject(self, change: Segment, mark: Mark) -> str:
        """Undo `change` in the text, as change `mark`: an insertion's characters are deleted, a deletion's
        revived with their original authors. Returns the delta (of the text before) that says so on the wire."""
        before = self.text
        if change.kind is Kind.INSERTED:
            self._update(change.ranges, lambda p: p._replace(deleted=mark))
        else:
            self._update(change.ranges, lambda p: p._replace(deleted=None, delete_accepted=False))
        return make_delta(before, self.text)

    def _update(self, ranges: Sequence[tuple[int, int, int]], change) -> None:
        """Apply `change` to exactly the characters `ranges` names, splitting pieces at their edges."""
        wanted = {(seq, start + i) for seq, start, length in ranges for i in range(length)}
        out: list[Piece] = []
        for piece in self.pieces:
            # cut the piece into runs that are all wanted or all not
            run_start = 0
            for i in range(1, len(piece.text) + 1):
                if i == len(piece.text) or ((piece.inserted.seq, piece.start + i) in wanted) != \
                        ((piece.inserted.seq, piece.start + run_start) in wanted):
                    part = piece._replace(text=piece.text[run_start:i], start=piece.start + run_start)
                    out.append(change(part) if (piece.inserted.seq, part.start) in wanted else part)
                    run_start = i
        self.pieces = _joined(out)


def _same_author(first: Mark | None, second: Mark | None) -> bool:
    if first is None or second is None:
        return first is second
    return first == second or (first.delegation is not None and first.delegation == second.delegation)


def _joined(pieces: Iterable[Piece]) -> list[Piece]:
    out: list[Piece] = []
    for piece in pieces:
        if out and out[-1].continues(piece):
            out[-1] = out[-1]._replace(text=out[-1].text + piece.text)
        else:
            out.append(piece)
    return out
