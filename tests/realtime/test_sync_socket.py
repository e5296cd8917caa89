"""The /drafts protocol through Flask-SocketIO's test client: joining, editing, validation, permissions."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from editor.domain import sync
from editor.domain.sync import Replica
from editor.extensions import socketio
from editor.persistence.models import Draft, DraftStatus, Paragraph, Revision, User
from editor.services import bodies, revisions
from tests import support
from tests.conftest import PASSWORD


class Delegate:
    """One logged-in socket and the replica it keeps, driven by hand."""

    def __init__(self, app, username: str, draft_id: int):
        self.http = app.test_client()
        assert support.login(self.http, username, PASSWORD).status_code == 302
        self.socket = socketio.test_client(app, namespace="/drafts", flask_test_client=self.http)
        assert self.socket.is_connected("/drafts")
        self.draft_id = draft_id
        self.replica: Replica | None = None

    def call(self, event: str, payload) -> dict:
        return self.socket.emit(event, payload, namespace="/drafts", callback=True)

    def join(self) -> dict:
        reply = self.call("join", {"draft": self.draft_id})
        assert reply["ok"], reply
        self.replica = Replica(f"client-{id(self)}", reply)
        return reply

    def send(self) -> dict:
        return self.call("edit", {"draft": self.draft_id, **self.replica.outgoing()})

    def received(self, name: str) -> list:
        return [event["args"][0] for event in self.socket.get_received("/drafts") if event["name"] == name]

    def sync(self) -> None:
        for batch in self.received("changes"):
            self.replica.receive(batch["changes"])


@pytest.fixture
def delegate(app, seed):
    made = []

    def make(username: str = "peru", join: bool = True) -> Delegate:
        d = Delegate(app, username, seed["draft_id"])
        if join:
            d.join()
        made.append(d)
        return d

    yield make
    for d in made:
        if d.socket.is_connected("/drafts"):
            d.socket.disconnect(namespace="/drafts")


def draft_state(session, draft_id: int) -> tuple[int, list[str]]:
    draft = session.get(Draft, draft_id)
    texts = session.scalars(select(Paragraph.text).where(
        Paragraph.draft_id == draft_id, Paragraph.deleted_at.is_(None)).order_by(Paragraph.position))
    return draft.version, list(texts)


def test_join_gives_the_text_the_log_position_and_who_you_are(delegate, seed):
    reply = delegate("kuwait").join()
    assert reply["you"] == {"user": reply["you"]["user"], "role": "delegate", "delegation": "Kuwait",
                            "colour": reply["you"]["colour"], "can_edit": True, "can_review": False}
    assert delegate("peru").join()["you"]["can_review"] is True  # the penholder accepts and rejects
    assert reply["seq"] > 0 and reply["generation"]
    assert [p["kind"] for p in reply["paragraphs"]][:1] == ["preambular"]
    assert reply["limits"] == {"message_bytes": 65536, "paragraph_chars": 20000, "paragraphs": 1000}


def test_an_edit_is_committed_attributed_acknowledged_and_broadcast(delegate, database, seed):
    france, germany = delegate("france"), delegate("germany")
    uid = france.replica.order[-1]
    france.replica.edit(uid, france.replica.text(uid) + " Décide de rester saisi de la question.")
    reply = france.send()
    assert reply["ok"] and reply["seq"] == france.replica.seq + 1

    with database.session() as session:
        revision = session.scalar(select(Revision).where(Revision.seq == reply["seq"]))
        assert revision.delegation.name == "France" and revision.client_seq == 1
        assert revision.result.endswith("Décide de rester saisi de la question.")
    batches = germany.received("changes")
    assert len(batches) == 1
    change = batches[0]["changes"][0]
    assert (change["seq"], change["delegation"], change["paragraph"]) == (reply["seq"], "France", uid)
    germany.replica.receive(batches[0]["changes"])
    assert germany.replica.text(uid).endswith("Décide de rester saisi de la question.")


def test_a_resent_edit_is_applied_once(delegate, database, seed):
    peru = delegate("peru")
    uid = peru.replica.order[0]
    peru.replica.edit(uid, "Recalling, once, " + peru.replica.text(uid))
    message = {"draft": seed["draft_id"], **peru.replica.outgoing()}
    first, second = peru.call("edit", message), peru.call("edit", message)
    assert first["ok"] and second == {"ok": True, "seq": first["seq"], "duplicate": True}
    with database.session() as session:
        assert draft_state(session, seed["draft_id"])[1][0].count("Recalling, once, ") == 1


def test_concurrent_edits_to_one_paragraph_both_survive(delegate, seed):
    france, germany = delegate("france"), delegate("germany")
    uid = france.replica.order[3]
    text = france.replica.text(uid)
    france.replica.edit(uid, "FRANCE " + text)
    germany.replica.edit(uid, text + " GERMANY")
    assert france.send()["ok"] and germany.send()["ok"]  # germany's base is behind: merged by patch
    for d in (france, germany):
        d.sync()
    assert france.replica.text(uid) == germany.replica.text(uid) == "FRANCE " + text + " GERMANY"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ("not an object", "bad_request"),
        ({"draft": "1"}, "bad_request"),
        ({"draft": True}, "bad_request"),
        ({"delta": None}, "bad_request"),
        ({"cseq": True}, "bad_request"),
        ({"cseq": 0}, "bad_request"),
        ({"op": "rewrite"}, "bad_request"),
        ({"paragraph": "<script>"}, "bad_request"),
        ({"delta": "=999999"}, "bad_delta"),
        ({"delta": "LINE BREAK"}, "bad_text"),
        ({"generation": "someone-elses"}, "generation"),
        ({"base": 10**6}, "bad_request"),
        ({"op": "delete", "paragraph": "nope"}, "no_paragraph"),
        ({"op": "level", "level": 7}, "bad_request"),
        ({"op": "insert", "paragraph": "new", "kind": "operative", "level": 0, "position": 0}, "bad_structure"),
        ({"op": "insert", "kind": "operative", "level": 0, "position": 99}, "bad_request"),  # id taken
        ({"op": "reject", "change": "x1.0", "since": 9}, "bad_request"),
        ({"op": "reject", "change": "i10.0", "since": -1}, "bad_request"),
        ({"op": "reject", "change": "i99.0", "since": 9}, "bad_request"),  # no such change
    ],
)
def test_malformed_edits_get_an_error_event_and_change_nothing(delegate, database, seed, payload, code):
    peru = delegate("peru")
    uid = peru.replica.order[0]
    good = {"draft": seed["draft_id"], "client": "c1", "cseq": 1, "base": peru.replica.seq,
            "generation": peru.replica.generation, "op": "text", "paragraph": uid,
            "delta": sync.make_delta(peru.replica.text(uid), "x" + peru.replica.text(uid))}
    with database.session() as session:
        before = draft_state(session, seed["draft_id"])
    message = payload if not isinstance(payload, dict) else {**good, **payload}
    if payload == {"delta": "LINE BREAK"}:
        message["delta"] = sync.make_delta(peru.replica.text(uid), "line\nbreak")
    peru.socket.get_received("/drafts")
    reply = peru.call("edit", message)
    assert reply["ok"] is False and reply["error"]["code"] == code, reply
    errors = peru.received("error")
    assert errors and errors[0]["code"] == code and errors[0]["event"] == "edit" and errors[0]["message"]
    with database.session() as session:
        assert draft_state(session, seed["draft_id"]) == before


def test_limits_are_named_in_the_error(delegate, database, seed):
    peru = delegate("peru")
    uid = peru.replica.order[0]
    peru.replica.edit(uid, "x" * 30_000)
    reply = peru.send()  # ~30 KB message, but a 30,000-character paragraph
    assert reply["error"]["code"] == "paragraph_too_long" and reply["error"]["limit"] == 20_000
    huge = peru.call("edit", {"draft": seed["draft_id"], "padding": "y" * 70_000})
    assert huge["error"]["code"] == "too_large" and huge["error"]["limit"] == 65536
    assert "64 KiB" in huge["error"]["message"]


def test_a_draft_holds_at_most_1000_paragraphs(delegate, database, seed):
    with database.session() as session:
        present = session.scalar(select(func.count()).select_from(Paragraph).where(
            Paragraph.draft_id == seed["draft_id"]))
        session.add_all(Paragraph(draft_id=seed["draft_id"], uid=f"filler{n}", kind="operative",
                                  position=1000 + n, level=0, text="", version=0)
                        for n in range(sync.MAX_PARAGRAPHS - present))
    peru = delegate("peru")
    peru.replica.structure("insert", "one-too-many", kind=sync.ParagraphKind.OPERATIVE, level=0,
                           position=0, text="")
    reply = peru.send()
    assert reply["error"]["code"] == "too_many_paragraphs" and reply["error"]["limit"] == 1000


def test_editing_needs_a_join_and_a_right_to_edit(app, delegate, make_user, seed):
    peru = delegate("peru", join=False)
    reply = peru.call("edit", {"draft": seed["draft_id"], "client": "c", "cseq": 1, "base": 0,
                               "generation": "g", "op": "text", "paragraph": "p", "delta": ""})
    assert reply["error"]["code"] == "not_joined"

    press = Delegate(app, "press-officer", seed["draft_id"])
    state = press.join()
    assert state["you"]["can_edit"] is False
    press.replica.edit(press.replica.order[0], "the press office reads, it does not draft")
    reply = press.send()
    assert reply["error"]["code"] == "forbidden" and "delegates" in reply["error"]["message"]
    press.socket.disconnect(namespace="/drafts")

    make_user("watcher", "observer")
    observer = Delegate(app, "watcher", seed["draft_id"])
    assert observer.call("join", {"draft": seed["draft_id"]})["error"]["code"] == "forbidden"
    observer.socket.disconnect(namespace="/drafts")


def test_a_delegation_outside_the_body_cannot_join(app, database, make_user, seed):
    with database.session() as session:
        bodies.ensure_delegation(session, "Brazil")
    make_user("brazil", "delegate", "Brazil")
    outsider = Delegate(app, "brazil", seed["draft_id"])
    reply = outsider.call("join", {"draft": seed["draft_id"]})
    assert reply["ok"] is False and reply["error"]["code"] == "forbidden"
    assert outsider.call("join", {"draft": 999})["error"]["code"] == "not_found"
    outsider.socket.disconnect(namespace="/drafts")


def test_a_frozen_draft_refuses_edits(delegate, database, seed):
    peru = delegate("peru")
    with database.session() as session:
        session.get(Draft, seed["draft_id"]).status = DraftStatus.FROZEN
    uid = peru.replica.order[0]
    peru.replica.edit(uid, "too late")
    reply = peru.send()
    assert reply["error"]["code"] == "frozen" and "in blue" in reply["error"]["message"]
    assert peru.replica.text(uid) == "too late"  # the replica hears the refusal through on_reply
    peru.replica.on_reply(reply, peru.replica.inflight.request.cseq)
    assert peru.replica.text(uid) != "too late"


def test_structure_is_ordered_and_numbering_follows(delegate, logged_in, seed):
    peru, kuwait = delegate("peru"), delegate("kuwait")
    last = peru.replica.order[-1]
    position = len(peru.replica.order)
    peru.replica.structure("insert", "newop", kind=sync.ParagraphKind.OPERATIVE, level=0, position=position,
                           text="Decides to remain actively seized of the matter.")
    assert peru.send()["ok"]
    peru.sync()
    peru.replica.structure("level", "newop", level=1)
    assert peru.send()["ok"]
    kuwait.sync()
    assert kuwait.replica.order[-2:] == [last, "newop"]
    assert kuwait.replica.paras["newop"].level == 1
    detail = logged_in("kuwait").get(f"/api/drafts/{seed['draft_id']}").get_json()
    assert detail["paragraphs"][-1]["id"] == "newop" and detail["paragraphs"][-1]["number"] == "(a)"


def test_presence_says_who_is_where(delegate, seed):
    peru, kuwait = delegate("peru"), delegate("kuwait")
    uid = peru.replica.order[2]
    assert peru.call("presence", {"draft": seed["draft_id"], "paragraph": uid}) == {"ok": True}
    online = kuwait.received("presence")[-1]["online"]
    where = {entry["delegation"]: entry["paragraph"] for entry in online}
    assert where == {"Peru": uid, "Kuwait": None}
    assert all(entry["colour"].startswith("#") for entry in online)
    peru.socket.disconnect(namespace="/drafts")
    assert [e["delegation"] for e in kuwait.received("presence")[-1]["online"]] == ["Kuwait"]


def test_rejoining_with_since_gets_only_the_missed_changes(delegate, seed):
    peru, kuwait = delegate("peru"), delegate("kuwait")
    since = kuwait.replica.seq
    uid = peru.replica.order[1]
    peru.replica.edit(uid, peru.replica.text(uid) + " (rev.1)")
    assert peru.send()["ok"]
    reply = kuwait.call("join", {"draft": seed["draft_id"], **kuwait.replica.join_request()})
    assert [c["seq"] for c in reply["changes"]] == [since + 1] and "paragraphs" not in reply
    kuwait.replica.on_join(reply)
    assert kuwait.replica.text(uid).endswith(" (rev.1)")
    stale = kuwait.call("join", {"draft": seed["draft_id"], "since": since, "generation": "other"})
    assert "paragraphs" in stale and "changes" not in stale


def test_the_penholders_rejection_reaches_every_page_as_a_text_change(delegate, database, seed):
    peru, kuwait = delegate("peru"), delegate("kuwait")
    with database.session() as session:
        reader = session.scalar(select(User).where(User.username == "kuwait"))
        changes = revisions.compare(session, reader, seed["draft_id"], "zero draft", None)["changes"]
    france = next(c for c in changes if c["delegation"] == "France")
    kuwait.socket.get_received("/drafts")
    reply = peru.call("edit", {"draft": seed["draft_id"], "client": "review-1", "cseq": 1, "base": peru.replica.seq,
                               "generation": peru.replica.generation, "op": "reject",
                               "paragraph": france["paragraph"], "change": france["id"], "since": 9})
    assert reply["ok"] and reply["seq"] == 13, reply
    [broadcast] = kuwait.received("changes")
    assert [(c["op"], c["delegation"]) for c in broadcast["changes"]] == [("text", "Peru")]
    kuwait.replica.receive(broadcast["changes"])
    with database.session() as session:
        text = session.scalar(select(Paragraph.text).where(Paragraph.uid == france["paragraph"]))
    assert kuwait.replica.text(france["paragraph"]) == text
    refused = kuwait.call("edit", {"draft": seed["draft_id"], "client": "review-2", "cseq": 1,
                                   "base": kuwait.replica.seq, "generation": kuwait.replica.generation,
                                   "op": "reject", "paragraph": france["paragraph"], "change": france["id"],
                                   "since": 9})
    assert refused["error"]["code"] == "forbidden"


def test_in_blue_every_open_page_hears_it_and_every_edit_is_refused_until_reopened(delegate, seed):
    peru, france = delegate("peru"), delegate("france")
    draft_id = seed["draft_id"]
    token = support.CSRF_META.search(peru.http.get(f"/drafts/{draft_id}").get_data(as_text=True)).group(1)
    france.socket.get_received("/drafts")
    refused = france.http.post(f"/api/drafts/{draft_id}/freeze", json={}, headers={"X-CSRFToken": token})
    assert refused.status_code in (400, 403)  # France's page has its own token; either way, not France
    frozen = peru.http.post(f"/api/drafts/{draft_id}/freeze", json={}, headers={"X-CSRFToken": token})
    assert frozen.status_code == 201 and (frozen.get_json()["name"], frozen.get_json()["final"]) == ("in blue", True)
    assert france.received("status") == [{"draft": draft_id, "status": "frozen"}]
    uid = france.replica.order[0]
    france.replica.edit(uid, france.replica.text(uid) + " (too late)")
    reply = france.send()
    assert reply["error"]["code"] == "frozen" and "in blue" in reply["error"]["message"]
    assert france.call("join", {"draft": draft_id})["status"] == "frozen"
    reopened = peru.http.post(f"/api/drafts/{draft_id}/reopen", headers={"X-CSRFToken": token})
    assert reopened.status_code == 200 and france.received("status")[-1]["status"] == "drafting"
    again = peru.http.post(f"/api/drafts/{draft_id}/reopen", headers={"X-CSRFToken": token})
    assert again.status_code == 409
