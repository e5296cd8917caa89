"""Where a draft stands, and the moves that take it on (the rules: `editor.domain.stages`): the penholder
puts it under silence until a deadline, any member's delegation may break silence before it (naming the
paragraphs it objects to, and why), and an agreed text without brackets goes "in blue", from which the
penholder may take it back until a vote is opened. Each move is a line of the audit log.

A move must fall between two keystrokes, never across one: callers run it on the committer
(`Committer.run`), in order with every edit."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from editor.domain import stages
from editor.domain.brackets import brackets
from editor.domain.brackets import status as paragraph_status
from editor.persistence.models import Draft, DraftStatus, NamedVersion, Role, Silence, User, Vote, utcnow
from editor.services import audit, drafting, revisions
from editor.services.errors import Conflict, InvalidInput, PermissionDenied
from editor.services.permissions import Action, require
from editor.services.sync import load_draft

IN_BLUE = "in blue"
MAX_REASON = 2_000


def _aware(at: datetime | None) -> datetime | None:
    """A time read back from the database, in UTC (SQLite returns it without its zone)."""
    return at if at is None or at.tzinfo else at.replace(tzinfo=UTC)


def _running_silence(session: Session, draft: Draft) -> Silence | None:
    if draft.status is not DraftStatus.UNDER_SILENCE:
        return None
    return session.scalar(select(Silence).where(Silence.draft_id == draft.id).order_by(Silence.id.desc()).limit(1))


def _standing(session: Session, draft: Draft) -> stages.Standing:
    silence = _running_silence(session, draft)
    left = sum(len(brackets(p.text)) for p in draft.paragraphs)
    voted_on = session.scalar(select(Vote.id).where(Vote.draft_id == draft.id).limit(1)) is not None
    return stages.Standing(draft.status.value, _aware(silence.deadline) if silence else None,
                           bool(silence and silence.broken_at), left, voted_on)


def _move(session: Session, draft: Draft, move: str, deadline: datetime | None = None,
          now: datetime | None = None) -> None:
    """Refuse the move with the rules' reason (and the brackets by paragraph when they are the reason)."""
    try:
        stages.check(_standing(session, draft), move, now or utcnow(), deadline)
    except stages.StageError as error:
        message = str(error)
        if "brackets" in message:
            message = _brackets_refusal(session, draft, move)
        raise Conflict(message) from None


def _brackets_refusal(session: Session, draft: Draft, move: str) -> str:
    left = revisions.brackets_of(session, None, draft.id, check=False)
    listed = "; ".join(f"{b['ref']} {b['text']}" + (f" ({b['holder']})" if b["holder"] else "") for b in left)
    where = "in blue" if move == stages.IN_BLUE else "under silence"
    return (f"The text still has {len(left)} bracket{'s' if len(left) > 1 else ''}: {listed}. "
            f"Resolve them before it goes {where}.")


def put_under_silence(session: Session, actor: User, draft_id: int, deadline: datetime,
                      now: datetime | None = None) -> Silence:
    """The penholder puts the text under silence until `deadline` (with its time zone): it is frozen
    meanwhile, and agreed if nobody breaks silence before the deadline. `now`: the server's clock, unless a
    scenario replays a story at its own time."""
    draft = load_draft(session, draft_id, lock=True)
    require(session, actor, Action.HOLD_PEN, draft)
    _move(session, draft, stages.SILENCE, deadline, now)
    deadline = deadline.astimezone(UTC)
    silence = Silence(draft_id=draft.id, started_by_id=actor.id, deadline=deadline)
    session.add(silence)
    draft.status = DraftStatus.UNDER_SILENCE
    session.flush()
    audit.record(session, actor, "draft.silence", f"draft:{draft.id}",
                 {"deadline": deadline.isoformat(), "seq": draft.version})
    return silence


def break_silence(session: Session, actor: User, draft_id: int, paragraphs: list[str], reason: str,
                  now: datetime | None = None) -> Silence:
    """A member's delegation breaks silence before the deadline, on these paragraphs (ids or refs such as
    "OP3") and for this reason: the text goes back to negotiation with the objection shown."""
    draft = load_draft(session, draft_id, lock=True)
    require(session, actor, Action.READ_DRAFT, draft)
    if actor.delegation_id is None or actor.role not in (Role.DELEGATE, Role.PENHOLDER):
        raise PermissionDenied("A member's delegation breaks silence, from its own account.")
    _move(session, draft, stages.BREAK, now=now)
    reason = " ".join(reason.split())
    if not reason or len(reason) > MAX_REASON:
        raise InvalidInput(f"Breaking silence says why (up to {MAX_REASON:,} characters).")
    uids = _paragraph_ids(draft, paragraphs)
    silence = _running_silence(session, draft)
    silence.broken_at, silence.broken_by_id, silence.broken_by_delegation_id = utcnow(), actor.id, actor.delegation_id
    silence.paragraphs, silence.reason = json.dumps(uids), reason
    draft.status = DraftStatus.DRAFTING
    session.flush()
    audit.record(session, actor, "draft.silence.broken", f"draft:{draft.id}",
                 {"paragraphs": uids, "reason": reason, "delegation": actor.delegation.name})
    return silence


def _paragraph_ids(draft: Draft, named: list[str]) -> list[str]:
    by_name = {uid: uid for uid in drafting.refs(draft)} | {ref: uid for uid, ref in drafting.refs(draft).items()}
    unknown = [name for name in named if name not in by_name]
    if not named or unknown:
        raise InvalidInput("Name the paragraphs objected to (OP3, PP2 ...)"
                           + (f"; there is no {', '.join(unknown)}." if unknown else "."))
    return list(dict.fromkeys(by_name[name] for name in named))


def silence_of(session: Session, draft: Draft) -> dict[str, Any] | None:
    """The draft's last silence procedure: its deadline, whether it runs, passed or was broken, and the
    objection that broke it (paragraphs by their number today, the delegation, the reason)."""
    silence = session.scalar(select(Silence).where(Silence.draft_id == draft.id).order_by(Silence.id.desc()).limit(1))
    if silence is None:
        return None
    deadline = _aware(silence.deadline)
    if silence.broken_at:
        state = "broken"
    elif draft.status is DraftStatus.UNDER_SILENCE:
        state = "passed" if utcnow() >= deadline else "running"
    else:
        state = "passed"
    out: dict[str, Any] = {"deadline": deadline.isoformat(), "state": state}
    if silence.broken_at:
        refs = drafting.refs(draft)
        uids = json.loads(silence.paragraphs or "[]")
        out["objection"] = {"delegation": silence.broken_by_delegation.name if silence.broken_by_delegation else None,
                            "paragraphs": [{"id": uid, "ref": refs.get(uid)} for uid in uids],
                            "reason": silence.reason, "at": _aware(silence.broken_at).isoformat()}
    return out


def mark_ad_ref(session: Session, actor: User, draft_id: int, paragraph: str, ad_ref: bool) -> None:
    """The penholder marks a paragraph agreed ad referendum (subject to a capital's confirmation), or not."""
    draft = load_draft(session, draft_id, lock=True)
    require(session, actor, Action.HOLD_PEN, draft)
    if draft.status is not DraftStatus.DRAFTING:
        raise Conflict("Only a text under negotiation has paragraphs to mark.")
    [uid] = _paragraph_ids(draft, [paragraph])
    row = next(p for p in draft.paragraphs if p.uid == uid)
    row.ad_ref = ad_ref
    session.flush()
    audit.record(session, actor, "paragraph.ad_ref", f"draft:{draft.id}", {"paragraph": uid, "ad_ref": ad_ref})


def stage_of(session: Session, draft: Draft) -> dict[str, Any]:
    """Where the draft stands, for the draft page and the home page; and each paragraph's own standing:
    agreed, bracketed or agreed ad ref."""
    standing = _standing(session, draft)
    stage = standing.stage(utcnow())
    if stage == "negotiation":  # the round it is in: the last version named ("zero draft", "rev.2")
        stage = session.scalar(select(NamedVersion.name).where(NamedVersion.draft_id == draft.id)
                               .order_by(NamedVersion.seq.desc(), NamedVersion.id.desc()).limit(1)) or stage
    refs = drafting.refs(draft)
    paragraphs = [{"id": p.uid, "ref": refs.get(p.uid), "status": paragraph_status(p.text, p.ad_ref)}
                  for p in draft.paragraphs]
    return {"status": draft.status.value, "stage": stage, "silence": silence_of(session, draft),
            "paragraphs": paragraphs}


def put_in_blue(session: Session, actor: User, draft_id: int, name: str | None = None,
                now: datetime | None = None) -> NamedVersion:
    """Freeze the text as it stands: its last named version ("in blue" unless named otherwise), final, with
    the hash of its content. From then on every edit is refused."""
    draft = load_draft(session, draft_id, lock=True)
    require(session, actor, Action.HOLD_PEN, draft)
    _move(session, draft, stages.IN_BLUE, now=now)
    taken = set(session.scalars(select(NamedVersion.name).where(NamedVersion.draft_id == draft.id)))
    if not name or not name.strip():
        name = next(f"{IN_BLUE} ({n})" if n > 1 else IN_BLUE for n in range(1, len(taken) + 2)
                    if (f"{IN_BLUE} ({n})" if n > 1 else IN_BLUE) not in taken)
    version = revisions.name_version(session, actor, draft.id, name, final=True)
    draft.status = DraftStatus.FROZEN
    audit.record(session, actor, "draft.freeze", f"draft:{draft.id}",
                 {"version": version.name, "seq": version.seq, "hash": version.content_hash})
    return version


def reopen(session: Session, actor: User, draft_id: int) -> None:
    """Take the text out of blue, back to negotiation: the penholder only, and only before a vote is opened."""
    draft = load_draft(session, draft_id, lock=True)
    require(session, actor, Action.HOLD_PEN, draft)
    _move(session, draft, stages.REOPEN)
    draft.status = DraftStatus.DRAFTING
    audit.record(session, actor, "draft.unfreeze", f"draft:{draft.id}", {"seq": draft.version})
