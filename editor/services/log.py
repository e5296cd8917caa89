"""The draft's log on the database: the revisions table read back as the changes the sync engine
broadcasts, and the tracked history replayed from it (`editor.domain.draft_history`)."""

from __future__ import annotations

import gc
import json
import logging
import threading
import weakref
import zlib
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from editor.domain import sync
from editor.domain.draft_history import DraftHistory, mark_of
from editor.domain.revisions import RevisionError
from editor.domain.sync import Change
from editor.persistence.models import Delegation, HistorySnapshot, Revision, RevisionKind, User, utcnow
from editor.services import give_way

log = logging.getLogger(__name__)

KIND_OF_OP = {sync.TEXT: RevisionKind.EDIT, sync.INSERT: RevisionKind.INSERT, sync.DELETE: RevisionKind.DELETE,
              sync.MOVE: RevisionKind.MOVE, sync.LEVEL: RevisionKind.LEVEL, sync.REJECT: RevisionKind.REJECT,
              sync.ACCEPT: RevisionKind.ACCEPT}
# A review reaches the replicas as the text change it makes (an acceptance: none, the whole text kept).
OP_OF_KIND = {**{kind: op for op, kind in KIND_OF_OP.items()}, RevisionKind.REJECT: sync.TEXT,
              RevisionKind.ACCEPT: sync.TEXT}
_REVIEWS = (RevisionKind.REJECT, RevisionKind.ACCEPT)  # replayed from what they record, not from their delta
Names = tuple[str | None, str | None, str | None]  # an author's delegation, its colour, the user


def names_of(user: User | None, delegation: Delegation | None) -> Names:
    return (delegation.name if delegation else None, delegation.colour if delegation else None,
            user.display_name if user else None)


def author_wire(names: Names, at: Any) -> dict[str, Any]:
    delegation, colour, user = names
    return {"delegation": delegation, "colour": colour, "user": user,
            "at": at.isoformat(timespec="milliseconds") if at else None}


def log_entries(session: Session, draft_id: int, since: int = 0,
                upto: int | None = None) -> list[tuple[Row, Change | None]]:
    """The draft's revisions after `since` (up to `upto`), each with the change as the log carries it, or
    None for one without a wire form (a paragraph created with the draft). A revision is a row of plain
    columns (seq, kind, paragraph_uid, change, result, created_at, delegation): a long log is read back
    without building an object per revision."""
    query = (select(Revision.seq, Revision.kind, Revision.paragraph_uid, Revision.client_id, Revision.client_seq,
                    Revision.change, Revision.result, Revision.created_at, User.display_name.label("user"),
                    Delegation.name.label("delegation"), Delegation.colour.label("colour"))
             .outerjoin(User, Revision.user_id == User.id)
             .outerjoin(Delegation, Revision.delegation_id == Delegation.id)
             .where(Revision.draft_id == draft_id, Revision.seq > since))
    if upto is not None:
        query = query.where(Revision.seq <= upto)
    entries: list[tuple[Row, Change | None]] = []
    step = give_way.stepper()
    for revision in session.connection().execute(query.order_by(Revision.seq)):  # Core: a row at a time
        step()
        stored = json.loads(revision.change)
        # a review is the change it made: a text change, an outline change, or (an acceptance) nothing
        op = stored.get("op", sync.TEXT) if revision.kind in _REVIEWS else OP_OF_KIND.get(revision.kind)
        if op is None or (op != sync.TEXT and "layout" not in stored):
            entries.append((revision, None))
            continue
        layout = tuple(tuple(entry) for entry in stored["layout"]) if "layout" in stored else None
        entries.append((revision, Change(
            revision.seq, op, revision.paragraph_uid or "", revision.client_id, revision.client_seq,
            delta=stored.get("delta"), text=revision.result if op == sync.INSERT else None, layout=layout,
            author=author_wire((revision.delegation, revision.colour, revision.user), revision.created_at))))
    return entries


def history(session: Session, draft_id: int, upto: int | None = None, generation: str | None = None) -> DraftHistory:
    """The draft's tracked history from its first revision up to change `upto` (all of it by default). With
    the draft's `generation`, from its stored snapshot when that is not past `upto`: the log after it only."""
    if generation is not None and upto is not None:
        tracked, _ = _from_snapshot(session, draft_id, generation, upto)
    else:
        tracked = DraftHistory([])
    _catch_up(tracked, session, draft_id, upto)
    return tracked


_quiet = {"inside": 0, "was_on": False}  # requests inside no_cycle_collection (they take turns: give_way)


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Reading a log, building a history, or a redline of it, makes tens of thousands of small objects at
    once, none of them garbage: the cyclic collector would walk the whole heap (long histories included) again
    and again meanwhile, for more than half the time, and one such walk held the event loop for 100 ms. They
    are acyclic: reference counting frees them all the same. The collector comes back when the last request
    inside is done."""
    if _quiet["inside"] == 0:
        _quiet["was_on"] = gc.isenabled()
        gc.disable()
    _quiet["inside"] += 1
    try:
        yield
    finally:
        _quiet["inside"] -= 1
        if _quiet["inside"] == 0 and _quiet["was_on"]:
            gc.enable()


def _replay(tracked: DraftHistory, draft_id: int, entries: list[tuple[Row, Change | None]]) -> None:
    step = give_way.stepper()
    for revision, change in entries:
        step()
        stored = json.loads(revision.change) if revision.kind in _REVIEWS or change is None else {}
        if revision.kind is RevisionKind.CREATE:
            layout = list(tracked.layout_at(tracked.seq))
            layout.insert(stored["position"], (revision.paragraph_uid, stored["kind"], stored["level"]))
            change = Change(revision.seq, sync.INSERT, revision.paragraph_uid, text=revision.result or "",
                            layout=tuple(layout), author={"delegation": revision.delegation,
                                                          "at": revision.created_at.isoformat()})
        if change is None:
            raise ValueError(f"revision {revision.seq} of draft {draft_id} has no form that can be replayed")
        if revision.kind is RevisionKind.REJECT:  # words revived keep their authors: not a plain insert
            tracked.reject(revision.paragraph_uid, stored["reject"], stored["since"], mark_of(change), change.layout)
        elif revision.kind is RevisionKind.ACCEPT:
            tracked.accept(revision.paragraph_uid, stored["accept"], stored["since"], mark_of(change))
        else:
            tracked.apply(change)


class Histories:
    """The tracked histories of the drafts last asked for, each brought up to date at every use by reading
    only the revisions it has not seen yet: a redline is a walk over the paragraphs, not a replay of the
    whole log. At most `size` drafts are kept (the least recently used goes first).

    An entry is used only for the draft generation it was built from, and dropped when the draft's log ends
    before it (a transaction that was rolled back): the log is the truth, the entry a cache of it. A
    history handed out is used under its draft's lock (`with histories.current(...) as tracked:`): a request
    that brings it up to date must not change it under another one that reads it, and fifteen delegations
    opening the Markup at once build it once. Meanwhile the one inside takes turns with the other requests
    (`give_way`), and readers of that draft wait for it; the committer never does (a writer waiting for a
    reader that waits for the loop could stop both): when a reader is inside, it builds a history of its own
    and keeps none.

    A history not in memory starts from the draft's snapshot (`HistorySnapshot`) when there is one. With
    `write_snapshots`, a history that has gone `SNAPSHOT_EVERY` changes past the stored one replaces it,
    in a transaction of its own; only readers of committed revisions may write them (the committer's
    histories run ahead of the commit).
    """

    SNAPSHOT_EVERY = 500

    def __init__(self, size: int = 8, write_snapshots: bool = False):
        self.size = size
        self.write_snapshots = write_snapshots
        self._entries: OrderedDict[int, tuple[str, DraftHistory, int]] = OrderedDict()
        # A draft's lock, held while its history is built and read; kept only while someone holds or awaits it.
        self._drafts: weakref.WeakValueDictionary[int, threading.RLock] = weakref.WeakValueDictionary()
        self._lock = threading.Lock()  # over the two dicts, for a few statements, never across a turn

    def _draft_lock(self, draft_id: int) -> threading.RLock:
        with self._lock:
            return self._drafts.setdefault(draft_id, threading.RLock())

    @contextmanager
    def current(self, session: Session, draft_id: int, generation: str, version: int) -> Iterator[DraftHistory]:
        """The history of the draft as the caller's session sees it: up to change `version` of `generation`."""
        lock = self._draft_lock(draft_id)  # readers of other drafts do not wait for this one
        if not lock.acquire(blocking=not give_way.is_held()):
            tracked, _ = _from_snapshot(session, draft_id, generation, version)
            _catch_up(tracked, session, draft_id, version)
            yield tracked
            return
        try:
            with self._lock:
                cached = self._entries.pop(draft_id, None)
            if cached and cached[0] == generation and cached[1].seq <= version:
                _, tracked, stored = cached
            else:
                tracked, stored = _from_snapshot(session, draft_id, generation, version)
            _catch_up(tracked, session, draft_id, version)
            if self.write_snapshots and tracked.seq - stored >= self.SNAPSHOT_EVERY:
                stored = _write_snapshot(session, draft_id, generation, tracked)
            yield tracked
            # kept only once the caller is done with it: a failure on the way leaves nothing half-built
            with self._lock:
                self._entries[draft_id] = (generation, tracked, stored)
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
        finally:
            lock.release()

    def forget(self) -> None:
        with self._lock:
            self._entries.clear()


def _catch_up(tracked: DraftHistory, session: Session, draft_id: int, version: int | None) -> None:
    """`tracked` brought up to change `version` (the end of the log if None): the log after it, read and
    replayed with the collector off."""
    if version is None or tracked.seq < version:
        with no_cycle_collection():
            _replay(tracked, draft_id, log_entries(session, draft_id, tracked.seq, version))


def _from_snapshot(session: Session, draft_id: int, generation: str, version: int) -> tuple[DraftHistory, int]:
    """The draft's stored snapshot when it fits (this generation, not past `version`, a format this code
    reads), and its seq; else an empty history."""
    row = session.execute(select(HistorySnapshot.seq, HistorySnapshot.state).where(
        HistorySnapshot.draft_id == draft_id, HistorySnapshot.generation == generation,
        HistorySnapshot.seq <= version)).first()
    if row is not None:
        try:
            with no_cycle_collection():
                return DraftHistory.from_state(_decoded(row.state), give_way.stepper()), row.seq
        except (RevisionError, ValueError, KeyError, TypeError, zlib.error):
            log.warning("the history snapshot of draft %s does not read; replaying its log", draft_id, exc_info=True)
    return DraftHistory([]), 0


# A snapshot is stored as compressed JSON lines: the history's state without its tracks, then a track a line
# (a paragraph's pieces), so that writing and reading it take turns with the keystrokes (give_way) between
# lines and chunks; one JSON document of 1.5 MB took 60-200 ms to write and as long to read, in one call.
# A snapshot of one line (the whole state: how they were written before) reads the same.
CHUNK = 1 << 17


def _encoded(state: dict[str, Any]) -> bytes:
    step = give_way.stepper()
    rest = {key: value for key, value in state.items() if key != "tracks"}
    lines = [json.dumps(rest, ensure_ascii=False, separators=(",", ":"))]
    for track in state["tracks"]:
        step()
        lines.append(json.dumps(track, ensure_ascii=False, separators=(",", ":")))
    text = "\n".join(lines).encode()
    compressor, out = zlib.compressobj(1), []
    for start in range(0, len(text), CHUNK):
        step()
        out.append(compressor.compress(text[start:start + CHUNK]))
    out.append(compressor.flush())
    return b"".join(out)


def _decoded(stored: bytes) -> dict[str, Any]:
    step = give_way.stepper()
    decompressor, out = zlib.decompressobj(), []
    for start in range(0, len(stored), CHUNK // 4):
        step()
        out.append(decompressor.decompress(stored[start:start + CHUNK // 4]))
    out.append(decompressor.flush())
    first, *tracks = b"".join(out).split(b"\n")  # compact JSON has no raw newline
    state = json.loads(first)
    if tracks or "tracks" not in state:
        state["tracks"] = []
        for line in tracks:
            step()
            state["tracks"].append(json.loads(line))
    return state


def _write_snapshot(session: Session, draft_id: int, generation: str, tracked: DraftHistory) -> int:
    """Replace the draft's snapshot with `tracked`; returns the seq now stored (the old one if it failed)."""
    with no_cycle_collection():
        state = _encoded(tracked.state(give_way.stepper()))
    try:
        with session.get_bind().connect() as connection, connection.begin():
            table = HistorySnapshot.__table__
            connection.execute(table.delete().where(table.c.draft_id == draft_id))
            connection.execute(table.insert().values(draft_id=draft_id, generation=generation, seq=tracked.seq,
                                                     state=state, created_at=utcnow()))
    except SQLAlchemyError:  # another process wrote it meanwhile, or the database is busy: next time
        log.warning("the history snapshot of draft %s was not written", draft_id, exc_info=True)
        return 0
    return tracked.seq
