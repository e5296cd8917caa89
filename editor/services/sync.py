"""Live co-drafting on the database: the engine of `editor.domain.sync`, with revisions that are committed
before anyone hears of them.

`apply_batch` takes validated requests, orders each in the draft's log (the draft row is locked, so several
processes sharing PostgreSQL order their edits too), stores the attributed revision and returns what to
broadcast; the caller commits, then acknowledges and broadcasts. `join` gives a client the whole text or the
log it missed.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.orm import Session, joinedload

from editor.domain import sync
from editor.domain.document import Paragraph as DomainParagraph
from editor.domain.document import ParagraphKind
from editor.domain.draft_history import Status
from editor.domain.revisions import Mark, RevisionError
from editor.domain.sync import Change, Request, SyncError, TextVersion
from editor.persistence.models import (
    Delegation,
    Draft,
    DraftStatus,
    Membership,
    Paragraph,
    Revision,
    RevisionKind,
    User,
)
from editor.persistence.models._types import utcnow
from editor.persistence.prepared import Prepared
from editor.services.errors import NotFound
from editor.services.log import KIND_OF_OP, Histories, Names, author_wire, log_entries, names_of
from editor.services.permissions import Action, decide

# Beyond this many missed changes a reconnecting client gets the whole text instead of the log.
CATCH_UP_LIMIT = 2_000

revisions, paragraphs, drafts = Revision.__table__, Paragraph.__table__, Draft.__table__
users, delegations, memberships = User.__table__, Delegation.__table__, Membership.__table__
# The keystroke's statements, compiled once per dialect and run on the driver's cursor (Prepared).
_LOCK_DRAFT = Prepared(select(drafts.c.version, drafts.c.generation, drafts.c.status)
                       .where(drafts.c.id == bindparam("draft_id")).with_for_update())
_WRITE_VERSION = Prepared(drafts.update().where(drafts.c.id == bindparam("draft_id"))
                          .values(version=bindparam("to")))
_WRITE_PARAGRAPH = Prepared(paragraphs.update().where(paragraphs.c.id == bindparam("row_id"))
                            .values(text=bindparam("new_text"), version=bindparam("to")))
_ADD_REVISION = Prepared(revisions.insert(), keys=[
    "draft_id", "seq", "paragraph_uid", "kind", "base_version", "client_id", "client_seq", "change", "result",
    "created_at", "user_id", "delegation_id"])
# Everything a right to edit is decided from (permissions.decide for EDIT_DRAFT and HOLD_PEN: the account's
# role, whether it is active, its delegation and that delegation's seat in the draft's body, the draft's
# status and penholder; and the names the log gives the author), in one row: while the row reads the same,
# the decision stands. A rule of `decide` that reads anything else must add it here.
_RIGHT_INPUTS = Prepared(
    select(users.c.role, users.c.active, users.c.delegation_id, users.c.display_name, delegations.c.name,
           delegations.c.colour, drafts.c.status, drafts.c.body_id, drafts.c.penholder_id, memberships.c.id)
    .select_from(users.join(drafts, drafts.c.id == bindparam("draft_id"))
                 .outerjoin(delegations, delegations.c.id == users.c.delegation_id)
                 .outerjoin(memberships, (memberships.c.body_id == drafts.c.body_id)
                            & (memberships.c.delegation_id == users.c.delegation_id)))
    .where(users.c.id == bindparam("user_id")))


@dataclass(frozen=True)
class Applied:
    """A change committed to the log (or found there already), and what its author hears back."""

    reply: sync.Reply
    change: Change | None = None  # None for a duplicate or a refusal: nothing new to broadcast


def load_draft(session: Session, draft_id: int, lock: bool = False) -> Draft:
    query = select(Draft).where(Draft.id == draft_id)
    if lock:
        query = query.with_for_update()
    draft = session.scalar(query)
    if draft is None:
        raise NotFound(f"There is no draft {draft_id}.")
    return draft


def edit_refusal(session: Session, user: User, draft: Draft) -> SyncError | None:
    decision = decide(session, user, Action.EDIT_DRAFT, draft)
    if decision:
        return None
    code = "frozen" if draft.status is not DraftStatus.DRAFTING else "forbidden"
    return SyncError(code, decision.reason)


@dataclass
class _Header:
    """The draft row as a batch reads it under its lock: all a keystroke needs of it, without the ORM."""

    id: int
    version: int
    generation: str
    status: DraftStatus
    locked_version: int = 0  # the version read under the lock; the batch writes the row back if it moved

    def __post_init__(self) -> None:
        self.locked_version = self.version


@dataclass(frozen=True)
class _Right:
    """One user's right to edit one draft in one status, and what the log says of its author."""

    refusal: SyncError | None
    delegation_id: int | None
    author: Names
    decided_at: float
    penholder: bool = False  # may accept and reject changes
    inputs: tuple | None = None  # what it was decided from (_RIGHT_INPUTS), read before deciding
    fully_at: float = 0.0  # when `decide` made it (`decided_at` moves on at each check that held)


@dataclass
class _LivePara:
    row_id: int
    text: str
    version: int
    # The paragraph's latest versions, newest last, each with the exact diffs from the one before: a change
    # made on a recent version finds its base here instead of in the revisions table, and is merged with
    # what happened since through those diffs, composed (editor.domain.sync.version_at). Bounded in entries
    # and in characters: 64 versions of a paragraph up to 5,120 characters long (at most 320 K characters, a
    # third to 1.3 MB, for each paragraph being edited). A base older than that is read from the revisions
    # table with the deltas stored since, composed (text_since). Diffing it against the current text afresh
    # instead, as before, costs milliseconds in a long paragraph that many delegates type into: with 32
    # versions of at most 32 K characters, fifty delegates in one paragraph of 5,000 characters on a machine
    # with a busy neighbour fell back for bases 10-50 versions behind, and each fallback made the next base
    # older (p95 1.4 and 2.9 s, against 26 and 56 ms with these bounds).
    recent: deque[TextVersion] = field(default_factory=deque)

    RECENT_ENTRIES: ClassVar[int] = 64
    RECENT_CHARS: ClassVar[int] = 64 * 5_120

    held: int = field(default=0, init=False)  # the characters of `recent`, counted as they come and go

    def __post_init__(self) -> None:
        self.recent.append(TextVersion(self.version, self.text))
        self.held = len(self.text)

    def change(self, text: str, version: int, diffs: sync.Diffs | None = None) -> None:
        self.text, self.version = text, version
        self.recent.append(TextVersion(version, text, diffs))
        self.held += len(text)
        while len(self.recent) > 1 and (len(self.recent) > self.RECENT_ENTRIES or self.held > self.RECENT_CHARS):
            self.held -= len(self.recent.popleft().text)

    def at(self, seq: int) -> tuple[str, list[tuple[int, str]] | None] | None:
        """Its text after change `seq` of the draft and the diffs from there to now, if that is among the
        recent versions."""
        return sync.version_at(self.recent, seq)


@dataclass
class _LiveDraft:
    version: int
    generation: str
    paragraphs: dict[str, _LivePara]
    last_cseq: dict[str, int]  # per client, the highest cseq in the log


class LiveDrafts:
    """What a committer knows of its drafts between batches, so that a keystroke costs three plain
    statements (lock the draft row, write the revision, write the paragraph) and the commit.

    A draft's entry is used only while the draft row, read under its lock, still has the version and
    generation it was built at: another process, or any other writer, that changed the draft has moved its
    version (every change to a draft's text is a revision of its log), and the entry is rebuilt. A user's
    right to edit is decided again whenever the draft's status changes (a freeze is refused from the next
    change on) and checked again every `RIGHTS_TTL` seconds (a changed account or membership): between two
    batches (`refresh`, which the owner calls when no change is waiting), or, under a load that never leaves
    the owner a moment, decided in the batch once the right is twice that old. The check reads in one
    statement what the decision was made from, and decides again only if that changed: a decision is a few
    ORM queries, 1.5-2 ms on the event loop, which at two seconds for each of the 193 delegates of a General
    Assembly would have taken a fifth of a core. Every `RIGHTS_DECIDE_EVERY` seconds it is decided afresh all
    the same, so that a rule of `decide` reading something the row lacks is late by that much at worst, not
    for ever. The owner forgets everything when a transaction fails.

    A server runs for months: it keeps the `MAX_DRAFTS` drafts edited last (a draft it let go is loaded again
    at its next change, as after a restart), and rights past any use are swept between batches.
    """

    RIGHTS_TTL = 2.0
    RIGHTS_DECIDE_EVERY = 30.0
    MAX_DRAFTS = 32

    def __init__(self) -> None:
        self._drafts: OrderedDict[int, _LiveDraft] = OrderedDict()  # least recently edited first
        self._rights: dict[tuple[int, int, DraftStatus], _Right] = {}
        self._stale: set[tuple[int, int, DraftStatus]] = set()
        self._swept_at = time.monotonic()
        self.histories = Histories(size=4)  # for rejections: ahead of the readers' by the uncommitted batch

    def of(self, session: Session, header: _Header) -> _LiveDraft:
        live = self._drafts.get(header.id)
        if live is None or live.version != header.version or live.generation != header.generation:
            live = self._drafts[header.id] = self._load(session, header)
            while len(self._drafts) > self.MAX_DRAFTS:
                self._drafts.popitem(last=False)
        self._drafts.move_to_end(header.id)
        return live

    def right(self, session: Session, user_id: int, header: _Header) -> _Right:
        key = (user_id, header.id, header.status)
        now = time.monotonic()
        right = self._rights.get(key)
        if right is None or now - right.decided_at > 2 * self.RIGHTS_TTL:
            right = self._rights[key] = _decide_right(session, user_id, header.id, now)[1]
        elif now - right.decided_at > self.RIGHTS_TTL:
            self._stale.add(key)
        return right

    def refresh(self, session: Session) -> None:
        """Decide again the rights that went stale in the batches before (the session is only read); once in
        a while, forget the rights too old to serve (a batch would decide them afresh)."""
        now = time.monotonic()
        if now - self._swept_at > self.RIGHTS_TTL:
            self._swept_at = now
            for key in [key for key, right in self._rights.items() if now - right.decided_at > 2 * self.RIGHTS_TTL]:
                del self._rights[key]
                self._stale.discard(key)
        while self._stale:
            user_id, draft_id, _ = key = self._stale.pop()
            right = self._rights.pop(key, None)
            if (right is not None and right.inputs is not None
                    and time.monotonic() - right.fully_at < self.RIGHTS_DECIDE_EVERY
                    and right.inputs == _right_inputs(session, user_id, draft_id)):
                self._rights[key] = replace(right, decided_at=time.monotonic())  # nothing it read has changed
                continue
            status, right = _decide_right(session, user_id, draft_id, time.monotonic())
            if status is not None:
                self._rights[(user_id, draft_id, status)] = right

    @staticmethod
    def _load(session: Session, header: _Header) -> _LiveDraft:
        rows = session.execute(select(paragraphs.c.uid, paragraphs.c.id, paragraphs.c.text, paragraphs.c.version)
                               .where(paragraphs.c.draft_id == header.id, paragraphs.c.deleted_at.is_(None)))
        cseqs = session.execute(select(revisions.c.client_id, func.max(revisions.c.client_seq))
                                .where(revisions.c.draft_id == header.id, revisions.c.client_id.is_not(None))
                                .group_by(revisions.c.client_id))
        return _LiveDraft(header.version, header.generation,
                          {uid: _LivePara(row_id, text, version) for uid, row_id, text, version in rows},
                          dict(cseqs.all()))

    def forget(self) -> None:
        self._drafts.clear()
        self._rights.clear()
        self._stale.clear()
        self.histories.forget()


def _right_inputs(session: Session, user_id: int, draft_id: int) -> tuple | None:
    row = _RIGHT_INPUTS.first(session.connection(), {"user_id": user_id, "draft_id": draft_id})
    return tuple(row) if row is not None else None


def _decide_right(session: Session, user_id: int, draft_id: int, now: float) -> tuple[DraftStatus | None, _Right]:
    """The user's right to edit the draft, and the draft's status it was decided in."""
    inputs = _right_inputs(session, user_id, draft_id)  # first: a change after it shows at the next check
    user = session.scalar(select(User).where(User.id == user_id).options(joinedload(User.delegation)))
    draft = session.scalar(select(Draft).where(Draft.id == draft_id))
    if user is None or draft is None:
        return None, _Right(SyncError("not_authenticated", "Please log in again."), None, (None, None, None), now,
                            fully_at=now)
    penholder = bool(decide(session, user, Action.HOLD_PEN, draft))
    return draft.status, _Right(edit_refusal(session, user, draft), user.delegation_id,
                                names_of(user, user.delegation), now, penholder, inputs, fully_at=now)


def _lock_header(connection: Connection, draft_id: int) -> _Header | None:
    row = _LOCK_DRAFT.first(connection, {"draft_id": draft_id})
    if row is None:
        return None
    version, generation, status = row
    return _Header(draft_id, version, generation, DraftStatus(status))


def apply_batch(session: Session, items: Sequence[tuple[int, int, Request]],
                live: LiveDrafts | None = None) -> list[Applied]:
    """Apply (user id, draft id, change) in order, in the caller's transaction.

    Each draft row is locked once for the whole batch and holds its lock until the commit, so the draft
    cannot be frozen between two changes of one batch, and several processes sharing PostgreSQL order their
    changes. `live` carries what the caller's earlier batches learnt of the drafts and of their editors'
    rights (it must `forget()` when a commit fails).
    """
    live = live or LiveDrafts()
    connection = session.connection()  # the keystroke's plain statements run on it (the session's own)
    headers: dict[int, _Header | None] = {}
    results = []
    # A keystroke is a handful of plain statements (no unit-of-work flush between them); structural changes
    # flush their own rows.
    with session.no_autoflush:
        for user_id, draft_id, request in items:
            if draft_id not in headers:
                headers[draft_id] = _lock_header(connection, draft_id)
            header = headers[draft_id]
            if header is None:
                results.append(Applied(sync.Reply(False, error=SyncError(
                    NotFound.code, f"There is no draft {draft_id}."))))
                continue
            right = live.right(session, user_id, header)
            if right.refusal:
                results.append(Applied(sync.Reply(False, error=right.refusal)))
                continue
            results.append(_apply_one(session, connection, live, user_id, right, header, request))
    for header in headers.values():
        if header is not None and header.version != header.locked_version:
            _WRITE_VERSION.do(connection, {"draft_id": header.id, "to": header.version})
    return results


def _apply_one(session: Session, connection: Connection, drafts: LiveDrafts, user_id: int, right: _Right,
               draft: _Header, request: Request) -> Applied:
    live = drafts.of(session, draft)
    if request.cseq <= live.last_cseq.get(request.client, 0):  # cseqs grow: only then can it be a resend
        done = session.execute(select(revisions.c.seq).where(
            revisions.c.draft_id == draft.id, revisions.c.client_id == request.client,
            revisions.c.client_seq == request.cseq)).scalar()
        if done is not None:
            return Applied(sync.Reply(True, done, duplicate=True))
    if request.generation != draft.generation:
        return Applied(sync.Reply(False, error=sync.stale_generation()))
    if request.base > draft.version:
        return Applied(sync.Reply(False, error=SyncError("bad_request", "That base version is in the future.")))
    try:
        if request.op == sync.TEXT:
            change, revision, conflicts = _apply_text(session, connection, live, draft, request)
        elif request.op in sync.REVIEWS:
            change, revision, conflicts = _apply_review(session, connection, live, drafts.histories, draft,
                                                        request, right)
        else:
            change, revision, conflicts = _apply_structure(session, draft, request)
    except SyncError as error:
        return Applied(sync.Reply(False, error=error))
    at = utcnow()
    _ADD_REVISION.do(connection, {**revision, "created_at": at, "user_id": user_id,
                                  "delegation_id": right.delegation_id})
    live.last_cseq[request.client] = max(request.cseq, live.last_cseq.get(request.client, 0))
    if request.op == sync.TEXT or (request.op in sync.REVIEWS and "." in (request.review or "")):
        live.version = draft.version  # a structural change leaves it behind: rebuilt at the next change
    return Applied(sync.Reply(True, change.seq, conflicts), replace(change, author=author_wire(right.author, at)))


def _revision(draft: _Header, request: Request, change: dict[str, Any], result: str | None) -> dict[str, Any]:
    return {
        "draft_id": draft.id, "seq": draft.version, "paragraph_uid": request.paragraph, "kind": KIND_OF_OP[request.op],
        "base_version": request.base, "client_id": request.client, "client_seq": request.cseq,
        "change": json.dumps(change, ensure_ascii=False), "result": result,
    }


def text_at(session: Session, draft: _Header, uid: str, current: str, version: int, seq: int) -> str:
    """The paragraph's text as it stood after change `seq` of the draft (`version`: its last change)."""
    if version <= seq:
        return current
    result = session.execute(
        select(revisions.c.result)
        .where(revisions.c.draft_id == draft.id, revisions.c.paragraph_uid == uid, revisions.c.seq <= seq,
               revisions.c.result.is_not(None))
        .order_by(revisions.c.seq.desc()).limit(1)).scalar()
    if result is None:
        raise SyncError("bad_request", "That paragraph did not exist at the base version of the change.")
    return result


def text_since(session: Session, draft: _Header, uid: str, current: str, version: int,
               seq: int) -> tuple[str, list[tuple[int, str]] | None]:
    """The paragraph's text after change `seq` of the draft and the exact diffs from it to `current` (its
    text after change `version`), composed from the deltas the log stored for it: what a change made on a
    version no longer among the recent ones is merged through, as exactly and in linear time, instead of a
    fresh diff of the two texts. The diffs are None (the caller diffs the texts) where a change in between
    stored no delta (a paragraph brought back) or more than `CATCH_UP_LIMIT` changes lie in between."""
    base = text_at(session, draft, uid, current, version, seq)
    rows = session.execute(
        select(revisions.c.change, revisions.c.result.is_(None))
        .where(revisions.c.draft_id == draft.id, revisions.c.paragraph_uid == uid, revisions.c.seq > seq,
               revisions.c.seq <= version)
        .order_by(revisions.c.seq).limit(CATCH_UP_LIMIT + 1)).all()
    # moved, indented, or its place accepted (no result): the text stays
    deltas = [json.loads(stored).get("delta") for stored, outline_only in rows if not outline_only]
    if len(rows) > CATCH_UP_LIMIT or None in deltas:
        return base, None
    try:
        text, composed = sync.compose_deltas(base, deltas)
    except SyncError:
        return base, None
    return base, composed if text == current else None


def _apply_text(session: Session, connection: Connection, live: _LiveDraft, draft: _Header, request: Request):
    row = live.paragraphs.get(request.paragraph)
    if row is None:
        raise sync.missing_paragraph(request.paragraph)
    base, theirs = row.at(request.base) or text_since(session, draft, request.paragraph, row.text, row.version,
                                                      request.base)
    outcome = sync.apply_text(request, base, row.text, theirs)
    draft.version += 1
    _WRITE_PARAGRAPH.do(connection, {"row_id": row.row_id, "new_text": outcome.text, "to": draft.version})
    row.change(outcome.text, draft.version, outcome.diffs)
    stored = {"op": sync.TEXT, "delta": outcome.delta}
    if outcome.conflicts:
        stored["conflicts"] = list(outcome.conflicts)
    change = Change(draft.version, sync.TEXT, request.paragraph, request.client, request.cseq, delta=outcome.delta)
    return change, _revision(draft, request, stored, outcome.text), outcome.conflicts


def _apply_review(session: Session, connection: Connection, live: _LiveDraft, histories: Histories,
                  draft: _Header, request: Request, right: _Right):
    """The penholder accepts or rejects a change of a paragraph's redline: a change of the log like any edit
    (ordered among everyone's typing, attributed to the penholder, broadcast as the text change it makes:
    none for an acceptance), recorded with what it reviewed, so that the history folds an accepted change
    into the baseline and revives the words of a rejected deletion with their authors."""
    if not right.penholder:
        raise SyncError("forbidden", "Only the penholder accepts or rejects changes.")
    if "." not in (request.review or ""):
        return _apply_paragraph_review(session, histories, draft, request, right)
    row = live.paragraphs.get(request.paragraph)
    if row is None:
        raise sync.missing_paragraph(request.paragraph)
    refusal, text = None, row.text
    mark = Mark(draft.version + 1, right.author[0])
    with histories.current(session, draft.id, draft.generation, draft.version) as tracked:
        try:  # `find` refuses before anything changes: the history stays good for the next one
            if request.op == sync.REJECT:
                delta = tracked.reject(request.paragraph, request.review or "", request.since or 0, mark)
                text = tracked.tracks[request.paragraph].text.text
            else:
                tracked.accept(request.paragraph, request.review or "", request.since or 0, mark)
                delta = sync.make_delta(text, text)
        except RevisionError as error:
            verb = "reject" if request.op == sync.REJECT else "accept"
            refusal = SyncError("bad_request", f"Nothing to {verb}: {error}.")
    if refusal:
        raise refusal
    if tracked.seq != draft.version + 1 or sync.apply_delta(row.text, delta) != text:
        histories.forget()
        raise SyncError("unavailable", "The history and the text disagree; the change was not made.")
    draft.version += 1
    _WRITE_PARAGRAPH.do(connection, {"row_id": row.row_id, "new_text": text, "to": draft.version})
    row.change(text, draft.version)
    stored = {"op": sync.TEXT, "delta": delta, request.op: request.review, "since": request.since}
    change = Change(draft.version, sync.TEXT, request.paragraph, request.client, request.cseq, delta=delta)
    return change, _revision(draft, request, stored, text), ()


def _apply_paragraph_review(session: Session, histories: Histories, draft: _Header, request: Request,
                            right: _Right):
    """The penholder accepts or rejects a paragraph's own change: its addition, deletion or move. Accepting
    changes no text and no outline (the replicas hear of it as a change that keeps the outline); rejecting
    deletes the added paragraph, brings the deleted one back where it stood with the text it had, or moves
    the moved one back, as the structural change it makes."""
    uid, since = request.paragraph, request.since or 0
    verb = "reject" if request.op == sync.REJECT else "accept"
    with histories.current(session, draft.id, draft.generation, draft.version) as tracked:
        try:
            paragraph = tracked.reviewed(uid, request.review or "", since)
        except RevisionError as error:
            paragraph = None
            refusal = SyncError("bad_request", f"Nothing to {verb}: {error}.")
        if paragraph is None:
            raise refusal
        mark = Mark(draft.version + 1, right.author[0])
        if request.op == sync.ACCEPT:
            layout = tracked.layout_at(tracked.seq)
            tracked.accept(uid, request.review or "", since, mark)
            draft.version += 1
            stored = {"op": sync.ACCEPT, "layout": [list(entry) for entry in layout], "accept": request.review,
                      "since": since}
            change = Change(draft.version, sync.ACCEPT, uid, request.client, request.cseq, layout=layout)
            return change, _revision(draft, request, stored, None), ()
        if paragraph.status is Status.ADDED:
            undo = replace(request, op=sync.DELETE)
        else:
            position, kind, level = tracked.place_back(uid, since)
            undo = replace(request, op=sync.INSERT if paragraph.status is Status.DELETED else sync.MOVE,
                           position=position, kind=ParagraphKind(kind), level=level)
        change, revision, _ = _apply_structure(session, draft, undo, revive=paragraph.status is Status.DELETED)
        tracked.reject(uid, request.review or "", since, mark, change.layout)
    stored = {**json.loads(revision["change"]), "reject": request.review, "since": since}
    return change, {**revision, "kind": RevisionKind.REJECT, "change": json.dumps(stored, ensure_ascii=False)}, ()


def _apply_structure(session: Session, draft: _Header, request: Request, revive: bool = False):
    """A structural change; with `revive`, an insertion brings back the deleted paragraph of that id, with
    the text it had, instead of a new one."""
    rows = list(session.scalars(select(Paragraph).where(
        Paragraph.draft_id == draft.id, Paragraph.deleted_at.is_(None)).order_by(Paragraph.position)
        .execution_options(populate_existing=True)))  # texts may have changed since, by plain statements
    if request.op != sync.INSERT and not any(r.uid == request.paragraph for r in rows):
        raise sync.missing_paragraph(request.paragraph)
    revived = None
    if request.op == sync.INSERT:
        taken = session.scalar(select(Paragraph).where(Paragraph.draft_id == draft.id,
                                                       Paragraph.uid == request.paragraph))
        if taken is not None and not (revive and taken.deleted_at is not None):
            raise SyncError("bad_request", f"The paragraph id {request.paragraph} is taken.")
        if revive:
            revived, request = taken, replace(request, text=taken.text)
    before = [DomainParagraph(r.uid, r.kind, r.level, r.text) for r in rows]
    after = sync.apply_structure(request, before)
    draft.version += 1
    by_uid = {r.uid: r for r in rows}
    kept = {p.uid for p in after}
    now = utcnow()
    if revived is not None:
        revived.deleted_at, revived.kind, revived.version = None, request.kind, draft.version
        by_uid[revived.uid] = revived
    for row in rows:
        if row.uid not in kept:
            row.deleted_at, row.version = now, draft.version
    for position, p in enumerate(after):
        row = by_uid.get(p.uid)
        if row is None:
            session.add(Paragraph(draft_id=draft.id, uid=p.uid, kind=p.kind, position=position,
                                  level=p.level, text=p.text, version=draft.version))
        elif (row.position, row.level) != (position, p.level):
            row.position, row.level = position, p.level
    layout = sync.layout_of(after)
    stored: dict[str, Any] = {"op": request.op, "layout": [list(entry) for entry in layout]}
    if request.op == sync.INSERT:
        stored.update(kind=request.kind.value, level=request.level, position=request.position)
    elif request.op == sync.MOVE:
        stored["position"] = request.position
    elif request.op == sync.LEVEL:
        stored["level"] = request.level
    text = request.text if request.op == sync.INSERT else None
    change = Change(draft.version, request.op, request.paragraph, request.client, request.cseq,
                    text=text, layout=layout)
    session.flush()  # later changes of the batch read these rows with plain statements
    return change, _revision(draft, request, stored, text), ()


# -- joining -------------------------------------------------------------------------------------


def snapshot(session: Session, draft: Draft) -> dict[str, Any]:
    rows = session.scalars(select(Paragraph).where(
        Paragraph.draft_id == draft.id, Paragraph.deleted_at.is_(None)).order_by(Paragraph.position))
    paragraphs = [DomainParagraph(r.uid, r.kind, r.level, r.text) for r in rows]
    return sync.snapshot_wire(draft.generation, draft.version, paragraphs)


def changes_since(session: Session, draft: Draft, since: int) -> list[Change] | None:
    """The log after `since`, or None when the whole text serves better (too far back, or from before the
    log carried every change in its wire form)."""
    if draft.version - since > CATCH_UP_LIMIT:
        return None
    changes = [change for _, change in log_entries(session, draft.id, since)]
    return None if any(change is None for change in changes) else changes


def join(session: Session, draft: Draft, since: int | None, generation: str | None,
         client: str | None = None) -> dict[str, Any]:
    """What a joining client needs: the text, or only what it missed when it still holds this generation;
    and `applied`, the last change of `client` in the log, so that it knows whether its change in flight
    arrived before its connection dropped."""
    applied = 0
    if client:
        applied = session.scalar(select(func.max(Revision.client_seq)).where(
            Revision.draft_id == draft.id, Revision.client_id == client)) or 0
    state: dict[str, Any] = {"draft": draft.id, "status": draft.status.value, "applied": applied}
    if since is not None and generation == draft.generation and 0 <= since <= draft.version:
        changes = changes_since(session, draft, since)
        if changes is not None:
            return {**state, "generation": draft.generation, "seq": draft.version,
                    "changes": [c.to_wire() for c in changes]}
    return {**state, **snapshot(session, draft)}
