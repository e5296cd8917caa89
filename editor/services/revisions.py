"""Tracked revisions on the database: named versions of a draft, and the comparison of any two points of
its history, rebuilt from the revisions table (`editor.domain.draft_history`)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from editor.domain import brackets, document
from editor.domain.draft_history import DraftHistory, ParagraphRedline, Status
from editor.domain.revisions import Kind, Mark, Segment
from editor.persistence.models import Delegation, Draft, NamedVersion, Revision, User
from editor.services import audit, drafting, give_way
from editor.services.errors import Conflict, InvalidInput, NotFound
from editor.services.log import Histories, history, no_cycle_collection
from editor.services.permissions import Action, require
from editor.services.sync import load_draft

MAX_NAME = 80
# The histories that redlines read, shared by every request of the process (the committer keeps its own).
_histories = Histories(write_snapshots=True)


def forget_histories() -> None:
    """Drop the histories kept in memory (as a restart does): the next redline reads its draft's log back."""
    _histories.forget()


# -- named versions -------------------------------------------------------------------------------------------


def _snapshot(draft: Draft) -> str:
    live = sorted((p for p in draft.paragraphs if p.deleted_at is None), key=lambda p: p.position)
    return json.dumps([[p.uid, p.kind.value, p.level, p.text] for p in live], ensure_ascii=False,
                      separators=(",", ":"))


def content_hash(draft: Draft) -> str:
    """The hash a named version keeps of the text as it stands: every live paragraph, in order."""
    return hashlib.sha256(_snapshot(draft).encode()).hexdigest()


def name_version(session: Session, actor: User, draft_id: int, name: str, final: bool = False) -> NamedVersion:
    """The penholder names the text as it stands ("zero draft", "rev.1", ...)."""
    draft = load_draft(session, draft_id)
    require(session, actor, Action.HOLD_PEN, draft)
    name = " ".join(name.split())
    if not 1 <= len(name) <= MAX_NAME:
        raise InvalidInput(f"A version's name is 1 to {MAX_NAME} characters.")
    if session.scalar(select(NamedVersion.id).where(NamedVersion.draft_id == draft.id, NamedVersion.name == name)):
        raise Conflict(f"This draft already has a version named {name!r}.")
    snapshot = _snapshot(draft)
    version = NamedVersion(draft_id=draft.id, name=name, seq=draft.version, snapshot=snapshot, final=final,
                           content_hash=hashlib.sha256(snapshot.encode()).hexdigest(), created_by_id=actor.id)
    session.add(version)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"This draft already has a version named {name!r}.") from None
    audit.record(session, actor, "draft.version", f"draft:{draft.id}",
                 {"name": name, "seq": draft.version, "hash": version.content_hash})
    return version


def list_versions(session: Session, actor: User, draft_id: int) -> list[NamedVersion]:
    draft = _readable(session, actor, draft_id)
    return list(session.scalars(select(NamedVersion).where(NamedVersion.draft_id == draft.id)
                                .order_by(NamedVersion.seq, NamedVersion.id)))


def _readable(session: Session, actor: User, draft_id: int) -> Draft:
    draft = load_draft(session, draft_id)
    require(session, actor, Action.READ_DRAFT, draft)
    return draft


def _baseline(session: Session, draft: Draft, value: str | None) -> int:
    """Where a redline starts: the point `value` names, or the last named version (else the first text)."""
    last_named = session.scalar(select(NamedVersion.seq).where(NamedVersion.draft_id == draft.id)
                                .order_by(NamedVersion.seq.desc()).limit(1))
    return point(session, draft, value, last_named or 0)


def point(session: Session, draft: Draft, value: str | None, default: int) -> int:
    """A point of the draft's history: a version's name, a change's seq, or (None) `default`."""
    if value is None or value == "":
        return default
    if value.isascii() and value.isdigit():
        seq = int(value)
        if seq > draft.version:
            raise InvalidInput(f"This draft's history ends at change {draft.version}.")
        return seq
    seq = session.scalar(select(NamedVersion.seq).where(NamedVersion.draft_id == draft.id,
                                                        NamedVersion.name == value))
    if seq is None:
        raise NotFound(f"This draft has no version named {value!r}.")
    return seq


# -- comparing ------------------------------------------------------------------------------------------------


def compare(session: Session, actor: User, draft_id: int, from_point: str | None,
            to_point: str | None) -> dict[str, Any]:
    """Every change between two points of the history, paragraph by paragraph: paragraphs added, deleted or
    moved as such, and the text inserted and deleted inside the others, each with its author and time.
    `from` defaults to the last named version, `to` to the text as it stands."""
    draft = _readable(session, actor, draft_id)
    since = _baseline(session, draft, from_point)
    upto = point(session, draft, to_point, draft.version)
    if since > upto:
        raise InvalidInput(f"Change {since} comes after change {upto}: compare an earlier point with a later one.")
    with no_cycle_collection():
        return _compare(session, draft, since, upto)


def _compare(session: Session, draft: Draft, since: int, upto: int) -> dict[str, Any]:
    refs, paragraphs = _between(session, draft, since, upto)
    changes: list[dict[str, Any]] = []
    step = give_way.stepper()
    for paragraph in paragraphs:
        step()
        ref = refs.get(paragraph.uid)
        if paragraph.status is not Status.KEPT:
            text = "".join(s.text for s in paragraph.segments if s.kind is not Kind.DELETED) \
                if paragraph.status is not Status.DELETED else "".join(s.text for s in paragraph.segments)
            changes.append({"kind": f"paragraph_{paragraph.status.value}", "id": paragraph.id,
                            "paragraph": paragraph.uid, "ref": ref, "text": text, **_author(paragraph.mark)})
        if paragraph.status in (Status.ADDED, Status.DELETED):
            continue
        for segment in paragraph.segments:
            if segment.kind is not Kind.KEPT:
                changes.append({"kind": segment.kind.value, "id": segment.id, "paragraph": paragraph.uid,
                                "ref": ref, "text": segment.text, **_author(segment.mark)})
    return {"draft": draft.id, "from": since, "to": upto, "changes": changes}


def _between(session: Session, draft: Draft, since: int, upto: int) -> tuple[dict[str, str], list[ParagraphRedline]]:
    """The paragraphs' numbers at `upto`, and the redline of the text at `upto` against the text at `since`."""
    if upto == draft.version:
        with _histories.current(session, draft.id, draft.generation, draft.version) as tracked:
            return _refs(tracked, upto), tracked.redline(since, give_way.stepper())
    tracked = history(session, draft.id, upto, draft.generation)  # the kept history knows only today's
    return _refs(tracked, upto), tracked.redline(since, give_way.stepper())


def _refs(tracked: DraftHistory, seq: int) -> dict[str, str]:
    layout = tracked.layout_at(seq)
    paragraphs = [document.Paragraph(uid, document.ParagraphKind(kind), level, "") for uid, kind, level in layout]
    return {n.paragraph.uid: n.ref for n in document.number_paragraphs(paragraphs)}


def _author(mark: Mark | None) -> dict[str, Any]:
    if mark is None:
        return {"delegation": None, "at": None, "seq": None}
    return {"delegation": mark.delegation, "at": mark.at, "seq": mark.seq}


def redline(session: Session, actor: User, draft_id: int, from_point: str | None,
            to_point: str | None = None) -> dict[str, Any]:
    """The draft as it stands (or as it stood at `to_point`) against an earlier point of its history (the
    last named version by default): every paragraph with its kept, inserted and deleted runs, each change
    with its delegation, colour and time."""
    draft = _readable(session, actor, draft_id)
    since = _baseline(session, draft, from_point)
    seq = point(session, draft, to_point, draft.version)
    if since > seq:
        raise InvalidInput(f"Change {since} comes after change {seq}: compare an earlier point with a later one.")
    with no_cycle_collection():
        return _redline(session, draft, since, seq)


def _redline(session: Session, draft: Draft, since: int, seq: int) -> dict[str, Any]:
    refs, paragraphs = _between(session, draft, since, seq)
    colours = dict(session.execute(select(Delegation.name, Delegation.colour)).all())
    known: dict[Mark | None, dict[str, Any]] = {}  # a change's marks recur on every run it made

    def who(mark: Mark | None) -> dict[str, Any]:
        if mark not in known:
            known[mark] = {**_author(mark), "colour": colours.get(mark.delegation) if mark else None}
        return known[mark]

    def run(segment: Segment) -> dict[str, Any]:
        out = {"kind": segment.kind.value, "text": segment.text}
        if segment.ranges:
            out["id"] = segment.id
        if segment.kind is not Kind.KEPT:
            out.update(who(segment.mark))
        return out

    out = []
    step = give_way.stepper()
    for paragraph in paragraphs:
        step()
        out.append({"id": paragraph.uid, "ref": refs.get(paragraph.uid), "kind": paragraph.kind,
                    "level": paragraph.level, "status": paragraph.status.value, **who(paragraph.mark),
                    **({"change": paragraph.id} if paragraph.id else {}),
                    "segments": [run(segment) for segment in paragraph.segments]})
    return {"draft": draft.id, "from": since, "to": seq, "paragraphs": out}


MAX_PAGE = 500


def timeline(session: Session, actor: User, draft_id: int, before: int | None = None,
             limit: int = 100) -> dict[str, Any]:
    """The draft's revisions, newest first, a page at a time: who (delegation, user), when, which paragraph,
    what kind of change. `before` is the seq the page ends below (the whole log by default)."""
    draft = _readable(session, actor, draft_id)
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"A page holds 1 to {MAX_PAGE} revisions.")
    upper = draft.version + 1 if before is None else before
    rows = session.execute(
        select(Revision.seq, Revision.kind, Revision.paragraph_uid, Revision.created_at, Delegation.name,
               Delegation.colour, User.display_name)
        .outerjoin(Delegation, Revision.delegation_id == Delegation.id)
        .outerjoin(User, Revision.user_id == User.id)
        .where(Revision.draft_id == draft.id, Revision.seq < upper)
        .order_by(Revision.seq.desc()).limit(limit)).all()
    entries = [{"seq": seq, "kind": kind.value, "paragraph": uid, "at": at.isoformat(timespec="milliseconds"),
                "delegation": delegation, "colour": colour, "user": user}
               for seq, kind, uid, at, delegation, colour, user in rows]
    more = bool(entries) and entries[-1]["seq"] > 1
    return {"draft": draft.id, "seq": draft.version, "revisions": entries,
            "next": entries[-1]["seq"] if more else None}


def text_at(session: Session, actor: User, draft_id: int, at: str | None) -> dict[str, Any]:
    """The whole text as it stood at a point of the history (a version's name or a change's seq)."""
    draft = _readable(session, actor, draft_id)
    seq = point(session, draft, at, draft.version)
    with _histories.current(session, draft.id, draft.generation, draft.version) as tracked:
        layout, refs = tracked.layout_at(seq), _refs(tracked, seq)
    texts = _texts_at(session, draft.id, seq)
    return {"draft": draft.id, "seq": seq, "paragraphs": [
        {"id": uid, "ref": refs.get(uid), "kind": kind, "level": level, "text": texts.get(uid, "")}
        for uid, kind, level in layout]}


def _texts_at(session: Session, draft_id: int, seq: int) -> dict[str, str]:
    """Every paragraph's text right after change `seq`: each revision keeps the text it gave its paragraph,
    so this is one indexed read of the latest one of each paragraph, however long the history."""
    latest = (select(Revision.paragraph_uid, func.max(Revision.seq).label("seq"))
              .where(Revision.draft_id == draft_id, Revision.seq <= seq, Revision.result.is_not(None))
              .group_by(Revision.paragraph_uid).subquery())
    found = (Revision.seq == latest.c.seq) & (Revision.paragraph_uid == latest.c.paragraph_uid)
    rows = session.execute(select(Revision.paragraph_uid, Revision.result).join(latest, found)
                           .where(Revision.draft_id == draft_id))
    return dict(rows.all())


def brackets_of(session: Session, actor: User | None, draft_id: int, check: bool = True) -> list[dict[str, Any]]:
    """Every bracket left in the draft, by paragraph in order: its text, its alternatives and the
    delegation that holds it (the one that typed its opening "["). `check=False`: for a use case that
    checked its own permission."""
    draft = _readable(session, actor, draft_id) if check else load_draft(session, draft_id)
    refs = drafting.refs(draft)
    found = [(p, b) for p in draft.paragraphs for b in brackets.brackets(p.text)]
    if not found:
        return []
    with _histories.current(session, draft.id, draft.generation, draft.version) as tracked:
        holders = {}
        for paragraph, bracket in found:
            track = tracked.tracks.get(paragraph.uid)
            mark = track.text.author_at(bracket.start) if track and track.text.text == paragraph.text else None
            holders[(paragraph.uid, bracket.start)] = mark.delegation if mark else None
    return [{"paragraph": p.uid, "ref": refs.get(p.uid), "text": b.describe(), "alternatives": list(b.alternatives),
             "closed": b.closed, "holder": holders[(p.uid, b.start)]} for p, b in found]
