"""A draft's tracked history, rebuilt from its log (`editor.domain.sync.Change`): every paragraph's
attributed text (`editor.domain.revisions`), when each paragraph was added, deleted or moved and by whom,
the whole text as it stood after any change, and the draft's redline against any baseline.

A paragraph keeps its history whatever happens to the outline: moving or indenting it changes its place,
not its text, so the attribution of its characters survives every move.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from editor.domain.document import Paragraph
from editor.domain.revisions import AttributedText, Kind, Mark, Piece, RevisionError, Segment
from editor.domain.sync import INSERT, MOVE, TEXT, Change

Layout = tuple[tuple[str, str, int], ...]  # (uid, kind, level) in order, as the log carries it
# Called between two steps of a long walk (a paragraph of a snapshot or a redline): where the caller shares
# its thread with others, it may let them run there (`editor.services.give_way`).
Step = Callable[[], None]


def _no_step() -> None:
    pass


class Status(str, Enum):
    KEPT = "kept"
    ADDED = "added"
    DELETED = "deleted"
    MOVED = "moved"


@dataclass
class Track:
    """One paragraph's life: its attributed text, and the changes that added, deleted and last moved it;
    whether the penholder accepted its addition and its deletion, and which move (its seq) was accepted."""

    uid: str
    text: AttributedText
    added: Mark
    deleted: Mark | None = None
    moved: Mark | None = None
    added_accepted: bool = False
    deleted_accepted: bool = False
    moved_accepted: int = 0


@dataclass(frozen=True)
class ParagraphRedline:
    uid: str
    kind: str
    level: int
    status: Status
    mark: Mark | None  # who added, deleted or moved it; None when it kept its place
    segments: tuple[Segment, ...]

    @property
    def id(self) -> str | None:
        """The name of the paragraph's own change (added, deleted, moved) for review: "a12", "d14", "m13";
        None when it has none (kept, or displaced by others' moves)."""
        if self.status is Status.KEPT or self.mark is None:
            return None
        return f"{'adm'[(Status.ADDED, Status.DELETED, Status.MOVED).index(self.status)]}{self.mark.seq}"


def _block(layout: Layout, uid: str) -> list[str]:
    """The paragraph `uid` with its sub-paragraphs, as they stand in `layout`."""
    index = next(i for i, (other, _, _) in enumerate(layout) if other == uid)
    end = index + 1
    while end < len(layout) and layout[end][2] > layout[index][2]:
        end += 1
    return [other for other, _, _ in layout[index:end]]


def _moved_since(track: Track, since: int) -> bool:
    """Whether a change after `since` moved it, and the penholder has not accepted that move."""
    return track.moved is not None and track.moved.seq > since and track.moved_accepted != track.moved.seq


def mark_of(change: Change) -> Mark:
    return Mark(change.seq, change.author.get("delegation"), change.author.get("at"))


class DraftHistory:
    def __init__(self, paragraphs: Sequence[Paragraph], mark: Mark | None = None):
        mark = mark or Mark(0)
        self.seq = mark.seq
        self.tracks = {p.uid: Track(p.uid, AttributedText(p.text, mark), mark) for p in paragraphs}
        # The outline after each structural change, oldest first (seqs ascending).
        self._layouts: list[tuple[int, Layout]] = [(mark.seq, tuple((p.uid, p.kind.value, p.level)
                                                                      for p in paragraphs))]

    @classmethod
    def replay(cls, paragraphs: Sequence[Paragraph], log: Iterable[Change], mark: Mark | None = None):
        history = cls(paragraphs, mark)
        for change in log:
            history.apply(change)
        return history

    def apply(self, change: Change) -> None:
        """The next change of the log, in order."""
        if change.seq != self.seq + 1:
            raise RevisionError(f"change {change.seq} does not follow change {self.seq}")
        mark = mark_of(change)
        if change.op == TEXT:
            track = self.tracks.get(change.paragraph)
            if track is None or track.deleted is not None:
                raise RevisionError(f"change {change.seq} edits a paragraph that is not there")
            track.text.apply_delta(change.delta or "", mark)
        else:
            if change.layout is None:
                raise RevisionError(f"structural change {change.seq} carries no outline")
            if change.op == INSERT:
                self.tracks[change.paragraph] = Track(change.paragraph, AttributedText(change.text or "", mark), mark)
            elif change.op == MOVE:
                for uid in _block(self._layouts[-1][1], change.paragraph):
                    self.tracks[uid].moved = mark
            present = {uid for uid, _, _ in change.layout}
            for uid, track in self.tracks.items():
                if track.deleted is None and uid not in present:
                    track.deleted = mark
            self._layouts.append((change.seq, tuple(change.layout)))
        self.seq = change.seq

    def reject(self, uid: str, change_id: str, since: int, mark: Mark, layout: Layout | None = None) -> str:
        """Change `mark` of the log rejects change `change_id` of paragraph `uid`'s redline since change
        `since`; returns the delta that makes to the paragraph's text. A paragraph's own change ("a12",
        "d14", "m13": see `ParagraphRedline.id`) is undone by the outline `layout` the rejection gave the
        draft: an added paragraph deleted, a deleted one back where it stood, a moved one moved back."""
        if _paragraph_level(change_id):
            paragraph = self._reviewed_paragraph(uid, change_id, since, mark)
            if layout is None:
                raise RevisionError(f"rejecting {change_id} changes the outline: the rejection carries none")
            track, present = self.tracks[uid], {other for other, _, _ in layout}
            if paragraph.status is Status.DELETED:
                track.deleted = None
            elif paragraph.status is Status.MOVED:
                track.moved = mark
            for other, other_track in self.tracks.items():
                if other_track.deleted is None and other not in present:
                    other_track.deleted = mark
            self._layouts.append((mark.seq, tuple(layout)))
            self.seq = mark.seq
            return ""
        track, change = self._reviewed(uid, change_id, since, mark)
        delta = track.text.reject(change, mark)
        self.seq = mark.seq
        return delta

    def accept(self, uid: str, change_id: str, since: int, mark: Mark) -> None:
        """Change `mark` of the log accepts change `change_id` of paragraph `uid`'s redline since change
        `since`: the text stays, and no redline shows that change any more. Accepting an added paragraph
        accepts its text too."""
        if _paragraph_level(change_id):
            paragraph = self._reviewed_paragraph(uid, change_id, since, mark)
            track = self.tracks[uid]
            if paragraph.status is Status.ADDED:
                track.added_accepted = True
                for segment in paragraph.segments:
                    if segment.kind is not Kind.KEPT:
                        track.text.accept(segment)
            elif paragraph.status is Status.DELETED:
                track.deleted_accepted = True
            else:
                track.moved_accepted = paragraph.mark.seq
        else:
            track, change = self._reviewed(uid, change_id, since, mark)
            track.text.accept(change)
        self.seq = mark.seq

    def reviewed(self, uid: str, change_id: str, since: int) -> ParagraphRedline | Segment:
        """The change of the redline since `since` that `change_id` names in paragraph `uid`, as the
        reviewer saw it; RevisionError when there is none."""
        if _paragraph_level(change_id):
            return self._reviewed_paragraph(uid, change_id, since, Mark(self.seq + 1))
        return self._reviewed(uid, change_id, since, Mark(self.seq + 1))[1]

    def _reviewed(self, uid: str, change_id: str, since: int, mark: Mark) -> tuple[Track, Segment]:
        """The paragraph and the change of its redline that change `mark` reviews; nothing changes yet."""
        if mark.seq != self.seq + 1:
            raise RevisionError(f"change {mark.seq} does not follow change {self.seq}")
        track = self.tracks.get(uid)
        if track is None or track.deleted is not None:
            raise RevisionError(f"there is no paragraph {uid} to review")
        return track, track.text.find(since, change_id)

    def _reviewed_paragraph(self, uid: str, change_id: str, since: int, mark: Mark) -> ParagraphRedline:
        if mark.seq != self.seq + 1:
            raise RevisionError(f"change {mark.seq} does not follow change {self.seq}")
        for paragraph in self.redline(since):
            if paragraph.uid == uid and paragraph.id == change_id:
                return paragraph
        raise RevisionError(f"paragraph {uid} shows no change {change_id} since change {since}")

    def place_back(self, uid: str, since: int) -> tuple[int, str, int]:
        """Where paragraph `uid` stood at change `since`, in today's outline without it (and without its
        sub-paragraphs): right after the nearest paragraph before it then that is still here, after that
        one's own sub-paragraphs; with its kind and level then. For a rejected move or deletion."""
        before = self.layout_at(since)
        index = next(i for i, (other, _, _) in enumerate(before) if other == uid)
        now = self.layout_at(self.seq)
        block = set(_block(now, uid)) if any(other == uid for other, _, _ in now) else {uid}
        rest = [entry for entry in now if entry[0] not in block]
        where = {other: i for i, (other, _, _) in enumerate(rest)}
        _, kind, level = before[index]
        for other, _, _ in reversed(before[:index]):
            if other in where:
                position = where[other] + 1
                while position < len(rest) and rest[position][2] > max(rest[where[other]][2], level):
                    position += 1
                return position, kind, level
        return 0, kind, level

    # -- a snapshot, so that a long history need not be replayed from its first change ------------------
    STATE_FORMAT = 2

    def state(self, step: Step = _no_step) -> dict[str, Any]:
        """Everything this history knows, as plain JSON values (each mark written once)."""
        marks: dict[Mark, int] = {}

        def ref(mark: Mark | None) -> int:
            return -1 if mark is None else marks.setdefault(mark, len(marks))

        def piece(p: Piece) -> list[Any]:
            return [p.text, ref(p.inserted), p.start, ref(p.deleted), int(p.insert_accepted) | 2 * p.delete_accepted]

        tracks = []
        for uid, t in self.tracks.items():
            step()
            tracks.append([uid, ref(t.added), ref(t.deleted), ref(t.moved), [piece(p) for p in t.text.pieces],
                           int(t.added_accepted) | 2 * t.deleted_accepted, t.moved_accepted])
        return {"format": self.STATE_FORMAT, "seq": self.seq, "tracks": tracks,
                "layouts": [[seq, [list(entry) for entry in layout]] for seq, layout in self._layouts],
                "marks": [[m.seq, m.delegation, m.at] for m in marks]}

    @classmethod
    def from_state(cls, state: dict[str, Any], step: Step = _no_step) -> DraftHistory:
        """The history `state()` wrote; RevisionError when it is of another format."""
        if state.get("format") != cls.STATE_FORMAT:
            raise RevisionError(f"a snapshot of format {state.get('format')!r} is not one this version reads")
        marks = [Mark(seq, delegation, at) for seq, delegation, at in state["marks"]]

        def mark(index: int) -> Mark | None:
            return None if index < 0 else marks[index]

        history = cls([])
        history.seq = state["seq"]
        history._layouts = [(seq, tuple((uid, kind, level) for uid, kind, level in layout))
                            for seq, layout in state["layouts"]]
        for uid, added, deleted, moved, pieces, accepted, moved_accepted in state["tracks"]:
            step()
            text = AttributedText()
            text.pieces = [Piece(piece_text, marks[inserted], start, mark(gone), bool(flags & 1), bool(flags & 2))
                           for piece_text, inserted, start, gone, flags in pieces]
            history.tracks[uid] = Track(uid, text, marks[added], mark(deleted), mark(moved), bool(accepted & 1),
                                        bool(accepted & 2), moved_accepted)
        return history

    def layout_at(self, seq: int) -> Layout:
        index = bisect_right([at for at, _ in self._layouts], seq) - 1
        return self._layouts[max(index, 0)][1]

    def text_at(self, seq: int) -> list[tuple[str, str]]:
        """(uid, text) of every paragraph, in order, as the draft stood right after change `seq`."""
        return [(uid, self.tracks[uid].text.text_at(seq)) for uid, _, _ in self.layout_at(seq)]

    def redline(self, since: int, step: Step = _no_step) -> list[ParagraphRedline]:
        """The draft against the baseline after change `since`, paragraph by paragraph in today's order, with
        deleted paragraphs where they stood: added, deleted and moved paragraphs show as such, and each
        paragraph's text as kept, inserted and deleted runs."""
        before, now = self.layout_at(since), self.layout_at(self.seq)
        was = {uid: i for i, (uid, _, _) in enumerate(before)}
        present = {uid for uid, _, _ in now}
        common = [uid for uid, _, _ in now if uid in was]
        # Paragraphs that a change moved since the baseline yield their place first: with A B C D and B
        # moved after C, B moved (not C); a moved block's sub-paragraphs move with it.
        heavy = len(common) + 1
        stayed = _kept_in_place([was[uid] for uid in common],
                                [1 if _moved_since(self.tracks[uid], since) else heavy for uid in common])
        out: list[ParagraphRedline] = []
        kept_index = -1
        for uid, kind, level in now:
            step()
            if uid in was:
                self._gone(out, before[kept_index + 1:was[uid]], present)
                kept_index = max(kept_index, was[uid])
            track = self.tracks[uid]
            if uid not in was:
                status, mark = (Status.KEPT, None) if track.added_accepted else (Status.ADDED, track.added)
            elif was[uid] not in stayed:
                moved = _moved_since(track, since)
                accepted = track.moved is not None and track.moved_accepted == track.moved.seq
                status, mark = (Status.KEPT, None) if accepted else (Status.MOVED, track.moved if moved else None)
            else:
                status, mark = Status.KEPT, None
            out.append(ParagraphRedline(uid, kind, level, status, mark, tuple(track.text.redline(since))))
        self._gone(out, before[kept_index + 1:], present)
        return out

    def _gone(self, out: list[ParagraphRedline], stretch: Layout, present: set[str]) -> None:
        """The paragraphs of a stretch of the baseline that are deleted now, with the text they had."""
        for uid, kind, level in stretch:
            track = self.tracks[uid]
            if uid in present or track.deleted is None or track.deleted_accepted:
                continue
            text = track.text.text_at(track.deleted.seq - 1)
            segments = (Segment(Kind.DELETED, text, track.deleted, ()),) if text else ()
            out.append(ParagraphRedline(uid, kind, level, Status.DELETED, track.deleted, segments))


def _paragraph_level(change_id: str) -> bool:
    """Whether a change of the redline is a paragraph's own ("a12") rather than of its text ("i12.0")."""
    return "." not in change_id


def _kept_in_place(values: list[int], weights: list[int]) -> set[int]:
    """The heaviest subsequence of `values` (baseline positions, in today's order) that is ascending: the
    paragraphs that kept their place; the others moved. A weighted longest increasing subsequence, with a
    Fenwick tree of the best (weight, end) over values below each one."""
    size = max(values, default=-1) + 2
    tree: list[tuple[int, int]] = [(0, -1)] * size
    previous = [-1] * len(values)
    best_end, best_weight = -1, 0
    for i, value in enumerate(values):
        found, at = (0, -1), value  # best over values < value: prefix [0, value)
        while at > 0:
            found = max(found, tree[at])
            at -= at & -at
        previous[i] = found[1]
        entry = (found[0] + weights[i], i)
        if entry[0] > best_weight:
            best_weight, best_end = entry
        at = value + 1
        while at < size:
            tree[at] = max(tree[at], entry)
            at += at & -at
    kept: set[int] = set()
    while best_end >= 0:
        kept.add(values[best_end])
        best_end = previous[best_end]
    return kept
