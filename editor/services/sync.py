"""Live co-drafting on the database: the engine of `editor.domain.sync`, with revisions that are committed
before anyone hears of them.

`apply_batch` takes validated requests, orders each in the draft's log (the draft row is locked, so several
processes sharing PostgreSQL order their edits too), stores the attributed revision and returns what to
broadcast; the caller commits, then acknowledges and broadcasts. `join` gives a client the whole text or the
log it missed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from editor.domain import sync
from editor.domain.document import Paragraph as DomainParagraph
from editor.domain.sync import Change, Request, SyncError
from editor.persistence.models import Delegation, Draft, DraftStatus, Paragraph, Revision, RevisionKind, User
from editor.persistence.models._types import utcnow
from editor.services.errors import NotFound, ServiceError
from editor.services.permissions import Action, decide

# Beyond this many missed changes a reconnecting client gets the whole text instead of the log.
CATCH_UP_LIMIT = 2_000

_KIND = {sync.TEXT: RevisionKind.EDIT, sync.INSERT: RevisionKind.INSERT, sync.DELETE: RevisionKind.DELETE,
         sync.MOVE: RevisionKind.MOVE, sync.LEVEL: RevisionKind.LEVEL}
_OP = {kind: op for op, kind in _KIND.items()}
revisions, paragraphs = Revision.__table__, Paragraph.__table__


@dataclass(frozen=True)
class Applied:
    """A change committed to the log (or found there already), and what its author hears back."""

    reply: sync.Reply
    change: Change | None = None  # None for a duplicate or a refusal: nothing new to broadcast


def _author(user: User, delegation: Delegation | None, at: Any) -> dict[str, Any]:
    return {
        "delegation": delegation.name if delegation else None,
        "colour": delegation.colour if delegation else None,
        "user": user.display_name if user else None,
        "at": at.isoformat(timespec="milliseconds") if at else None,
    }


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
class _LivePara:
    row_id: int
    text: str
    version: int


@dataclass
class _LiveDraft:
    version: int
    generation: str
    paragraphs: dict[str, _LivePara]
    last_cseq: dict[str, int]  # per client, the highest cseq in the log


class LiveDrafts:
    """What a committer knows of its drafts' live text between batches, so that a keystroke costs two
    statements (the revision and the paragraph) instead of six.

    An entry is used only while the draft row, read under its lock, still has the version and generation it
    was built at: another process, or any other writer, that changed the draft has moved its version (every
    change to a draft's text is a revision of its log), and the entry is rebuilt. The owner forgets
    everything when a transaction fails.
    """

    def __init__(self) -> None:
        self._drafts: dict[int, _LiveDraft] = {}

    def of(self, session: Session, draft: Draft) -> _LiveDraft:
        live = self._drafts.get(draft.id)
        if live is None or live.version != draft.version or live.generation != draft.generation:
            live = self._drafts[draft.id] = self._load(session, draft)
        return live

    @staticmethod
    def _load(session: Session, draft: Draft) -> _LiveDraft:
        rows = session.execute(select(paragraphs.c.uid, paragraphs.c.id, paragraphs.c.text, paragraphs.c.version)
                               .where(paragraphs.c.draft_id == draft.id, paragraphs.c.deleted_at.is_(None)))
        cseqs = session.execute(select(revisions.c.client_id, func.max(revisions.c.client_seq))
                                .where(revisions.c.draft_id == draft.id, revisions.c.client_id.is_not(None))
                                .group_by(revisions.c.client_id))
        return _LiveDraft(draft.version, draft.generation,
                          {uid: _LivePara(row_id, text, version) for uid, row_id, text, version in rows},
                          dict(cseqs.all()))

    def forget(self) -> None:
        self._drafts.clear()


def apply_batch(session: Session, items: Sequence[tuple[int, int, Request]],
                live: LiveDrafts | None = None) -> list[Applied]:
    """Apply (user id, draft id, change) in order, in the caller's transaction.

    Each draft is locked once and each user's right to edit it decided once for the whole batch: the lock
    holds until the commit, so the draft cannot be frozen between two changes of one batch. `live` carries
    what the caller's earlier batches learnt of the drafts (it must `forget()` when a commit fails).
    """
    live = live or LiveDrafts()
    users: dict[int, User | None] = {}
    drafts: dict[int, Draft] = {}
    refusals: dict[tuple[int, int], SyncError | None] = {}
    results = []
    # A keystroke is a handful of plain statements (no unit-of-work flush between them); only the
    # draft's version waits for the commit's flush, and structural changes flush their own rows.
    with session.no_autoflush:
        for user_id, draft_id, request in items:
            results.append(_apply_item(session, live, users, drafts, refusals, user_id, draft_id, request))
    return results


def _apply_item(session: Session, live: LiveDrafts, users: dict[int, User | None], drafts: dict[int, Draft],
                refusals: dict[tuple[int, int], SyncError | None], user_id: int, draft_id: int,
                request: Request) -> Applied:
    if user_id not in users:
        users[user_id] = session.scalar(
            select(User).where(User.id == user_id).options(joinedload(User.delegation)))
    user = users[user_id]
    try:
        if draft_id not in drafts:
            drafts[draft_id] = load_draft(session, draft_id, lock=True)
    except ServiceError as error:
        return Applied(sync.Reply(False, error=SyncError(error.code, error.message)))
    draft = drafts[draft_id]
    if (user_id, draft_id) not in refusals:
        refusals[user_id, draft_id] = edit_refusal(session, user, draft) if user else \
            SyncError("not_authenticated", "Please log in again.")
    refusal = refusals[user_id, draft_id]
    if refusal:
        return Applied(sync.Reply(False, error=refusal))
    return _apply_one(session, live.of(session, draft), user, draft, request)


def _apply_one(session: Session, live: _LiveDraft, user: User, draft: Draft, request: Request) -> Applied:
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
            change, revision, conflicts = _apply_text(session, live, draft, request)
        else:
            change, revision, conflicts = _apply_structure(session, draft, request)
    except SyncError as error:
        return Applied(sync.Reply(False, error=error))
    at = utcnow()
    session.execute(revisions.insert().values(**revision, created_at=at, user_id=user.id,
                                              delegation_id=user.delegation_id))
    live.last_cseq[request.client] = max(request.cseq, live.last_cseq.get(request.client, 0))
    if request.op == sync.TEXT:
        live.version = draft.version  # a structural change leaves it behind: rebuilt at the next change
    author = _author(user, user.delegation, at)
    return Applied(sync.Reply(True, change.seq, conflicts), replace(change, author=author))


def _revision(draft: Draft, request: Request, change: dict[str, Any], result: str | None) -> dict[str, Any]:
    return {
        "draft_id": draft.id, "seq": draft.version, "paragraph_uid": request.paragraph, "kind": _KIND[request.op],
        "base_version": request.base, "client_id": request.client, "client_seq": request.cseq,
        "change": json.dumps(change, ensure_ascii=False), "result": result,
    }


def text_at(session: Session, draft: Draft, uid: str, current: str, version: int, seq: int) -> str:
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


def _apply_text(session: Session, live: _LiveDraft, draft: Draft, request: Request):
    row = live.paragraphs.get(request.paragraph)
    if row is None:
        raise sync.missing_paragraph(request.paragraph)
    base = text_at(session, draft, request.paragraph, row.text, row.version, request.base)
    outcome = sync.apply_text(request, base, row.text)
    draft.version += 1
    session.execute(paragraphs.update().where(paragraphs.c.id == row.row_id).values(
        text=outcome.text, version=draft.version))
    row.text, row.version = outcome.text, draft.version
    stored = {"op": sync.TEXT, "delta": outcome.delta}
    if outcome.conflicts:
        stored["conflicts"] = list(outcome.conflicts)
    change = Change(draft.version, sync.TEXT, request.paragraph, request.client, request.cseq, delta=outcome.delta)
    return change, _revision(draft, request, stored, outcome.text), outcome.conflicts


def _apply_structure(session: Session, draft: Draft, request: Request):
    rows = list(session.scalars(select(Paragraph).where(
        Paragraph.draft_id == draft.id, Paragraph.deleted_at.is_(None)).order_by(Paragraph.position)
        .execution_options(populate_existing=True)))  # texts may have changed since, by plain statements
    if request.op != sync.INSERT and not any(r.uid == request.paragraph for r in rows):
        raise sync.missing_paragraph(request.paragraph)
    if request.op == sync.INSERT and session.scalar(select(Paragraph.id).where(
            Paragraph.draft_id == draft.id, Paragraph.uid == request.paragraph)) is not None:
        raise SyncError("bad_request", f"The paragraph id {request.paragraph} is taken.")
    before = [DomainParagraph(r.uid, r.kind, r.level, r.text) for r in rows]
    after = sync.apply_structure(request, before)
    draft.version += 1
    by_uid = {r.uid: r for r in rows}
    kept = {p.uid for p in after}
    now = utcnow()
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
    rows = session.execute(
        select(Revision, User, Delegation)
        .outerjoin(User, Revision.user_id == User.id)
        .outerjoin(Delegation, Revision.delegation_id == Delegation.id)
        .where(Revision.draft_id == draft.id, Revision.seq > since)
        .order_by(Revision.seq)).all()
    changes = []
    for revision, user, delegation in rows:
        op = _OP.get(revision.kind)
        stored = json.loads(revision.change)
        if op is None or (op != sync.TEXT and "layout" not in stored):
            return None
        layout = tuple(tuple(entry) for entry in stored["layout"]) if "layout" in stored else None
        changes.append(Change(
            revision.seq, op, revision.paragraph_uid or "", revision.client_id, revision.client_seq,
            delta=stored.get("delta"), text=revision.result if op == sync.INSERT else None, layout=layout,
            author=_author(user, delegation, revision.created_at)))
    return changes


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
