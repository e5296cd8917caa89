"""The committer: one transaction and one broadcast per draft for a whole batch, before any reply."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import delete, func, select

from editor.domain.sync import Replica, Request, parse_request
from editor.persistence.models import Draft, DraftStatus, Membership, Paragraph, Revision, Role, User
from editor.realtime import committer as committer_module
from editor.realtime.committer import Committer, _Item
from editor.services import sync as sync_service


def request(replica: Replica) -> Request:
    return parse_request(replica.outgoing())


def replicas(database, draft_id: int, count: int) -> list[Replica]:
    with database.session() as session:
        state = sync_service.join(session, sync_service.load_draft(session, draft_id), None, None)
    return [Replica(f"client{n}", state) for n in range(count)]


def user_id(database, username: str) -> int:
    with database.session() as session:
        return session.scalar(select(User.id).where(User.username == username))


def test_a_batch_is_committed_then_broadcast_once_then_answered(database, seed):
    draft_id = seed["draft_id"]
    seen = []

    def broadcast(draft, changes):
        with database.session() as other:  # another connection already sees every change: committed
            stored = other.scalar(select(func.count()).select_from(Revision).where(
                Revision.client_id.like("client%")))
        seen.append((draft, [c["seq"] for c in changes], stored, [i.future.done() for i in batch]))

    committer = Committer(database, broadcast)
    france = user_id(database, "france")
    batch = []
    for n, replica in enumerate(replicas(database, draft_id, 5)):
        uid = replica.order[n]
        replica.edit(uid, replica.text(uid) + f" (amendment {n})")
        batch.append(_Item(france, draft_id, request(replica)))
    committer._commit(batch)

    assert len(seen) == 1
    draft, seqs, stored, answered = seen[0]
    assert draft == draft_id and len(seqs) == 5 and seqs == sorted(seqs) and stored == 5
    assert answered == [False] * 5  # nobody heard back before the broadcast
    assert [item.future.result().seq for item in batch] == seqs


def test_a_refused_change_does_not_sink_its_batch(database, seed):
    draft_id = seed["draft_id"]
    committer = Committer(database, lambda draft, changes: None)
    too_long, press, peru = replicas(database, draft_id, 3)
    uid = too_long.order[0]
    too_long.edit(uid, "x" * 25_000)
    for replica in (press, peru):
        replica.edit(uid, replica.text(uid) + " kept")
    batch = [_Item(user_id(database, "kuwait"), draft_id, request(too_long)),
             _Item(user_id(database, "press-officer"), draft_id, request(press)),
             _Item(user_id(database, "peru"), draft_id, request(peru))]
    committer._commit(batch)
    replies = [item.future.result() for item in batch]
    assert replies[0].error.code == "paragraph_too_long"
    assert replies[1].error.code == "forbidden"
    assert replies[2].ok and replies[2].seq


def test_two_committers_on_one_database_never_write_from_a_stale_cache(database, seed):
    """As two processes would: each keeps what it learnt of the draft, and must notice the other's changes."""
    draft_id = seed["draft_id"]
    first, second = Committer(database, lambda *_: None), Committer(database, lambda *_: None)
    peru = user_id(database, "peru")
    words = []
    for n in range(6):
        committer = (first, second)[n % 2]
        [replica] = replicas(database, draft_id, 1)
        uid = replica.order[0]
        words.append(f"word{n}")
        replica.edit(uid, replica.text(uid) + f" word{n}")
        replica.client = f"client-{n}"
        item = _Item(peru, draft_id, request(replica))
        committer._commit([item])
        assert item.future.result().ok
    with database.session() as session:
        text = session.scalar(select(Paragraph.text).where(Paragraph.uid == uid))
    assert text.endswith(" " + " ".join(words))


def _edit(committer, database, draft_id, username, words):
    [replica] = replicas(database, draft_id, 1)
    uid = replica.order[0]
    replica.edit(uid, replica.text(uid) + words)
    item = _Item(user_id(database, username), draft_id, request(replica))
    committer._commit([item])
    return item.future.result()


def test_a_freeze_refuses_the_very_next_change_of_a_warm_committer(database, seed):
    """The committer keeps each editor's right between batches; a change of the draft's status voids it."""
    committer = Committer(database, lambda *_: None)
    assert _edit(committer, database, seed["draft_id"], "france", " before").ok
    with database.session() as session:
        session.get(Draft, seed["draft_id"]).status = DraftStatus.FROZEN
    reply = _edit(committer, database, seed["draft_id"], "france", " after")
    assert not reply.ok and reply.error.code == "frozen"


def test_a_changed_account_is_refused_once_its_kept_right_expires(database, seed, monkeypatch):
    committer = Committer(database, lambda *_: None)
    assert _edit(committer, database, seed["draft_id"], "france", " before").ok
    with database.session() as session:
        session.scalar(select(User).where(User.username == "france")).role = Role.OBSERVER
    monkeypatch.setattr(sync_service.LiveDrafts, "RIGHTS_TTL", 0.0)
    reply = _edit(committer, database, seed["draft_id"], "france", " after")
    assert not reply.ok and reply.error.code == "forbidden"


class _Clock:
    def __init__(self):
        self.now = 1000.0

    def monotonic(self):
        return self.now


def test_a_stale_right_is_decided_again_between_batches_not_in_a_keystroke(database, seed, monkeypatch):
    """Past RIGHTS_TTL a kept right still serves the batch and is decided again when the committer has
    nothing waiting; past twice the TTL the batch decides it itself."""
    clock = _Clock()
    monkeypatch.setattr(sync_service, "time", clock)
    ttl = sync_service.LiveDrafts.RIGHTS_TTL
    committer = Committer(database, lambda *_: None)
    assert _edit(committer, database, seed["draft_id"], "france", " before").ok
    with database.session() as session:
        session.scalar(select(User).where(User.username == "france")).role = Role.OBSERVER

    clock.now += 1.5 * ttl
    assert _edit(committer, database, seed["draft_id"], "france", " stale").ok  # kept, and marked stale
    committer._refresh()  # what _run does when the queue is empty
    reply = _edit(committer, database, seed["draft_id"], "france", " refused")
    assert not reply.ok and reply.error.code == "forbidden"

    with database.session() as session:
        session.scalar(select(User).where(User.username == "france")).role = Role.DELEGATE
    clock.now += 2.5 * ttl  # no moment between batches: decided in the batch
    assert _edit(committer, database, seed["draft_id"], "france", " again").ok


def test_the_running_committer_refreshes_stale_rights_when_idle(database, seed, monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(sync_service, "time", clock)
    committer = Committer(database, lambda *_: None)
    [replica] = replicas(database, seed["draft_id"], 1)
    uid = replica.order[0]
    replica.edit(uid, replica.text(uid) + " one")
    france, change = user_id(database, "france"), request(replica)
    assert committer.submit(france, seed["draft_id"], change).result(timeout=10).ok

    clock.now += 1.5 * sync_service.LiveDrafts.RIGHTS_TTL
    with database.session() as session:
        session.scalar(select(User).where(User.username == "france")).role = Role.OBSERVER
    resent = committer.submit(france, seed["draft_id"], change).result(timeout=10)
    assert resent.ok and resent.duplicate  # served by the stale right, which is now decided again
    for _ in range(500):
        rights = list(committer._live._rights.values())
        if not committer._live._stale and rights and rights[0].refusal is not None:
            break
        threading.Event().wait(0.01)
    assert [right.refusal.code for right in committer._live._rights.values()] == ["forbidden"]


def test_a_long_running_committer_keeps_only_the_drafts_edited_last(database, monkeypatch):
    monkeypatch.setattr(sync_service.LiveDrafts, "MAX_DRAFTS", 2)
    live = sync_service.LiveDrafts()
    header = {n: sync_service._Header(n, 0, "g", DraftStatus.DRAFTING) for n in (1, 2, 3)}
    with database.session() as session:
        first = live.of(session, header[1])
        live.of(session, header[2])
        assert live.of(session, header[1]) is first  # kept, and now the last edited
        live.of(session, header[3])  # the least recently edited (2) goes
        assert list(live._drafts) == [1, 3]
        assert live.of(session, header[2]) is not None and list(live._drafts) == [3, 2]  # loaded again


def test_rights_too_old_to_serve_are_swept_between_batches(database, seed, monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(sync_service, "time", clock)
    committer = Committer(database, lambda *_: None)
    assert _edit(committer, database, seed["draft_id"], "france", " one").ok
    assert _edit(committer, database, seed["draft_id"], "germany", " two").ok
    assert len(committer._live._rights) == 2
    clock.now += 1.5 * sync_service.LiveDrafts.RIGHTS_TTL
    assert _edit(committer, database, seed["draft_id"], "germany", " three").ok  # germany's, marked stale
    committer._refresh()
    assert len(committer._live._rights) == 2  # france's is past the TTL but may still serve; germany's is new
    clock.now += 2.5 * sync_service.LiveDrafts.RIGHTS_TTL
    committer._refresh()
    assert committer._live._rights == {} and committer._live._stale == set()
    assert _edit(committer, database, seed["draft_id"], "france", " four").ok  # decided afresh


@pytest.mark.parametrize("recent", [32, 1])  # bases from memory, or (1) all from the revisions table
def test_changes_made_on_older_versions_merge_whichever_way_their_base_is_found(database, seed, monkeypatch,
                                                                                recent):
    monkeypatch.setattr(sync_service._LivePara, "RECENT_ENTRIES", recent)
    draft_id = seed["draft_id"]
    committer = Committer(database, lambda *_: None)
    stale = replicas(database, draft_id, 4)  # all made on the same version
    uid = stale[0].order[0]
    items = []
    for n, replica in enumerate(stale):
        replica.edit(uid, f"[{n}] " + replica.text(uid) + f" [end {n}]")
        items.append(_Item(user_id(database, "france"), draft_id, request(replica)))
    for item in items:  # one batch each: every one after the first merges into a newer text
        committer._commit([item])
        assert item.future.result().ok
    with database.session() as session:
        text = session.scalar(select(Paragraph.text).where(Paragraph.uid == uid))
    assert all(f"[{n}] " in text and f" [end {n}]" in text for n in range(4))


def test_a_paragraphs_recent_texts_are_bounded_in_entries_and_characters():
    para = sync_service._LivePara(1, "a", 1)
    for version in range(2, 100):
        para.change("a" * version, version)
    assert len(para.recent) == para.RECENT_ENTRIES and para.at(99) == ("a" * 99, [(0, "a" * 99)])
    assert para.at(10) is None  # forgotten: the caller asks the revisions table
    assert para.held == sum(len(v.text) for v in para.recent)
    longest = "b" * (para.RECENT_CHARS + 1)  # longer than the budget alone: only the newest is kept
    para.change(longest, 100)
    assert [(v.seq, v.text) for v in para.recent] == [(100, longest)] and para.at(99) is None
    assert para.held == len(longest)


def test_a_long_shared_paragraph_keeps_enough_versions_for_bases_fifty_changes_behind():
    """Fifty delegates in one paragraph of 5,000 characters: a base fifty changes old is still merged
    through exact diffs; falling back to a fresh diff there is what made a lagging run collapse."""
    text = "".join(f"<{n}>" + "x" * 96 for n in range(50))
    para = sync_service._LivePara(1, text, 1)
    for version in range(2, 62):
        at = (version * 97) % len(text)
        new = text[:at] + "y" + text[at:]
        para.change(new, version, tuple(sync_service.sync.diff(text, new)))
        text = new
    base, theirs = para.at(11)
    assert theirs is not None and len(base) == len(text) - 50
    assert sync_service.sync._dmp.diff_text1(theirs) == base and sync_service.sync._dmp.diff_text2(theirs) == text


def test_a_change_made_on_a_recent_version_is_merged_through_the_diffs_since_not_a_fresh_diff():
    para = sync_service._LivePara(1, "one two", 1)
    texts = ["one two", "one, two", "one, two, three"]
    for version, (before, after) in enumerate(zip(texts, texts[1:], strict=False), 2):
        para.change(after, version, tuple(sync_service.sync.diff(before, after)))
    base, theirs = para.at(1)
    assert base == "one two" and theirs == [(0, "one"), (1, ","), (0, " two"), (1, ", three")]
    para.change("zero, one, two, three", 4)  # diffs not known (a review's change): the caller diffs the texts
    assert para.at(1) == ("one two", None) and para.at(4) == ("zero, one, two, three",
                                                               [(0, "zero, one, two, three")])


def test_putting_in_blue_falls_between_two_keystrokes_never_across_one(database, seed):
    """Three edits queued before the freeze are in the frozen text; the two queued after it are refused."""
    from editor.persistence.models import NamedVersion
    from editor.realtime.committer import _Work
    from editor.services import stages

    draft_id = seed["draft_id"]
    committer = Committer(database, lambda draft, changes: None)
    france, peru = user_id(database, "france"), user_id(database, "peru")
    items = []
    for n, replica in enumerate(replicas(database, draft_id, 5)):
        uid = replica.order[n]
        replica.edit(uid, replica.text(uid) + f" (amendment {n})")
        items.append(_Item(france, draft_id, request(replica)))
    freeze = _Work(lambda session: stages.put_in_blue(session, session.get(User, peru), draft_id).seq)
    for item in (*items[:3], freeze, *items[3:]):
        committer._queue.put(item)
    committer._start()

    frozen_at = freeze.future.result(timeout=10)
    replies = [item.future.result(timeout=10) for item in items]
    assert [r.ok for r in replies] == [True, True, True, False, False]
    assert {r.error.code for r in replies[3:]} == {"frozen"} and frozen_at == replies[2].seq
    with database.session() as session:
        draft = session.get(Draft, draft_id)
        version = session.scalar(select(NamedVersion).where(NamedVersion.final.is_(True)))
        assert (draft.status, draft.version, version.name, version.seq) == (DraftStatus.FROZEN, frozen_at,
                                                                          "in blue", frozen_at)
        texts = [p.text for p in sorted(draft.paragraphs, key=lambda p: p.position) if p.deleted_at is None]
        assert sum("(amendment" in text for text in texts) == 3 and "(amendment 2)" in version.snapshot


def test_work_that_fails_on_the_committer_changes_nothing_and_the_committer_goes_on(database, seed):
    from editor.services import stages
    from editor.services.errors import PermissionDenied

    committer = Committer(database, lambda draft, changes: None)
    france = user_id(database, "france")
    refused = committer.run(lambda session: stages.put_in_blue(session, session.get(User, france), seed["draft_id"]))
    with pytest.raises(PermissionDenied):
        refused.result(timeout=10)
    [replica] = replicas(database, seed["draft_id"], 1)
    uid = replica.order[0]
    replica.edit(uid, replica.text(uid) + " (still drafting)")
    assert committer.submit(france, seed["draft_id"], request(replica)).result(timeout=10).ok


def test_what_arrives_while_the_batch_is_gathered_is_committed_and_broadcast_with_it(database, seed):
    """Under gevent the gather hook lets the loop read every socket before the batch is taken; here it
    stands for two more delegates whose changes arrive just then."""
    draft_id = seed["draft_id"]
    broadcasts = []
    france = user_id(database, "france")
    first, *later = replicas(database, draft_id, 3)
    for n, replica in enumerate((first, *later)):
        uid = replica.order[n]
        replica.edit(uid, replica.text(uid) + f" (amendment {n})")
    futures = []

    def arrivals():
        while later:
            futures.append(committer.submit(france, draft_id, request(later.pop(0))))

    committer = Committer(database, lambda draft, changes: broadcasts.append(len(changes)), arrivals)
    futures.insert(0, committer.submit(france, draft_id, request(first)))
    for _ in range(500):
        if len(futures) == 3 and all(f.done() for f in futures):
            break
        threading.Event().wait(0.01)
    assert [f.result().ok for f in futures] == [True] * 3
    assert broadcasts == [3]  # one commit, one broadcast


def test_the_committer_keeps_its_connection_while_changes_come_and_gives_it_back_when_idle(database, seed,
                                                                                           monkeypatch):
    monkeypatch.setattr(committer_module, "IDLE", 0.3)
    committer = Committer(database, lambda *_: None)
    france = user_id(database, "france")
    kept = []
    for n in range(2):
        [replica] = replicas(database, seed["draft_id"], 1)
        uid = replica.order[0]
        replica.client = f"kept-{n}"
        replica.edit(uid, replica.text(uid) + f" word{n}")
        assert committer.submit(france, seed["draft_id"], request(replica)).result(timeout=10).ok
        kept.append(committer._connection)
    assert kept[0] is not None and kept[0] is kept[1]  # one connection from batch to batch
    for _ in range(300):
        if committer._connection is None:
            break
        threading.Event().wait(0.01)
    assert committer._connection is None and kept[0].closed  # back to the pool after IDLE seconds of quiet


def test_a_broken_connection_costs_no_change(database, seed):
    """A kept connection that died between two batches (a restarted database server) fails its batch; the
    changes are committed one by one on a fresh connection, and every one of them is acknowledged."""
    draft_id = seed["draft_id"]
    committer = Committer(database, lambda *_: None)
    assert _edit(committer, database, draft_id, "france", " before").ok
    broken = committer._connection
    broken.connection.dbapi_connection.close()
    batch = []
    for n, replica in enumerate(replicas(database, draft_id, 2)):
        uid = replica.order[n]
        replica.client = f"after-{n}"
        replica.edit(uid, replica.text(uid) + f" after {n}")
        batch.append(_Item(user_id(database, "france"), draft_id, request(replica)))
    committer._commit(batch)
    assert [item.future.result().ok for item in batch] == [True, True]
    assert committer._connection is not None and committer._connection is not broken
    with database.session() as session:
        texts = list(session.scalars(select(Paragraph.text).where(Paragraph.draft_id == draft_id)))
    assert any(text.endswith(" after 0") for text in texts) and any(text.endswith(" after 1") for text in texts)


def test_a_stale_right_is_checked_in_one_statement_and_decided_again_only_when_its_inputs_changed(
        database, seed, monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(sync_service, "time", clock)
    decided = []
    decide_right = sync_service._decide_right
    monkeypatch.setattr(sync_service, "_decide_right", lambda *args: decided.append(args[1]) or decide_right(*args))
    ttl = sync_service.LiveDrafts.RIGHTS_TTL
    committer = Committer(database, lambda *_: None)
    france = user_id(database, "france")
    assert _edit(committer, database, seed["draft_id"], "france", " one").ok and decided == [france]

    clock.now += 1.5 * ttl
    assert _edit(committer, database, seed["draft_id"], "france", " two").ok  # marked stale
    committer._refresh()
    assert decided == [france]  # nothing it was decided from changed: kept, as of now
    [right] = committer._live._rights.values()
    assert right.decided_at == clock.now and right.refusal is None

    with database.session() as session:  # France loses its seat in the Security Council
        delegation = session.scalar(select(User).where(User.id == france)).delegation_id
        session.execute(delete(Membership).where(Membership.delegation_id == delegation))
    clock.now += 1.5 * ttl
    assert _edit(committer, database, seed["draft_id"], "france", " three").ok  # served by the kept right
    committer._refresh()
    assert decided == [france, france]
    reply = _edit(committer, database, seed["draft_id"], "france", " four")
    assert not reply.ok and reply.error.code == "forbidden"


@pytest.mark.parametrize("recent", [64, 1])  # the base among the recent versions, or (1) only in the log
def test_a_change_on_an_old_base_is_merged_through_what_others_did_not_a_fresh_diff(database, seed, monkeypatch,
                                                                                    recent):
    """Peru writes "ab " before "ab ab"; a fresh diff of the two texts would say " ab" was added at the end,
    and France's change to the first "ab", made before Peru's, would land on Peru's words."""
    monkeypatch.setattr(sync_service._LivePara, "RECENT_ENTRIES", recent)
    draft_id = seed["draft_id"]
    committer = Committer(database, lambda *_: None)
    [setter] = replicas(database, draft_id, 1)
    uid = setter.order[0]
    setter.client = "setter"
    setter.edit(uid, "ab ab")
    committer._commit([item := _Item(user_id(database, "peru"), draft_id, request(setter))])
    assert item.future.result().ok
    [france] = replicas(database, draft_id, 1)
    france.client = "france"
    france.edit(uid, "Xb ab")
    peru = Request("peru", 1, france.seq, "text", uid, france.generation,
                   delta=sync_service.sync._dmp.diff_toDelta([(1, "ab "), (0, "ab ab")]))
    for change in (peru, request(france)):
        committer._commit([item := _Item(user_id(database, change.client), draft_id, change)])
        assert item.future.result().ok
    with database.session() as session:
        assert session.scalar(select(Paragraph.text).where(Paragraph.uid == uid)) == "ab Xb ab"


def test_a_right_whose_inputs_never_change_is_still_decided_afresh_now_and_then(database, seed, monkeypatch):
    """The row of inputs is what `decide` reads today; a rule that reads more is late by at most
    RIGHTS_DECIDE_EVERY, never held off for ever by checks that keep passing."""
    clock = _Clock()
    monkeypatch.setattr(sync_service, "time", clock)
    decided = []
    decide_right = sync_service._decide_right
    monkeypatch.setattr(sync_service, "_decide_right", lambda *args: decided.append(args[1]) or decide_right(*args))
    ttl, every = sync_service.LiveDrafts.RIGHTS_TTL, sync_service.LiveDrafts.RIGHTS_DECIDE_EVERY
    committer = Committer(database, lambda *_: None)
    assert _edit(committer, database, seed["draft_id"], "france", " one").ok and len(decided) == 1
    while clock.now + 1.5 * ttl < 1000.0 + every:  # checked, and held, every TTL
        clock.now += 1.5 * ttl
        assert _edit(committer, database, seed["draft_id"], "france", " on").ok
        committer._refresh()
    assert len(decided) == 1
    clock.now += 1.5 * ttl
    assert _edit(committer, database, seed["draft_id"], "france", " later").ok
    committer._refresh()
    assert len(decided) == 2


def test_a_slow_batch_is_logged_with_where_its_time_went(database, seed, caplog):
    """Every delegate's typing waits behind a batch: one that takes long says whether its statements, its
    commit or its broadcast did. A quick one says nothing."""
    draft_id = seed["draft_id"]
    france = user_id(database, "france")
    slow = threading.Event()

    def broadcast(draft, changes):
        if slow.is_set():
            threading.Event().wait(committer_module.SLOW_BATCH * 1.5)

    committer = Committer(database, broadcast)
    quick, later = replicas(database, draft_id, 2)
    uid = quick.order[0]
    try:
        with caplog.at_level("WARNING", logger=committer_module.__name__):
            quick.edit(uid, quick.text(uid) + " quickly")
            assert committer.submit(france, draft_id, request(quick)).result(timeout=10).ok
            assert caplog.records == []
            slow.set()
            later.edit(uid, "Slowly, " + later.text(uid))
            assert committer.submit(france, draft_id, request(later)).result(timeout=10).ok
            for _ in range(500):  # it is logged once the replies are out
                if caplog.records:
                    break
                threading.Event().wait(0.01)
    finally:
        committer._release()
    [record] = caplog.records
    parts = dict(re.findall(r"(statements|commit|replies) (\d+)", record.getMessage()))
    assert record.getMessage().startswith("a batch of 1 changes took")
    assert int(parts["replies"]) >= committer_module.SLOW_BATCH * 1500 - 1  # the broadcast, not the database
    assert int(parts["statements"]) + int(parts["commit"]) < committer_module.SLOW_BATCH * 1000
