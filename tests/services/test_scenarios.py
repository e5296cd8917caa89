import dataclasses

from sqlalchemy import func, select

from editor.domain.document import ParagraphKind
from editor.domain.scenario import load_scenario_file
from editor.persistence.models import (
    Delegation,
    Draft,
    Membership,
    NamedVersion,
    Paragraph,
    Presidency,
    Revision,
    RevisionKind,
    Sponsor,
    User,
)
from editor.services import audit, drafting
from editor.services import revisions as revisions_service
from editor.services.demo import DEMO_SCENARIO
from editor.services.permissions import SYSTEM
from editor.services.scenarios import load_scenario, username_for


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_the_seed_loads_body_members_accounts_and_draft(session, seed):
    assert count(session, Membership) == 15
    permanent = session.scalars(
        select(Delegation.name).join(Membership, Membership.delegation_id == Delegation.id)
        .where(Membership.permanent.is_(True))
    ).all()
    assert sorted(permanent) == ["China", "France", "Russian Federation", "United Kingdom", "United States"]
    presidency = session.scalar(select(Presidency))
    assert (presidency.month, presidency.delegation.name) == ("2019-07", "Peru")
    # One account per delegation, the presidency's and the press officer's.
    assert count(session, User) == 17
    roles = dict(session.execute(select(User.username, User.role)).all())
    assert roles["peru"].value == "penholder" and roles["kuwait"].value == "delegate"
    assert roles["peru-presidency"].value == "presidency" and roles["press-officer"].value == "press_officer"
    assert roles["cote-divoire"].value == "delegate"


def test_the_draft_is_opened_by_the_penholder_with_every_paragraph_attributed(session, seed):
    draft = session.get(Draft, seed["draft_id"])
    assert draft.penholder.name == "Peru" and draft.created_by.username == "peru"
    kinds = [p.kind for p in draft.paragraphs]
    assert kinds == [ParagraphKind.PREAMBULAR] * 3 + [ParagraphKind.OPERATIVE] * 7
    revisions = session.scalars(select(Revision).where(Revision.draft_id == draft.id).order_by(Revision.seq)).all()
    assert [r.seq for r in revisions] == list(range(1, 13)) and draft.version == 12
    # The zero draft, each paragraph a first revision by the penholder...
    assert {r.kind for r in revisions[:9]} == {RevisionKind.CREATE}
    assert {r.delegation.name for r in revisions[:9]} == {"Peru"}
    assert revisions[3].result.startswith("Expresses concern that terrorists")
    # ...named, then the scenario's revisions, each a tracked change by its delegation.
    zero = session.scalar(select(NamedVersion).where(NamedVersion.draft_id == draft.id))
    assert (zero.name, zero.seq, zero.created_by.username) == ("zero draft", 9, "peru")
    assert [(r.kind, r.delegation.name) for r in revisions[9:]] == [
        (RevisionKind.EDIT, "France"), (RevisionKind.EDIT, "Germany"), (RevisionKind.INSERT, "Indonesia")]
    assert audit.verify_chain(session).ok


def test_the_seed_redline_shows_france_germany_and_indonesia_each_in_its_colour(session, seed):
    kuwait = session.scalar(select(User).where(User.username == "kuwait"))
    changes = revisions_service.compare(session, kuwait, seed["draft_id"], None, None)["changes"]
    assert {c["delegation"] for c in changes} == {"France", "Germany", "Indonesia"}
    france = [c["text"] for c in changes if c["delegation"] == "France" and c["kind"] == "inserted"]
    assert "artefacts and cultural property" in " ".join(france)
    [added] = [c for c in changes if c["kind"] == "paragraph_added"]
    assert (added["delegation"], added["ref"]) == ("Indonesia", "OP5")
    assert added["text"].startswith("Encourages Member States to explore ways of preventing radicalization")
    # whole words, not letters paired across the replaced ones
    assert all(c["text"][:1] in " ,;" or c["text"][:1].isalnum() for c in changes)


def test_numbering_comes_from_order(session, seed):
    view = drafting.get_draft(session, session.scalar(select(User).where(User.username == "kuwait")),
                              seed["draft_id"])
    labels = [(p.label, p.opening) for p in view.paragraphs]
    assert labels[:3] == [("", "Recalling"), ("", "Reaffirming"), ("", "Welcoming")]
    assert labels[3:] == [("1.", "Expresses concern"), ("2.", "Further expresses concern"), ("3.", "Encourages"),
                          ("4.", "Calls on"), ("5.", "Encourages"), ("6.", "Requests"), ("7.", "Decides")]
    assert view.organ_line == "The Security Council,"


def test_paragraphs_keep_stable_ids(session, seed):
    uids = session.scalars(select(Paragraph.uid).where(Paragraph.draft_id == seed["draft_id"])).all()
    assert len(set(uids)) == 10 and all(uids)


def test_sponsors_are_stored(session, database):
    scenario = load_scenario_file(DEMO_SCENARIO)
    scenario = dataclasses.replace(scenario, draft=dataclasses.replace(scenario.draft, sponsors=("France", "Peru")))
    report = load_scenario(session, SYSTEM, scenario)
    names = session.scalars(select(Delegation.name).join(Sponsor).where(Sponsor.draft_id == report.draft.id)).all()
    assert sorted(names) == ["France", "Peru"]


def test_usernames_are_ascii_slugs():
    assert username_for("Côte d'Ivoire") == "cote-divoire"
    assert username_for("Russian Federation", "presidency") == "russian-federation-presidency"


def test_the_seed_loaded_through_its_outcome_is_resolution_2482_with_its_meeting_and_statements(session):
    from editor.persistence.models import DraftStatus, Meeting, Resolution, Statement, Vote, VoteMethod
    from editor.services import voting

    report = load_scenario(session, SYSTEM, load_scenario_file(DEMO_SCENARIO))
    session.commit()
    draft = session.get(Draft, report.draft.id)
    final = session.scalar(select(NamedVersion).where(NamedVersion.final.is_(True)))
    assert (draft.status, final.name) == (DraftStatus.VOTED, "in blue")
    meeting = session.scalar(select(Meeting))
    assert (meeting.number, meeting.period, str(meeting.began), str(meeting.ended)) == (8582, "AM", "12:30:00",
                                                                                       "12:40:00")
    vote = session.scalar(select(Vote))
    assert (vote.method, vote.outcome, vote.text_hash) == (VoteMethod.SHOW_OF_HANDS, "adopted", final.content_hash)
    resolution = session.scalar(select(Resolution))
    assert (resolution.number, resolution.symbol, resolution.text) == ("2482 (2019)", "S/RES/2482 (2019)",
                                                                       final.snapshot)
    presidency = session.scalar(select(User).where(User.username == "peru-presidency"))
    board = voting.board(session, presidency, vote.id)
    assert board["announcement"] == ("There were 15 votes in favour. The draft resolution has been adopted as "
                                     "resolution 2482 (2019).")
    statements = session.scalars(select(Statement).order_by(Statement.position)).all()
    assert [(s.delegation.name, s.when) for s in statements][0] == ("Russian Federation", "after")
    assert audit.verify_chain(session).ok


def test_in_the_demo_the_presidency_can_take_the_draft_to_the_vote_today(session):
    from datetime import date

    from editor.services import demo, voting

    report = demo.load_demo(session)
    presidency = session.scalar(select(User).where(User.username == "peru-presidency"))
    meeting = voting.create_meeting(session, presidency, "Security Council", 9000, date.today(), "AM", "Threats",
                                    report.draft.id)
    assert meeting.draft_id == report.draft.id


def test_sponsors_and_silence_in_a_scenario_are_replayed_through_the_services(session):
    import copy
    import json as json_module

    from editor.domain.scenario import ScenarioError, parse_scenario
    from editor.persistence.models import AuditEntry, DraftStatus, Silence, Sponsor, SponsorStatus

    story = copy.deepcopy(json_module.loads(DEMO_SCENARIO.read_text(encoding="utf-8")))
    story["sponsors"] = [{"member": "France", "answer": "consent"}, {"member": "Germany", "answer": "decline"},
                         {"member": "Kuwait", "answer": "withdraw"}]
    story["silence"] = {"deadline": "2019-07-17T18:00:00-04:00",
                        "broken_by": {"member": "Russian Federation", "paragraphs": ["OP3"], "reason": "Too broad."}}
    report = load_scenario(session, SYSTEM, parse_scenario(story))
    session.commit()
    statuses = {s.delegation.name: s.status for s in session.scalars(select(Sponsor))}
    assert statuses == {"France": SponsorStatus.SPONSOR, "Germany": SponsorStatus.DECLINED,
                        "Kuwait": SponsorStatus.WITHDRAWN}
    silence = session.scalar(select(Silence))
    assert silence.broken_by_delegation.name == "Russian Federation" and silence.reason == "Too broad."
    assert session.get(Draft, report.draft.id).status is DraftStatus.VOTED
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("draft.%"))).all()
    assert actions.index("draft.silence") < actions.index("draft.silence.broken") < actions.index("draft.freeze")

    unbroken = copy.deepcopy(story)
    unbroken["silence"] = {"deadline": "2019-07-17T18:00:00+02:00"}
    unbroken["meeting"] = {**story["meeting"], "number": 8583, "press_release": "SC/13894"}
    unbroken["resolution"] = "2483 (2019)"
    assert parse_scenario(unbroken).silence.broken_by is None
    second = load_scenario(session, SYSTEM, parse_scenario(unbroken))  # silence passed: agreed, then in blue
    session.commit()
    assert session.get(Draft, second.draft.id).status is DraftStatus.VOTED
    assert session.scalar(select(Silence).where(Silence.draft_id == second.draft.id)).broken_at is None
    for bad, key in ((dict(unbroken, silence={"deadline": "2019-07-17T18:00"}), "silence.deadline"),
                     (dict(unbroken, sponsors=[{"member": "France", "answer": "maybe"}]), "sponsors[0].answer")):
        try:
            parse_scenario(bad)
        except ScenarioError as error:
            assert key in str(error)
        else:
            raise AssertionError(f"{key} accepted")
