"""The press release of a closed vote, drafted from what the database recorded: the text voted on (the
frozen version), the vote and its outcome, the meeting, its statements and the debate before it."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from editor.domain import press, voting
from editor.domain.bodies import body_rules
from editor.domain.document import Paragraph, ParagraphKind, number_paragraphs
from editor.persistence.models import NamedVersion, Resolution, Statement, Vote, VoteMethod
from editor.services import voting as voting_service
from editor.services.errors import Conflict, NotFound


def record_of(session: Session, vote_id: int) -> press.Record:
    """What the release stands on, read back from the database."""
    vote = session.get(Vote, vote_id)
    if vote is None:
        raise NotFound(f"There is no vote {vote_id}.")
    if vote.closed_at is None:
        raise Conflict("The vote is still open: the release is drafted once it is closed.")
    meeting = vote.meeting
    rules = body_rules(meeting.body.name)
    members = voting_service.members(session, meeting.body)
    if vote.method in (VoteMethod.WITHOUT_VOTE, VoteMethod.ACCLAMATION):
        outcome = voting.without_a_vote(vote.method is VoteMethod.ACCLAMATION)
    else:
        outcome = voting.decide(rules, vote.matter, members, voting_service.ballots(session, vote))
    version = session.get(NamedVersion, vote.named_version_id)
    paragraphs = [Paragraph(uid, ParagraphKind(kind), level, text)
                  for uid, kind, level, text in json.loads(version.snapshot)]
    resolution = session.scalar(select(Resolution).where(Resolution.vote_id == vote.id))
    statements = session.scalars(select(Statement).where(Statement.meeting_id == meeting.id)
                                 .order_by(Statement.position))
    debate = meeting.debate
    return press.Record(
        rules=rules, meeting_number=meeting.number, period=meeting.period, meeting_date=meeting.date,
        agenda_item=meeting.agenda_item, operative=_clauses(paragraphs), outcome=outcome, members=len(members),
        resolution=resolution.number if resolution else None, symbol=meeting.press_release_symbol,
        began=meeting.began, ended=meeting.ended,
        debate=press.Debate(debate.kind, debate.date, debate.topic, debate.press_release) if debate else None,
        statements=tuple(press.Statement(s.delegation.name, s.speaker, s.when, s.text) for s in statements),
        resolution_text=_text(rules.organ_line, paragraphs), sponsors=tuple(voting_service.sponsors_of(vote)))


def _clauses(paragraphs: list[Paragraph]) -> tuple[press.Clause, ...]:
    """The operative paragraphs, each with its sub-paragraphs' texts."""
    clauses: list[press.Clause] = []
    for p in paragraphs:
        if p.kind is not ParagraphKind.OPERATIVE:
            continue
        if p.level == 0 or not clauses:
            clauses.append(press.Clause(p.text))
        else:
            last = clauses[-1]
            clauses[-1] = press.Clause(last.text, (*last.subparagraphs, p.text))
    return tuple(clauses)


def _text(organ_line: str, paragraphs: list[Paragraph]) -> tuple[str, ...]:
    """The resolution as printed: the organ, then every paragraph with its number."""
    out = [organ_line]
    for numbered in number_paragraphs(paragraphs):
        label = f"{numbered.label} " if numbered.label else ""
        out.append(f"{'    ' * numbered.paragraph.level}{label}{numbered.paragraph.text}")
    return tuple(out)


def draft_for_vote(session: Session, vote_id: int, full_text: bool = False) -> press.Release:
    return press.draft_release(record_of(session, vote_id), full_text)


def outcome_of(session: Session, vote_id: int) -> dict:
    """The outcome as the release's data gives it: `adopted` / `not adopted` / `adopted without a vote`,
    and the counts."""
    record = record_of(session, vote_id)
    outcome = record.outcome
    if outcome.without_vote:
        return {"outcome": "adopted without a vote", "counts": None}
    t = outcome.tally
    return {"outcome": "adopted" if outcome.adopted else "not adopted",
            "counts": {"in_favour": len(t.in_favour), "against": len(t.against), "abstaining": len(t.abstaining)}}


def resolution_text(body_name: str, snapshot: str) -> tuple[str, ...]:
    """A resolution's text as printed, from the frozen version's snapshot it keeps."""
    paragraphs = [Paragraph(uid, ParagraphKind(kind), level, text) for uid, kind, level, text in json.loads(snapshot)]
    return _text(body_rules(body_name).organ_line, paragraphs)
