"""Named versions and the comparison of two points of a draft's history, on the database."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from editor.domain.document import ParagraphKind
from editor.domain.sync import ACCEPT, DELETE, INSERT, MOVE, REJECT, TEXT, Replica, Request
from editor.persistence.models import Delegation, Draft, HistorySnapshot, Paragraph, User
from editor.services import log, revisions
from editor.services import sync as sync_service
from editor.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied


def user(session, name: str) -> User:
    return session.scalar(select(User).where(User.username == name))


def edit(session, draft_id: int, username: str, ref_index: int, change) -> None:
    """`username`'s delegation changes paragraph number `ref_index` (in order) with change(text) -> text."""
    state = sync_service.join(session, sync_service.load_draft(session, draft_id), None, None)
    replica = Replica(f"{username}-client", state)
    uid = replica.order[ref_index]
    replica.edit(uid, change(replica.text(uid)))
    request = sync_service.sync.parse_request(replica.outgoing())
    [applied] = sync_service.apply_batch(session, [(user(session, username).id, draft_id, request)])
    assert applied.reply.ok, applied.reply.error
    session.commit()


def add_paragraph(session, draft_id: int, username: str, position: int, text: str,
                  kind: ParagraphKind = ParagraphKind.OPERATIVE) -> None:
    draft = sync_service.load_draft(session, draft_id)
    request = Request(f"{username}-adder", 1, draft.version, INSERT, "newop", draft.generation,
                      kind=kind, level=0, position=position, text=text)
    [applied] = sync_service.apply_batch(session, [(user(session, username).id, draft_id, request)])
    assert applied.reply.ok, applied.reply.error
    session.commit()


def test_the_penholder_names_versions_and_everyone_reads_the_list(session, seed):
    draft_id = seed["draft_id"]  # the seed's scenario named its zero draft (seq 9), then made three changes
    rev1 = revisions.name_version(session, user(session, "peru"), draft_id, "  rev.1  ")
    assert (rev1.name, rev1.seq, len(rev1.content_hash)) == ("rev.1", 12, 64)
    edit(session, draft_id, "france", 5, lambda text: text + " (France)")
    revisions.name_version(session, user(session, "peru"), draft_id, "rev.2")
    listed = revisions.list_versions(session, user(session, "kuwait"), draft_id)
    assert [(v.name, v.seq) for v in listed] == [("zero draft", 9), ("rev.1", 12), ("rev.2", 13)]


@pytest.mark.parametrize(("who", "name", "error"), [
    ("france", "rev.1", PermissionDenied),  # only the penholder names versions
    ("peru", "", InvalidInput),
    ("peru", "x" * 81, InvalidInput),
    ("peru", "zero draft", Conflict),  # names are unique in a draft
])
def test_naming_a_version_is_refused_with_the_reason(session, seed, who, name, error):
    with pytest.raises(error):
        revisions.name_version(session, user(session, who), seed["draft_id"], name)
    assert len(revisions.list_versions(session, user(session, "peru"), seed["draft_id"])) == 1


def test_the_history_replays_to_the_text_as_it_stands(session, seed):
    draft_id = seed["draft_id"]
    edit(session, draft_id, "germany", 4, lambda text: "Firmly " + text)
    add_paragraph(session, draft_id, "indonesia", 2, "Noting the concept note,", ParagraphKind.PREAMBULAR)
    draft = session.get(Draft, draft_id)
    tracked = log.history(session, draft.id)
    live = sorted((p for p in draft.paragraphs if p.deleted_at is None), key=lambda p: p.position)
    assert tracked.text_at(draft.version) == [(p.uid, p.text) for p in live]


def test_compare_lists_each_change_since_the_last_named_version_with_its_author(session, seed):
    draft_id = seed["draft_id"]
    revisions.name_version(session, user(session, "peru"), draft_id, "rev.1")
    edit(session, draft_id, "france", 5, lambda text: text.replace("Encourages States", "Encourages all States"))
    add_paragraph(session, draft_id, "germany", 10, "Requests the Secretary-General to report;")
    result = revisions.compare(session, user(session, "kuwait"), draft_id, None, None)
    assert (result["from"], result["to"]) == (12, 14)
    summary = [(c["kind"], c["ref"], c["text"], c["delegation"]) for c in result["changes"]]
    assert summary == [("inserted", "OP3", "all ", "France"),
                       ("paragraph_added", "OP8", "Requests the Secretary-General to report;", "Germany")]
    assert all(c["at"] for c in result["changes"])
    # Any two points: up to France's change only, and nothing between a point and itself.
    assert [c["delegation"] for c in revisions.compare(
        session, user(session, "kuwait"), draft_id, "rev.1", "13")["changes"]] == ["France"]
    assert revisions.compare(session, user(session, "kuwait"), draft_id, "14", "14")["changes"] == []


def test_compare_refuses_unknown_or_backward_points_and_outsiders(session, seed, make_user):
    draft_id = seed["draft_id"]
    for unknown in ("rev.9", "²", "-1"):
        with pytest.raises(NotFound):
            revisions.compare(session, user(session, "kuwait"), draft_id, unknown, None)
    with pytest.raises(InvalidInput):
        revisions.compare(session, user(session, "kuwait"), draft_id, "9", "3")
    with pytest.raises(InvalidInput):
        revisions.compare(session, user(session, "kuwait"), draft_id, "0", "999")
    make_user("watcher", "observer")
    with pytest.raises(PermissionDenied):
        revisions.compare(session, user(session, "watcher"), draft_id, None, None)


def reject(session, draft_id: int, username: str, uid: str, change_id: str, since: int, cseq: int = 1,
           op: str = REJECT):
    draft = sync_service.load_draft(session, draft_id)
    request = Request(f"{username}-reviewer", cseq, draft.version, op, uid, draft.generation,
                      review=change_id, since=since)
    [applied] = sync_service.apply_batch(session, [(user(session, username).id, draft_id, request)])
    session.commit()
    return applied


def test_the_penholder_rejects_germanys_change_and_the_zero_draft_words_return(session, seed):
    draft_id = seed["draft_id"]
    kuwait = user(session, "kuwait")
    germany = [c for c in revisions.compare(session, kuwait, draft_id, "zero draft", None)["changes"]
               if c["delegation"] == "Germany"]
    uid = germany[0]["paragraph"]
    zero_text = dict(log.history(session, draft_id).text_at(9))[uid]
    for cseq, change in enumerate(germany, 1):
        applied = reject(session, draft_id, "peru", uid, change["id"], 9, cseq)
        assert applied.reply.ok and applied.change.op == TEXT and applied.change.author["delegation"] == "Peru"
    assert session.scalar(select(Paragraph.text).where(Paragraph.uid == uid)) == zero_text
    left = revisions.compare(session, kuwait, draft_id, "zero draft", None)["changes"]
    assert {c["delegation"] for c in left} == {"France", "Indonesia"}
    # Replayed from the log, the revived words are the zero draft's again, by Peru, not new text.
    tracked = log.history(session, draft_id)
    assert {mark.seq for _, mark in tracked.tracks[uid].text.authors()} == {tracked.tracks[uid].added.seq}
    draft = session.get(Draft, draft_id)
    live = sorted((p for p in draft.paragraphs if p.deleted_at is None), key=lambda p: p.position)
    assert tracked.text_at(draft.version) == [(p.uid, p.text) for p in live]


def test_only_the_penholder_rejects_and_a_refused_rejection_changes_nothing(session, seed):
    draft_id = seed["draft_id"]
    [france] = [c for c in revisions.compare(session, user(session, "kuwait"), draft_id, "zero draft", None)
                ["changes"] if c["delegation"] == "France"][:1]
    before = session.get(Draft, draft_id).version
    refused = reject(session, draft_id, "germany", france["paragraph"], france["id"], 9)
    assert refused.reply.error.code == "forbidden" and "penholder" in refused.reply.error.message
    unknown = reject(session, draft_id, "peru", france["paragraph"], "i99.0", 9)
    assert unknown.reply.error.code == "bad_request"
    session.expire_all()
    assert session.get(Draft, draft_id).version == before


def test_the_redline_gives_every_paragraph_with_its_runs_in_the_authors_colours(session, seed):
    result = revisions.redline(session, user(session, "kuwait"), seed["draft_id"], None)
    assert (result["from"], result["to"]) == (9, 12)
    by_ref = {p["ref"]: p for p in result["paragraphs"]}
    assert [p["status"] for p in result["paragraphs"]].count("added") == 1 and by_ref["OP5"]["status"] == "added"
    assert by_ref["OP5"]["delegation"] == "Indonesia" and by_ref["OP5"]["colour"].startswith("#")
    op1 = by_ref["OP1"]["segments"]
    assert {s["kind"] for s in op1} == {"kept", "inserted"}  # France added words to OP1
    assert {s["kind"] for s in by_ref["OP3"]["segments"]} == {"kept", "inserted", "deleted"}  # Germany replaced
    france = session.scalar(select(Delegation.colour).where(Delegation.name == "France"))
    assert all(s["colour"] == france and s["delegation"] == "France" and s["id"] for s in op1 if s["kind"] != "kept")
    assert "".join(s["text"] for s in op1 if s["kind"] != "deleted") == session.scalar(
        select(Paragraph.text).where(Paragraph.uid == by_ref["OP1"]["id"]))


def test_the_timeline_pages_back_through_every_revision(session, seed):
    kuwait = user(session, "kuwait")
    first = revisions.timeline(session, kuwait, seed["draft_id"], limit=5)
    assert [r["seq"] for r in first["revisions"]] == [12, 11, 10, 9, 8] and first["next"] == 8
    assert [(r["kind"], r["delegation"]) for r in first["revisions"][:3]] == [
        ("insert", "Indonesia"), ("edit", "Germany"), ("edit", "France")]
    rest = revisions.timeline(session, kuwait, seed["draft_id"], before=first["next"], limit=100)
    assert [r["seq"] for r in rest["revisions"]] == list(range(7, 0, -1)) and rest["next"] is None
    with pytest.raises(InvalidInput):
        revisions.timeline(session, kuwait, seed["draft_id"], limit=0)


def test_the_whole_text_at_any_point(session, seed):
    kuwait = user(session, "kuwait")
    zero = revisions.text_at(session, kuwait, seed["draft_id"], "zero draft")
    now = revisions.text_at(session, kuwait, seed["draft_id"], None)
    assert (zero["seq"], len(zero["paragraphs"]), now["seq"], len(now["paragraphs"])) == (9, 9, 12, 10)
    assert [p["ref"] for p in zero["paragraphs"]][-1] == "OP6" and now["paragraphs"][-1]["ref"] == "OP7"
    draft = session.get(Draft, seed["draft_id"])
    live = sorted((p for p in draft.paragraphs if p.deleted_at is None), key=lambda p: p.position)
    assert [(p["id"], p["text"]) for p in now["paragraphs"]] == [(p.uid, p.text) for p in live]


def test_the_text_at_every_point_is_the_replayed_history_even_after_a_rejection(session, seed):
    """The slider reads each paragraph's stored text; the replay is the other witness, point by point,
    through edits, an added paragraph, a deletion rejected (its words come back) and a move."""
    draft_id = seed["draft_id"]
    edit(session, draft_id, "france", 5, lambda text: text[10:])
    uid = sync_service.join(session, sync_service.load_draft(session, draft_id), None, None)["paragraphs"][5]["id"]
    deleted = [c for c in revisions.compare(session, user(session, "peru"), draft_id, "zero draft", None)["changes"]
               if c["kind"] == "deleted" and c["paragraph"] == uid]
    assert reject(session, draft_id, "peru", uid, deleted[0]["id"], 9).reply.ok
    add_paragraph(session, draft_id, "germany", 3, "Noting with appreciation,", ParagraphKind.PREAMBULAR)
    kuwait = user(session, "kuwait")
    last = session.get(Draft, draft_id).version
    for seq in range(1, last + 1):
        replayed = log.history(session, draft_id, seq).text_at(seq)
        assert [(p["id"], p["text"]) for p in revisions.text_at(session, kuwait, draft_id, str(seq))["paragraphs"]] \
            == replayed, seq


def test_a_kept_history_catches_up_with_the_log_and_is_rebuilt_when_the_log_ends_before_it(session, seed):
    draft_id = seed["draft_id"]
    histories = log.Histories(size=1)
    draft = session.get(Draft, draft_id)
    with histories.current(session, draft_id, draft.generation, draft.version) as tracked:
        kept = tracked
    edit(session, draft_id, "france", 5, lambda text: text + " (France)")
    session.expire_all()
    draft = session.get(Draft, draft_id)
    with histories.current(session, draft_id, draft.generation, draft.version) as tracked:
        assert tracked is kept and tracked.seq == draft.version
        assert tracked.text_at(draft.version) == log.history(session, draft_id).text_at(draft.version)
    # ahead of the log (a batch rolled back after the history had seen it): rebuilt from the log
    with histories.current(session, draft_id, draft.generation, draft.version - 1) as tracked:
        assert tracked is not kept and tracked.seq == draft.version - 1
        kept = tracked
    with histories.current(session, draft_id, "another generation", draft.version) as tracked:
        assert tracked is not kept
    # a failure while it is in use leaves nothing half-built behind
    with pytest.raises(RuntimeError), histories.current(session, draft_id, draft.generation, draft.version) as tracked:
        kept = tracked
        raise RuntimeError
    with histories.current(session, draft_id, draft.generation, draft.version) as tracked:
        assert tracked is not kept


def test_the_penholder_accepts_frances_change_and_no_redline_shows_it_but_the_text_keeps_it(session, seed):
    draft_id = seed["draft_id"]
    kuwait = user(session, "kuwait")
    france = [c for c in revisions.compare(session, kuwait, draft_id, "zero draft", None)["changes"]
              if c["delegation"] == "France"]
    texts = dict(session.execute(select(Paragraph.uid, Paragraph.text).where(Paragraph.draft_id == draft_id)).all())
    refused = reject(session, draft_id, "france", france[0]["paragraph"], france[0]["id"], 9, op=ACCEPT)
    assert refused.reply.error.code == "forbidden"
    for cseq, change in enumerate(france, 1):
        applied = reject(session, draft_id, "peru", change["paragraph"], change["id"], 9, cseq, op=ACCEPT)
        assert applied.reply.ok and applied.change.author["delegation"] == "Peru"
        assert sync_service.sync.apply_delta(texts[change["paragraph"]], applied.change.delta) \
            == texts[change["paragraph"]]  # the replicas hear of it as a change that keeps the text
    session.expire_all()
    assert dict(session.execute(select(Paragraph.uid, Paragraph.text)
                                .where(Paragraph.draft_id == draft_id)).all()) == texts
    now = revisions.compare(session, kuwait, draft_id, "zero draft", None)
    assert {c["delegation"] for c in now["changes"]} == {"Germany", "Indonesia"}
    # Replayed from the log (as after a restart), the acceptances hold; up to before them, France shows.
    revisions.forget_histories()
    redline = revisions.redline(session, kuwait, draft_id, "zero draft")
    assert "France" not in {s.get("delegation") for p in redline["paragraphs"] for s in p["segments"]}
    before = revisions.compare(session, kuwait, draft_id, "zero draft", "12")
    assert "France" in {c["delegation"] for c in before["changes"]}
    timeline = revisions.timeline(session, kuwait, draft_id, limit=1)["revisions"]
    assert (timeline[0]["kind"], timeline[0]["delegation"]) == ("accept", "Peru")
    # Accepting it again: nothing left to accept, and nothing changes.
    again = reject(session, draft_id, "peru", france[0]["paragraph"], france[0]["id"], 9, 99, op=ACCEPT)
    assert again.reply.error.code == "bad_request" and "accept" in again.reply.error.message


def test_after_a_restart_the_first_redline_starts_from_the_snapshot_not_the_first_change(session, seed,
                                                                                          monkeypatch):
    draft_id, kuwait = seed["draft_id"], user(session, "kuwait")
    monkeypatch.setattr(log.Histories, "SNAPSHOT_EVERY", 5)
    revisions.forget_histories()
    revisions.redline(session, kuwait, draft_id, "zero draft")  # replays all 12 changes, and keeps them
    session.expire_all()
    assert session.get(HistorySnapshot, draft_id).seq == 12
    edit(session, draft_id, "france", 5, lambda text: text + " (France)")
    replayed = []
    replay = log._replay
    monkeypatch.setattr(log, "_replay", lambda tracked, draft, entries: (
        replayed.extend(revision.seq for revision, _ in entries), replay(tracked, draft, entries)))
    revisions.forget_histories()  # as a restart does
    from_snapshot = revisions.redline(session, kuwait, draft_id, "zero draft")
    assert replayed == [13]
    session.execute(delete(HistorySnapshot))
    session.commit()
    revisions.forget_histories()
    assert revisions.redline(session, kuwait, draft_id, "zero draft") == from_snapshot
    assert replayed[1:] == list(range(1, 14))


def test_comparing_two_earlier_points_starts_from_the_snapshot_when_it_is_not_past_the_later(session, seed,
                                                                                             monkeypatch):
    draft_id, kuwait = seed["draft_id"], user(session, "kuwait")
    monkeypatch.setattr(log.Histories, "SNAPSHOT_EVERY", 5)
    revisions.forget_histories()
    revisions.redline(session, kuwait, draft_id, "zero draft")  # the snapshot, at change 12
    for name in ("france", "peru", "germany"):
        edit(session, draft_id, name, 5, lambda text, name=name: f"{text} ({name})")
    replayed = []
    replay = log._replay
    monkeypatch.setattr(log, "_replay", lambda tracked, draft, entries: (
        replayed.append([revision.seq for revision, _ in entries]), replay(tracked, draft, entries)))
    after = revisions.compare(session, kuwait, draft_id, "zero draft", "14")  # 12 <= 14: 13 and 14 only
    before = revisions.compare(session, kuwait, draft_id, "zero draft", "11")  # before it: the whole log
    assert replayed == [[13, 14], list(range(1, 12))]
    session.execute(delete(HistorySnapshot))
    session.commit()
    assert revisions.compare(session, kuwait, draft_id, "zero draft", "14") == after
    assert revisions.compare(session, kuwait, draft_id, "zero draft", "11") == before
    assert replayed[2:] == [list(range(1, 15)), list(range(1, 12))]
    assert [c["text"] for c in after["changes"] if c["kind"] == "inserted"][-2:] == [" (france)", " (peru)"]


def structure(session, draft_id: int, username: str, op: str, uid: str, cseq: int, **fields):
    draft = sync_service.load_draft(session, draft_id)
    request = Request(f"{username}-outline", cseq, draft.version, op, uid, draft.generation, **fields)
    [applied] = sync_service.apply_batch(session, [(user(session, username).id, draft_id, request)])
    assert applied.reply.ok, applied.reply.error
    session.commit()


def outline(session, draft_id: int) -> list[tuple[str, str]]:
    rows = session.execute(select(Paragraph.uid, Paragraph.text).where(
        Paragraph.draft_id == draft_id, Paragraph.deleted_at.is_(None)).order_by(Paragraph.position))
    return [tuple(row) for row in rows]


def test_the_penholder_brings_back_a_deleted_paragraph_and_moves_a_moved_one_back(session, seed):
    draft_id, kuwait = seed["draft_id"], user(session, "kuwait")
    state = sync_service.join(session, sync_service.load_draft(session, draft_id), None, None)
    replica = Replica("watcher", state)
    before = outline(session, draft_id)
    op2, op6 = before[4][0], before[8][0]
    structure(session, draft_id, "germany", DELETE, op2, 1)  # change 13
    structure(session, draft_id, "france", MOVE, op6, 1, position=3)  # change 14: before OP1
    changed = {p["id"]: p for p in revisions.redline(session, kuwait, draft_id, "12")["paragraphs"]
               if p["status"] != "kept"}
    assert {uid: (p["status"], p["change"], p["delegation"]) for uid, p in changed.items()} == {
        op2: ("deleted", "d13", "Germany"), op6: ("moved", "m14", "France")}
    assert reject(session, draft_id, "kuwait", op2, "d13", 12).reply.error.code == "forbidden"
    assert reject(session, draft_id, "peru", op2, "m13", 12).reply.error.code == "bad_request"

    restored = reject(session, draft_id, "peru", op2, "d13", 12, 1)
    assert restored.reply.ok and restored.change.op == INSERT and restored.change.author["delegation"] == "Peru"
    moved_back = reject(session, draft_id, "peru", op6, "m14", 12, 2)
    assert moved_back.reply.ok and moved_back.change.op == MOVE
    session.expire_all()
    assert outline(session, draft_id) == before  # where they stood, with the text they had
    assert [p["status"] for p in revisions.redline(session, kuwait, draft_id, "12")["paragraphs"]] \
        == ["kept"] * len(before)
    replica.receive(c.to_wire() for c in sync_service.changes_since(
        session, sync_service.load_draft(session, draft_id), 12))
    assert [(uid, replica.text(uid)) for uid in replica.order] == before
    # Replayed from the log, the history agrees; the timeline says who rejected what.
    revisions.forget_histories()
    assert [p["status"] for p in revisions.redline(session, kuwait, draft_id, "12")["paragraphs"]] \
        == ["kept"] * len(before)
    assert [r["kind"] for r in revisions.timeline(session, kuwait, draft_id, limit=2)["revisions"]] \
        == ["reject", "reject"]


def test_the_penholder_accepts_an_added_paragraph_and_a_deletion(session, seed):
    draft_id, kuwait = seed["draft_id"], user(session, "kuwait")
    added = next(p for p in revisions.redline(session, kuwait, draft_id, "zero draft")["paragraphs"]
                 if p["status"] == "added")
    assert (added["delegation"], added["change"]) == ("Indonesia", "a12")
    uid = outline(session, draft_id)[0][0]
    structure(session, draft_id, "germany", DELETE, uid, 1)  # change 13
    before = outline(session, draft_id)
    assert reject(session, draft_id, "peru", added["id"], "a12", 9, 1, op=ACCEPT).reply.ok
    assert reject(session, draft_id, "peru", uid, "d13", 9, 2, op=ACCEPT).reply.ok
    session.expire_all()
    assert outline(session, draft_id) == before  # acceptances change nothing in the text
    for _ in range(2):  # from the history kept in memory, then replayed from the log
        paragraphs = {p["id"]: p for p in revisions.redline(session, kuwait, draft_id, "zero draft")["paragraphs"]}
        assert paragraphs[added["id"]]["status"] == "kept" and uid not in paragraphs
        assert {s["kind"] for s in paragraphs[added["id"]]["segments"]} == {"kept"}
        revisions.forget_histories()
    kinds = {c["kind"] for c in revisions.compare(session, kuwait, draft_id, "zero draft", "13")["changes"]}
    assert {"paragraph_deleted", "paragraph_added"} <= kinds  # up to before the acceptances, both show


@pytest.mark.parametrize("reject_first", [True, False])
def test_a_rejection_and_typing_in_the_same_paragraph_both_hold_in_either_order(session, seed, reject_first):
    """France types at the start of OP1 while the penholder rejects France's earlier words at its end: both
    made on the same version, committed in one batch in either order; both hold."""
    draft_id = seed["draft_id"]
    [inserted] = [c for c in revisions.compare(session, user(session, "kuwait"), draft_id, "zero draft", None)
                  ["changes"] if c["ref"] == "OP1"]
    uid = inserted["paragraph"]
    zero_text = dict(log.history(session, draft_id).text_at(9))[uid]
    draft = sync_service.load_draft(session, draft_id)
    now = session.scalar(select(Paragraph.text).where(Paragraph.uid == uid))
    typing = Request("france-typing", 1, draft.version, TEXT, uid, draft.generation,
                     delta=sync_service.sync.make_delta(now, "Firmly " + now))
    rejecting = Request("peru-review", 1, draft.version, REJECT, uid, draft.generation,
                        review=inserted["id"], since=9)
    batch = [(user(session, "peru").id, draft_id, rejecting), (user(session, "france").id, draft_id, typing)]
    applied = sync_service.apply_batch(session, batch if reject_first else batch[::-1])
    session.commit()
    assert [(a.reply.ok, a.reply.conflicts, a.reply.error) for a in applied] == [(True, (), None)] * 2
    session.expire_all()
    assert session.scalar(select(Paragraph.text).where(Paragraph.uid == uid)) == "Firmly " + zero_text
    revisions.forget_histories()
    left = revisions.redline(session, user(session, "kuwait"), draft_id, "zero draft")
    op1 = next(p for p in left["paragraphs"] if p["id"] == uid)
    assert [(s["kind"], s["text"], s["delegation"]) for s in op1["segments"] if s["kind"] != "kept"] \
        == [("inserted", "Firmly ", "France")]
