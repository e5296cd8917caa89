"""Meetings, the vote on a text in blue, and its outcome: what the resolution and the press release stand on.

The presidency of the month creates the meeting, opens the vote on the frozen version (its hash kept),
records each member's vote by show of hands, or each delegation casts its own (electronic board), and
closes it; the body's rules (`editor.domain.voting`) decide, and an adopted text becomes a resolution with
the body's next number. Ballots are appended, never updated (the last one of a member counts until the
close); after the close nothing changes. Every step is a line of the hash-chained audit log.

Callers run the steps that change a vote on the committer (`editor.realtime.on_committer`), so that each
falls between two others, never across one.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from editor.domain import voting
from editor.domain.bodies import body_rules, resolution_symbol, valid_resolution_number
from editor.persistence.models import (
    Ballot,
    Body,
    Choice,
    Delegation,
    Draft,
    DraftStatus,
    Meeting,
    Membership,
    NamedVersion,
    Resolution,
    Role,
    SponsorStatus,
    Statement,
    User,
    Vote,
    VoteMethod,
    utcnow,
)
from editor.services import audit
from editor.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from editor.services.permissions import Action, require
from editor.services.revisions import content_hash

IN_FAVOUR, AGAINST, ABSTAINING, NOT_PARTICIPATING = (voting.IN_FAVOUR, voting.AGAINST, voting.ABSTAINING,
                                                     voting.NOT_PARTICIPATING)
PERIODS = ("AM", "PM")
WHEN = ("before", "after")
MAX_STATEMENT = 20_000


# -- meetings -------------------------------------------------------------------------------------------------


def create_meeting(session: Session, actor: User, body_name: str, number: int, on: date, period: str,
                   agenda_item: str, draft_id: int | None = None, began: time | None = None,
                   ended: time | None = None, press_release: str | None = None,
                   session_name: str | None = None) -> Meeting:
    """The presidency of the month convenes a numbered meeting of its body, on the draft it will act on."""
    body = session.scalar(select(Body).where(Body.name == body_name))
    if body is None:
        raise NotFound(f"Unknown body {body_name!r}.")
    require(session, actor, Action.PRESIDE, body, on=on)
    if not isinstance(number, int) or not 0 < number < 1_000_000:
        raise InvalidInput("A meeting's number is a whole number (8582).")
    if period not in PERIODS:
        raise InvalidInput("A meeting is held in the morning (AM) or the afternoon (PM).")
    if not agenda_item.strip():
        raise InvalidInput("A meeting has an agenda item.")
    draft = None
    if draft_id is not None:
        draft = session.get(Draft, draft_id)
        if draft is None or draft.body_id != body.id:
            raise NotFound(f"There is no draft {draft_id} before the {body.name}.")
    if session.scalar(select(Meeting.id).where(Meeting.body_id == body.id, Meeting.number == number)):
        raise Conflict(f"The {body.name} already has a meeting numbered {number}.")
    meeting = Meeting(body=body, number=number, date=on, period=period, agenda_item=agenda_item.strip(),
                      draft=draft, began=began, ended=ended, press_release_symbol=press_release,
                      session=session_name)
    session.add(meeting)
    session.flush()
    audit.record(session, actor, "meeting.create", f"meeting:{meeting.id}",
                 {"body": body.name, "number": number, "date": on.isoformat(), "period": period,
                  "draft": draft_id})
    return meeting


def _meeting(session: Session, actor: User, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(f"There is no meeting {meeting_id}.")
    require(session, actor, Action.PRESIDE, meeting.body, on=meeting.date)
    return meeting


def record_times(session: Session, actor: User, meeting_id: int, began: time | None, ended: time | None) -> Meeting:
    """When the meeting began and ended, as the presidency records them."""
    meeting = _meeting(session, actor, meeting_id)
    if began and ended and ended < began:
        raise InvalidInput("A meeting ends after it begins.")
    meeting.began, meeting.ended = began or meeting.began, ended or meeting.ended
    audit.record(session, actor, "meeting.times", f"meeting:{meeting.id}",
                 {"began": _clock(meeting.began), "ended": _clock(meeting.ended)})
    return meeting


def _clock(at: time | None) -> str | None:
    return at.strftime("%H:%M") if at else None


def add_statement(session: Session, actor: User, meeting_id: int, member: str, speaker: str, when: str,
                  text: str) -> Statement:
    """A statement made before or after the vote: the member, the speaker's title, what was said."""
    meeting = _meeting(session, actor, meeting_id)
    delegation = _member(session, meeting.body, member)
    if when not in WHEN:
        raise InvalidInput('A statement is made "before" or "after" the vote.')
    if not speaker.strip() or not text.strip() or len(text) > MAX_STATEMENT or len(speaker) > 120:
        raise InvalidInput(f"A statement has its speaker (up to 120 characters) and its text (up to "
                           f"{MAX_STATEMENT:,}).")
    position = (session.scalar(select(func.max(Statement.position)).where(Statement.meeting_id == meeting.id))
                or 0) + 1
    statement = Statement(meeting_id=meeting.id, delegation=delegation, speaker=speaker.strip(), when=when,
                          position=position, text=text.strip(), recorded_by_id=actor.id)
    session.add(statement)
    session.flush()
    audit.record(session, actor, "meeting.statement", f"meeting:{meeting.id}",
                 {"member": member, "speaker": statement.speaker, "when": when, "position": position,
                  "sha256": hashlib.sha256(statement.text.encode()).hexdigest()})
    return statement


def _member(session: Session, body: Body, name: str) -> Delegation:
    delegation = session.scalar(select(Delegation).join(Membership, Membership.delegation_id == Delegation.id)
                                .where(Membership.body_id == body.id, Delegation.name == name))
    if delegation is None:
        raise InvalidInput(f"{name} is not a member of the {body.name}.")
    return delegation


def members(session: Session, body: Body) -> list[str]:
    """The body's members, in the order they were seated."""
    return list(session.scalars(select(Delegation.name).join(Membership, Membership.delegation_id == Delegation.id)
                                .where(Membership.body_id == body.id).order_by(Membership.id)))


# -- the vote -------------------------------------------------------------------------------------------------


def open_vote(session: Session, actor: User, meeting_id: int, matter: str | None = None,
              method: VoteMethod = VoteMethod.SHOW_OF_HANDS) -> Vote:
    """The presidency puts the text in blue to the vote: the vote pins the frozen version and its hash."""
    meeting = _meeting(session, actor, meeting_id)
    draft = _draft_of(session, meeting)
    rules = body_rules(meeting.body.name)
    matter = matter or rules.default_matter
    if matter not in rules.matters:
        raise InvalidInput(f"A matter before the {rules.name} is one of {', '.join(rules.matters)}.")
    if method not in (VoteMethod.SHOW_OF_HANDS, VoteMethod.ELECTRONIC):
        raise InvalidInput("A vote is recorded by show of hands or on the electronic board.")
    version = _frozen_version(session, draft)
    vote = Vote(meeting_id=meeting.id, draft_id=draft.id, named_version_id=version.id,
                text_hash=version.content_hash, matter=matter, method=method, sponsors=_sponsors(draft))
    session.add(vote)
    session.flush()
    audit.record(session, actor, "vote.open", f"vote:{vote.id}",
                 {"meeting": meeting.number, "draft": draft.id, "version": version.name,
                  "hash": version.content_hash, "matter": matter, "method": method.value})
    return vote


def _draft_of(session: Session, meeting: Meeting) -> Draft:
    if meeting.draft_id is None:
        raise InvalidInput("This meeting acts on no draft.")
    draft = session.scalar(select(Draft).where(Draft.id == meeting.draft_id).with_for_update())
    if draft.status in (DraftStatus.DRAFTING, DraftStatus.UNDER_SILENCE):
        raise Conflict('The text is still being negotiated: the penholder puts it "in blue" before the vote.')
    if draft.status is DraftStatus.VOTED or session.scalar(select(Vote.id).where(Vote.draft_id == draft.id)):
        raise Conflict("This text has already been put to the vote.")
    return draft


def _frozen_version(session: Session, draft: Draft) -> NamedVersion:
    """The draft's final version, checked against the text as it stands: the vote is on exactly it."""
    version = session.scalar(select(NamedVersion).where(NamedVersion.draft_id == draft.id,
                                                        NamedVersion.final.is_(True))
                             .order_by(NamedVersion.seq.desc(), NamedVersion.id.desc()).limit(1))
    if version is None or version.seq != draft.version or version.content_hash != content_hash(draft):
        raise Conflict("The text no longer matches its version in blue: put it in blue again.")
    return version


def _sponsors(draft: Draft) -> str:
    """Who stands by the text as it goes to the vote: the penholder, then the co-sponsors who consented."""
    names = [draft.penholder.name] + [s.delegation.name for s in draft.sponsors
                                      if s.status is SponsorStatus.SPONSOR and s.delegation_id != draft.penholder_id]
    return json.dumps(names, ensure_ascii=False)


def sponsors_of(vote: Vote) -> list[str]:
    return json.loads(vote.sponsors) if vote.sponsors else []


def _vote(session: Session, vote_id: int) -> Vote:
    vote = session.scalar(select(Vote).where(Vote.id == vote_id).with_for_update())
    if vote is None:
        raise NotFound(f"There is no vote {vote_id}.")
    return vote


def cast(session: Session, actor: User, vote_id: int, member: str, choice: str) -> Ballot:
    """One member's vote: recorded by the presidency (show of hands), or cast by the delegation itself
    (electronic board). A later ballot of the same member replaces it until the close."""
    vote = _vote(session, vote_id)
    meeting = vote.meeting
    if vote.method is VoteMethod.ELECTRONIC:
        if actor.delegation is None or actor.delegation.name != member or actor.role not in (
                Role.DELEGATE, Role.PENHOLDER, Role.PRESIDENCY):
            raise PermissionDenied(f"On the electronic board each delegation casts its own vote; "
                                   f"only {member}'s delegation casts {member}'s.")
    else:
        require(session, actor, Action.PRESIDE, meeting.body, on=meeting.date)
    if vote.closed_at is not None:
        raise Conflict("The vote is closed: its record can no longer change.")
    delegation = _member(session, meeting.body, member)
    if choice not in voting.CHOICES:
        raise InvalidInput(f"A vote is one of {', '.join(voting.CHOICES)}.")
    ballot = Ballot(vote_id=vote.id, delegation=delegation, choice=Choice(choice), recorded_by_id=actor.id)
    session.add(ballot)
    session.flush()
    audit.record(session, actor, "vote.ballot", f"vote:{vote.id}", {"member": member, "choice": choice})
    return ballot


def ballots(session: Session, vote: Vote) -> dict[str, str]:
    """Each member's last ballot."""
    rows = session.execute(select(Delegation.name, Ballot.choice).join(Ballot.delegation)
                           .where(Ballot.vote_id == vote.id).order_by(Ballot.id))
    return {name: choice.value for name, choice in rows}


def close_vote(session: Session, actor: User, vote_id: int,
               resolution_number: str | None = None) -> Resolution | None:
    """The presidency closes the vote: the body's rules decide; an adopted text becomes a resolution with
    the body's next number for the year, or the number the presidency gives."""
    vote = _vote(session, vote_id)
    meeting = vote.meeting
    require(session, actor, Action.PRESIDE, meeting.body, on=meeting.date)
    if vote.closed_at is not None:
        raise Conflict("The vote is already closed.")
    rules = body_rules(meeting.body.name)
    outcome = voting.decide(rules, vote.matter, members(session, meeting.body), ballots(session, vote))
    return _conclude(session, actor, vote, outcome, resolution_number)


def adopt_without_vote(session: Session, actor: User, meeting_id: int, by_acclamation: bool = False,
                       resolution_number: str | None = None) -> Resolution:
    """The body adopts the text in blue without a vote (or by acclamation): no counts are recorded."""
    meeting = _meeting(session, actor, meeting_id)
    draft = _draft_of(session, meeting)
    version = _frozen_version(session, draft)
    method = VoteMethod.ACCLAMATION if by_acclamation else VoteMethod.WITHOUT_VOTE
    vote = Vote(meeting_id=meeting.id, draft_id=draft.id, named_version_id=version.id,
                text_hash=version.content_hash, matter=body_rules(meeting.body.name).default_matter, method=method,
                sponsors=_sponsors(draft))
    session.add(vote)
    session.flush()
    audit.record(session, actor, "vote.open", f"vote:{vote.id}",
                 {"meeting": meeting.number, "draft": draft.id, "version": version.name,
                  "hash": version.content_hash, "method": method.value})
    resolution = _conclude(session, actor, vote, voting.without_a_vote(by_acclamation), resolution_number)
    assert resolution is not None
    return resolution


def _conclude(session: Session, actor: User, vote: Vote, outcome: voting.Outcome,
              resolution_number: str | None) -> Resolution | None:
    meeting, draft = vote.meeting, session.get(Draft, vote.draft_id)
    rules = body_rules(meeting.body.name)
    resolution = None
    if outcome.adopted:
        taken = list(session.scalars(select(Resolution.number).where(Resolution.body_id == meeting.body_id)))
        number = resolution_number or voting.next_resolution_number(rules, taken, meeting.date.year, meeting.session)
        if not valid_resolution_number(rules, number):
            raise InvalidInput(f'"{number}" is not shaped like a {rules.name} resolution number.')
        if number in taken:
            raise Conflict(f"Resolution {number} already exists.")
        version = session.get(NamedVersion, vote.named_version_id)
        resolution = Resolution(body_id=meeting.body_id, draft_id=draft.id, vote_id=vote.id, number=number,
                                symbol=resolution_symbol(rules, number), adopted_on=meeting.date,
                                text=version.snapshot)
        session.add(resolution)
    vote.closed_at = utcnow()
    vote.outcome = "adopted" if outcome.adopted else "not_adopted"
    draft.status = DraftStatus.VOTED
    try:
        session.flush()
    except IntegrityError:
        raise Conflict("That resolution number was taken meanwhile.") from None
    number = resolution.number if resolution else None
    audit.record(session, actor, "vote.close", f"vote:{vote.id}", {
        "outcome": vote.outcome, "reasons": list(outcome.reasons), "resolution": number,
        "counts": _counts(outcome.tally), "announcement": voting.announcement(rules, outcome, number)})
    # The press office's draft appears the moment the vote closes (imported here: releases reads votes).
    from editor.services import releases

    releases.draft_after_vote(session, vote)
    return resolution


def _counts(t: voting.Tally | None) -> dict[str, int] | None:
    if t is None:
        return None
    return {"in_favour": len(t.in_favour), "against": len(t.against), "abstaining": len(t.abstaining),
            "not_participating": len(t.not_participating), "absent": len(t.absent)}


# -- reading it ---------------------------------------------------------------------------------------------


def board(session: Session, actor: User, vote_id: int) -> dict[str, Any]:
    """The vote as every open page shows it: each member's vote, the counts, and once closed the outcome,
    the resolution and the presidency's announcement."""
    vote = session.get(Vote, vote_id)
    if vote is None:
        raise NotFound(f"There is no vote {vote_id}.")
    require(session, actor, Action.READ_DRAFT, vote.draft)
    meeting = vote.meeting
    rules = body_rules(meeting.body.name)
    cast_ = ballots(session, vote)
    everyone = members(session, meeting.body)
    without = vote.method in (VoteMethod.WITHOUT_VOTE, VoteMethod.ACCLAMATION)
    outcome = (voting.without_a_vote(vote.method is VoteMethod.ACCLAMATION) if without
               else voting.decide(rules, vote.matter, everyone, cast_))
    resolution = session.scalar(select(Resolution).where(Resolution.vote_id == vote.id))
    closed = vote.closed_at is not None
    return {
        "id": vote.id, "draft": vote.draft_id,
        "meeting": {"id": meeting.id, "number": meeting.number, "date": meeting.date.isoformat(),
                    "period": meeting.period, "began": _clock(meeting.began), "ended": _clock(meeting.ended)},
        "statements": [{"member": s.delegation.name, "speaker": s.speaker, "when": s.when, "text": s.text}
                       for s in session.scalars(select(Statement).where(Statement.meeting_id == meeting.id)
                                                .order_by(Statement.position))],
        "matter": vote.matter, "method": vote.method.value, "text_hash": vote.text_hash,
        "sponsors": sponsors_of(vote),
        "opened_at": vote.opened_at.isoformat(timespec="seconds"),
        "closed_at": vote.closed_at.isoformat(timespec="seconds") if closed else None,
        "members": [{"member": m, "permanent": m in rules.permanent_members, "vote": cast_.get(m)} for m in everyone],
        "counts": _counts(outcome.tally),
        "outcome": vote.outcome if closed else None,
        "reasons": list(outcome.reasons) if closed else [],
        "resolution": {"number": resolution.number, "symbol": resolution.symbol} if resolution else None,
        "announcement": voting.announcement(rules, outcome, resolution.number if resolution else None)
        if closed else None,
    }


def vote_of_meeting(session: Session, meeting_id: int) -> Vote | None:
    return session.scalar(select(Vote).where(Vote.meeting_id == meeting_id).order_by(Vote.id.desc()).limit(1))


def vote_of(session: Session, draft_id: int) -> Vote | None:
    return session.scalar(select(Vote).where(Vote.draft_id == draft_id).order_by(Vote.id.desc()).limit(1))


def parse_clock(value: str | None) -> time | None:
    if value in (None, ""):
        return None
    try:
        return datetime.strptime(value, "%H:%M").time()
    except (TypeError, ValueError):
        raise InvalidInput(f'A time of day is "HH:MM", not {value!r}.') from None
