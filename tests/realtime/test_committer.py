"""The committer: one transaction and one broadcast per draft for a whole batch, before any reply."""

from __future__ import annotations

from sqlalchemy import func, select

from editor.domain.sync import Replica, Request, parse_request
from editor.persistence.models import Paragraph, Revision, User
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
