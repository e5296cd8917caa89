"""Long reads take turns with the keystrokes (`editor.services.give_way`); the committer never does."""

from __future__ import annotations

import json
import threading
import zlib

import pytest
from sqlalchemy import select

from editor.domain.document import Paragraph, ParagraphKind
from editor.domain.draft_history import DraftHistory
from editor.domain.sync import REJECT, Request
from editor.persistence.models import User
from editor.realtime.committer import Committer
from editor.services import drafting, give_way, log, revisions
from editor.services import sync as sync_service
from tests.services.test_revisions import edit


@pytest.fixture
def turns(monkeypatch):
    """Every step gives way (no slice), and each turn is recorded with the thread that took it."""
    taken: list[str] = []
    monkeypatch.setattr(give_way, "SLICE", 0.0)
    give_way.install(lambda: taken.append(threading.current_thread().name))
    yield taken
    give_way.install(None)


def test_a_step_gives_way_once_its_slice_is_spent_and_never_where_held_or_not_installed(monkeypatch):
    taken = []
    assert give_way.stepper() is give_way.never  # threads: nothing installed
    give_way.install(lambda: taken.append(1))
    try:
        monkeypatch.setattr(give_way, "SLICE", 3600.0)
        step = give_way.stepper()
        step(), step()
        assert taken == []  # its slice is not spent
        monkeypatch.setattr(give_way, "SLICE", 0.0)
        step = give_way.stepper()
        step(), step()
        assert taken == [1, 1]
        with give_way.held():
            with give_way.held():
                assert give_way.stepper() is give_way.never
            assert give_way.stepper() is give_way.never  # still held by the outer one
        give_way.stepper()()
        assert taken == [1, 1, 1]
    finally:
        give_way.install(None)


def test_a_comparison_and_a_redline_give_way_for_every_revision_replayed_and_every_paragraph(session, seed,
                                                                                             turns):
    draft_id = seed["draft_id"]
    kuwait = session.scalar(select(User).where(User.username == "kuwait"))
    revisions.forget_histories()
    compared = revisions.compare(session, kuwait, draft_id, "zero draft", "11")  # the log from change 1 to 11
    paragraphs = len(revisions.redline(session, kuwait, draft_id, "zero draft", "11")["paragraphs"])
    # reading the 11 revisions, replaying them, the redline's walk, and the comparison's list: each a turn
    assert len(turns) >= 2 * (2 * 11 + 2 * paragraphs)
    assert set(turns) == {threading.current_thread().name}
    turns.clear()
    give_way.install(None)
    assert revisions.compare(session, kuwait, draft_id, "zero draft", "11") == compared  # the same, in one go


def test_the_committer_never_gives_way_not_even_replaying_a_history_for_a_rejection(database, seed, turns,
                                                                                   monkeypatch):
    draft_id = seed["draft_id"]
    with database.session() as session:
        for name in ("france", "germany"):
            edit(session, draft_id, name, 5, lambda text, name=name: f"{text} ({name})")
        peru = session.scalar(select(User).where(User.username == "peru"))  # the penholder
        france = [c for c in revisions.compare(session, peru, draft_id, "zero draft", None)["changes"]
                  if c["delegation"] == "France" and c["kind"] == "inserted"][-1]
        draft = sync_service.load_draft(session, draft_id)
        request = Request("peru-reviewer", 1, draft.version, REJECT, france["paragraph"], draft.generation,
                          review=france["id"], since=9)
        penholder = peru.id
    turns.clear()
    replayed = []
    replay = log._replay
    monkeypatch.setattr(log, "_replay", lambda tracked, draft, entries: (
        replayed.append((threading.current_thread().name, len(entries))), replay(tracked, draft, entries)))
    committer = Committer(database, lambda *_: None)
    try:
        reply = committer.submit(penholder, draft_id, request).result(timeout=10)
    finally:
        committer._release()
    assert reply.ok, reply.error
    assert replayed and replayed[0][0] == "penholder-committer" and replayed[0][1] > 0  # it replayed the log
    assert turns == []


def test_a_reader_waits_for_the_history_in_use_not_the_committer_nor_a_reader_of_another_draft(database, seed,
                                                                                                monkeypatch):
    """A request holding a kept history may be taking turns with others. Another reader waits for it, and
    then uses what it built; the committer, which must never wait for a reader, builds one of its own."""
    draft_id = seed["draft_id"]
    revisions.forget_histories()
    inside, release, seen = threading.Event(), threading.Event(), {}
    built = []
    from_snapshot = log._from_snapshot
    monkeypatch.setattr(log, "_from_snapshot", lambda *args: (built.append(1), from_snapshot(*args))[1])

    def first_reader() -> None:
        with database.session() as session:
            draft = sync_service.load_draft(session, draft_id)
            with revisions._histories.current(session, draft_id, draft.generation, draft.version):
                inside.set()
                release.wait(10)

    def second_reader() -> None:
        with database.session() as session:
            peru = session.scalar(select(User).where(User.username == "peru"))
            seen["reader"] = revisions.redline(session, peru, draft_id, "zero draft")

    with database.session() as session:
        peru = session.scalar(select(User).where(User.username == "peru"))
        other_id = drafting.open_draft(session, peru, "Security Council", "Another item",
                                       [Paragraph("o1", ParagraphKind.OPERATIVE, 0, "Decides.")]).id
        session.commit()

    def other_reader() -> None:
        with database.session() as session:
            peru = session.scalar(select(User).where(User.username == "peru"))
            seen["other draft"] = revisions.redline(session, peru, other_id, "0")

    def committer() -> None:  # as putting a text in blue does, looking for brackets left (stages)
        with give_way.held(), database.session() as session:
            draft = sync_service.load_draft(session, draft_id)
            with revisions._histories.current(session, draft_id, draft.generation, draft.version) as tracked:
                seen["committer"] = tracked.seq

    first = threading.Thread(target=first_reader)
    first.start()
    try:
        assert inside.wait(10)
        reader, writer = threading.Thread(target=second_reader), threading.Thread(target=committer)
        other = threading.Thread(target=other_reader)
        reader.start(), writer.start(), other.start()
        writer.join(5), other.join(5)
        assert not writer.is_alive() and "committer" in seen  # it did not wait
        assert not other.is_alive() and seen["other draft"]["paragraphs"]  # another draft's lock
        assert reader.is_alive() and "reader" not in seen  # it waits
    finally:
        release.set()
        first.join(10)
    reader.join(10)
    assert seen["reader"]["paragraphs"]
    assert len(built) == 3  # the first reader's, the committer's own, the other draft's: not the second reader's
    assert len(revisions._histories._drafts) == 0  # a draft's lock lasts while it is used, not for every draft read


def test_a_snapshot_is_written_and_read_back_a_paragraph_at_a_time_and_one_written_whole_still_reads(session,
                                                                                                     seed, turns):
    tracked = log.history(session, seed["draft_id"])
    state = json.loads(json.dumps(tracked.state()))
    paragraphs = len(state["tracks"])
    stored = log._encoded(tracked.state(give_way.stepper()))
    assert len(turns) >= 2 * paragraphs  # building the state, then writing it
    turns.clear()
    assert log._decoded(stored) == state
    assert len(turns) >= paragraphs
    whole = zlib.compress(json.dumps(state, ensure_ascii=False, separators=(",", ":")).encode(), 1)
    assert log._decoded(whole) == state  # as snapshots were stored before
    empty = DraftHistory([]).state()
    assert log._decoded(log._encoded(empty)) == json.loads(json.dumps(empty))
