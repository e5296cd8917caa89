"""Loading a `penholder-scenario/1` story into the database through the same use cases the app calls."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from editor.domain import document, sync
from editor.domain.scenario import Revision, Scenario, scenario_paragraphs
from editor.persistence.models import Debate, Draft, Paragraph, Role, User
from editor.services import accounts, audit, bodies, drafting, revisions, sponsors, stages, voting
from editor.services import sync as sync_service
from editor.services.errors import InvalidInput
from editor.services.permissions import Action, require

ZERO_DRAFT = "zero draft"

PRESS_OFFICER = "press-officer"


def username_for(delegation: str, suffix: str = "") -> str:
    """"Côte d'Ivoire" -> "cote-divoire": ASCII, lower case, words joined by dashes."""
    ascii_name = unicodedata.normalize("NFKD", delegation).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower().replace("'", "")).strip("-")
    return f"{slug}-{suffix}" if suffix else slug


@dataclass
class LoadReport:
    draft: Draft
    # (username, role, affiliation) of each account the load created, in the order created.
    accounts: list[tuple[str, str, str]] = field(default_factory=list)


DRAFTING, OUTCOME = "drafting", "outcome"  # how far a load takes the story


def load_scenario(session: Session, actor: object, scenario: Scenario, demo_password: str | None = None,
                  until: str = OUTCOME) -> LoadReport:
    """Seat the body, create one account per delegation (the penholder's with the pen), a presidency and a
    press-officer account, open the draft as the penholder and make the scenario's revisions as tracked
    changes after naming the zero draft; then (`until` "outcome") put the text in blue, hold the meeting,
    record the statements and the vote through the same use cases as the presidency, and close it with
    the scenario's resolution number. `until` "drafting" stops before the text goes in blue (the demo: a
    draft one can still co-draft). Accounts get `demo_password` only in demo mode; otherwise they cannot
    log in until `flask user password` sets one."""
    if until not in (DRAFTING, OUTCOME):
        raise InvalidInput(f'A load goes until "{DRAFTING}" or "{OUTCOME}".')
    require(session, actor, Action.ADMINISTER)
    body = bodies.ensure_body(session, scenario.body)
    delegations = {d.name: d for d in bodies.seat_members(session, body, scenario.members)}
    bodies.set_presidency(session, body, delegations[scenario.presidency], scenario.meeting.date)

    wanted = [
        (username_for(name), Role.PENHOLDER if name == scenario.draft.penholder else Role.DELEGATE, name)
        for name in scenario.members
    ]
    wanted.append((username_for(scenario.presidency, "presidency"), Role.PRESIDENCY, scenario.presidency))
    wanted.append((PRESS_OFFICER, Role.PRESS_OFFICER, None))
    created = []
    for username, role, delegation in wanted:
        if session.scalar(select(User.id).where(User.username == username)) is None:
            display = f"{delegation} ({role.value})" if delegation else "Press officer"
            accounts.create_user(session, actor, username, role, delegation, demo_password, display,
                                 demo=demo_password is not None)
            created.append((username, role.value, delegation or "Secretariat"))

    penholder = session.scalar(select(User).where(User.username == username_for(scenario.draft.penholder)))
    spec = scenario.draft
    draft = drafting.open_draft(session, penholder, body.name, spec.agenda_item, scenario_paragraphs(spec),
                                symbol=spec.symbol, sponsors=spec.sponsors)
    if scenario.revisions:
        revisions.name_version(session, penholder, draft.id, ZERO_DRAFT)
        for number, revision in enumerate(scenario.revisions, 1):
            _track(session, draft, number, revision)
        session.refresh(draft)
    if until == OUTCOME:
        _hold_the_meeting(session, scenario, body.name, draft, penholder)
    audit.record(session, actor, "scenario.load", f"draft:{draft.id}", {"body": body.name, "note": scenario.note})
    return LoadReport(draft=draft, accounts=created)


def _hold_the_meeting(session: Session, scenario: Scenario, body_name: str, draft: Draft, penholder: User) -> None:
    """The co-sponsors' answers, the silence procedure, the text in blue, the meeting, the statements before
    the vote, the vote, its close, the statements after: each step by whom it is in the room (the penholder,
    a delegation, the presidency of the month). A silence is replayed at the story's time: it starts an
    hour before its deadline, is broken half an hour before it, or has passed at it."""
    for sponsorship in scenario.sponsors:
        member = _account(session, sponsorship.member)
        sponsors.invite(session, penholder, draft.id, sponsorship.member)
        if sponsorship.answer == "withdraw":
            sponsors.answer(session, member, draft.id, consent=True)
            sponsors.withdraw(session, member, draft.id)
        else:
            sponsors.answer(session, member, draft.id, consent=sponsorship.answer == "consent")
    in_blue_at = None
    if scenario.silence is not None:
        silence = scenario.silence
        stages.put_under_silence(session, penholder, draft.id, silence.deadline,
                                 now=silence.deadline - timedelta(hours=1))
        if silence.broken_by:
            stages.break_silence(session, _account(session, silence.broken_by), draft.id, list(silence.paragraphs),
                                 silence.reason or "", now=silence.deadline - timedelta(minutes=30))
        else:
            in_blue_at = silence.deadline
        session.expire(draft)
    stages.put_in_blue(session, penholder, draft.id, now=in_blue_at)
    presidency = session.scalar(select(User).where(User.username == username_for(scenario.presidency, "presidency")))
    spec = scenario.meeting
    meeting = voting.create_meeting(session, presidency, body_name, spec.number, spec.date, spec.period,
                                    scenario.draft.agenda_item, draft.id, spec.began, spec.ended,
                                    spec.press_release, spec.session)
    if scenario.debate is not None:
        debate = scenario.debate
        meeting.debate = Debate(body_id=meeting.body_id, kind=debate.kind or "debate", date=debate.date,
                                topic=debate.topic, press_release=debate.press_release)

    def statements(when: str) -> None:
        for statement in scenario.statements:
            if statement.when == when:
                voting.add_statement(session, presidency, meeting.id, statement.member, statement.speaker, when,
                                     statement.text)

    statements("before")
    ballot = scenario.vote
    if ballot.without_vote or ballot.by_acclamation:
        voting.adopt_without_vote(session, presidency, meeting.id, ballot.by_acclamation, scenario.resolution)
    else:
        vote = voting.open_vote(session, presidency, meeting.id, scenario.matter)
        for choice, names in ((voting.IN_FAVOUR, ballot.in_favour), (voting.AGAINST, ballot.against),
                              (voting.ABSTAINING, ballot.abstaining),
                              (voting.NOT_PARTICIPATING, ballot.not_participating)):
            for name in names:
                voting.cast(session, presidency, vote.id, name, choice)
        voting.close_vote(session, presidency, vote.id, scenario.resolution)
    statements("after")


def _account(session: Session, member: str) -> User:
    user = session.scalar(select(User).where(User.username == username_for(member)))
    if user is None:
        raise InvalidInput(f"{member} has no account here.")
    return user


def _track(session: Session, draft: Draft, number: int, revision: Revision) -> None:
    """One of the scenario's revisions, made by its delegation through the live engine: a tracked change of
    the log like any delegate's (a replacement as whole words, so that its redline reads as words)."""
    author = session.scalar(select(User).where(User.username == username_for(revision.by)))
    if author is None:
        raise InvalidInput(f"Revision {number} is by {revision.by!r}, who has no account here.")
    session.refresh(draft)
    rows = session.scalars(select(Paragraph).where(Paragraph.draft_id == draft.id, Paragraph.deleted_at.is_(None))
                           .order_by(Paragraph.position).execution_options(populate_existing=True)).all()
    current = [document.Paragraph(p.uid, p.kind, p.level, p.text) for p in rows]
    try:
        target = document.find_by_ref(current, revision.target)
    except document.DocumentError as error:
        raise InvalidInput(f"Revision {number} ({revision.by}): {error}.") from None
    index = current.index(target)
    request = sync.Request(f"scenario-{number}", 1, draft.version, sync.TEXT, target.uid, draft.generation)
    if revision.action == "replace":
        request = replace(request, delta=sync.word_delta(target.text, revision.text or ""))
    elif revision.action in ("insert_after", "insert_before"):
        end = index + 1
        while revision.action == "insert_after" and end < len(current) and current[end].level > target.level:
            end += 1
        request = replace(request, op=sync.INSERT, paragraph=document.new_uid(), kind=target.kind,
                          level=target.level, position=end if revision.action == "insert_after" else index,
                          text=revision.text or "")
    elif revision.action == "delete":
        request = replace(request, op=sync.DELETE)
    else:
        raise InvalidInput(f"Revision {number}: unknown action {revision.action!r}.")
    [applied] = sync_service.apply_batch(session, [(author.id, draft.id, request)])
    if not applied.reply.ok:
        raise InvalidInput(f"Revision {number} ({revision.by}): {applied.reply.error.message}")
