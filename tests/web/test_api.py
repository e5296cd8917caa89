from sqlalchemy import select

from editor.persistence.models import User
from tests import support
from tests.conftest import PASSWORD


def test_list_of_drafts(logged_in, seed):
    data = logged_in("kuwait").get("/api/drafts").get_json()
    assert [d["id"] for d in data["drafts"]] == [seed["draft_id"]]
    draft = data["drafts"][0]
    assert draft["body"] == "Security Council" and draft["penholder"] == "Peru"
    assert draft["status"] == "drafting" and draft["version"] == 12


def test_a_draft_with_its_numbered_paragraphs(logged_in, seed):
    data = logged_in("kuwait").get(f"/api/drafts/{seed['draft_id']}").get_json()
    assert data["organ"] == "The Security Council,"
    assert data["status"] == "drafting" and data["version"] == 12 and len(data["generation"]) == 32
    paragraphs = data["paragraphs"]
    assert [p["kind"] for p in paragraphs] == ["preambular"] * 3 + ["operative"] * 7
    assert [p["number"] for p in paragraphs] == [None, None, None, "1", "2", "3", "4", "5", "6", "7"]
    assert paragraphs[5]["text"].startswith("Encourages States")
    assert paragraphs[5]["ref"] == "OP3"
    assert all(set(p) == {"id", "kind", "level", "number", "ref", "text"} for p in paragraphs)
    assert len({p["id"] for p in paragraphs}) == 10


def test_errors_are_json(client, seed):
    assert client.get("/api/drafts").status_code == 401
    assert client.get("/api/drafts").get_json() == {"error": "not_authenticated", "message": "Please log in."}
    support.login(client, "peru", PASSWORD)
    missing = client.get("/api/drafts/424242")
    assert missing.status_code == 404
    assert missing.get_json() == {"error": "NotFound", "message": "There is no draft 424242."}
    unknown_route = client.get("/api/nothing-here")
    assert unknown_route.status_code == 404 and unknown_route.get_json()["error"] == "not_found"


def test_a_refused_read_is_403_with_the_reason(client, seed, make_user):
    make_user("observer", "observer")
    support.login(client, "observer", PASSWORD)
    response = client.get(f"/api/drafts/{seed['draft_id']}")
    assert response.status_code == 403
    assert response.get_json()["error"] == "PermissionDenied"
    assert client.get("/api/drafts").get_json() == {"drafts": []}


def _token(client, draft_id):
    return support.CSRF_META.search(client.get(f"/drafts/{draft_id}").get_data(as_text=True)).group(1)


def test_the_penholder_sets_the_symbol_with_a_csrf_token(logged_in, seed):
    client = logged_in("peru")
    url = f"/api/drafts/{seed['draft_id']}"
    refused = client.patch(url, json={"symbol": "S/2019/570"})
    assert refused.status_code == 400 and refused.get_json()["error"] == "csrf"
    assert client.get(url).get_json()["symbol"] is None
    done = client.patch(url, json={"symbol": "S/2019/570"}, headers={"X-CSRFToken": _token(client, seed["draft_id"])})
    assert done.status_code == 200 and done.get_json()["symbol"] == "S/2019/570"


def test_a_delegate_may_not_set_the_symbol(logged_in, seed):
    client = logged_in("kuwait")
    url = f"/api/drafts/{seed['draft_id']}"
    response = client.patch(url, json={"symbol": "S/2019/1"}, headers={"X-CSRFToken": _token(client, seed["draft_id"])})
    assert response.status_code == 403 and "Only the penholder (Peru)" in response.get_json()["message"]
    assert client.get(url).get_json()["symbol"] is None


def test_malformed_bodies_are_refused(logged_in, seed):
    client = logged_in("peru")
    url = f"/api/drafts/{seed['draft_id']}"
    headers = {"X-CSRFToken": _token(client, seed["draft_id"])}
    for body in ([1, 2], {"colour": "blue"}, {}, {"symbol": 570}):
        response = client.patch(url, json=body, headers=headers)
        assert response.status_code == 400, body
    broken = client.patch(url, data="{not json", headers={**headers, "Content-Type": "application/json"})
    assert broken.status_code == 400


def test_the_penholder_names_a_version_and_anyone_compares_since_it(app, logged_in, seed):
    peru = logged_in("peru")
    url = f"/api/drafts/{seed['draft_id']}/versions"
    assert peru.post(url, json={"name": "zero draft"}).status_code == 400  # no CSRF token: refused
    named = peru.post(url, json={"name": "rev.1"}, headers={"X-CSRFToken": _token(peru, seed["draft_id"])})
    assert named.status_code == 201 and named.get_json()["seq"] == 12 and named.get_json()["by"]
    again = peru.post(url, json={"name": "rev.1"}, headers={"X-CSRFToken": _token(peru, seed["draft_id"])})
    assert again.status_code == 409
    kuwait = app.test_client()  # a second browser
    support.login(kuwait, "kuwait", PASSWORD)
    assert [v["name"] for v in kuwait.get(url).get_json()["versions"]] == ["zero draft", "rev.1"]
    refused = kuwait.post(url, json={"name": "rev.2"}, headers={"X-CSRFToken": _token(kuwait, seed["draft_id"])})
    assert refused.status_code == 403 and "penholder" in refused.get_json()["message"]
    compared = kuwait.get(f"/api/drafts/{seed['draft_id']}/compare").get_json()
    assert (compared["from"], compared["to"], compared["changes"]) == (12, 12, [])  # since rev.1: nothing
    rounds = kuwait.get(f"/api/drafts/{seed['draft_id']}/compare?from=zero%20draft&to=rev.1").get_json()
    assert {c["delegation"] for c in rounds["changes"]} == {"France", "Germany", "Indonesia"}
    whole = kuwait.get(f"/api/drafts/{seed['draft_id']}/compare?from=0&to=zero%20draft").get_json()
    assert len([c for c in whole["changes"] if c["kind"] == "paragraph_added"]) == 9
    assert kuwait.get(f"/api/drafts/{seed['draft_id']}/compare?from=rev.7").status_code == 404


def test_naming_a_version_needs_a_name(logged_in, seed):
    peru = logged_in("peru")
    headers = {"X-CSRFToken": _token(peru, seed["draft_id"])}
    for body in ({}, {"name": 3}, {"name": "a", "final": True}, [1]):
        assert peru.post(f"/api/drafts/{seed['draft_id']}/versions", json=body, headers=headers).status_code == 400


def test_history_and_text_at_a_point_are_open_to_readers_only(app, logged_in, seed, make_user):
    kuwait = logged_in("kuwait")
    page = kuwait.get(f"/api/drafts/{seed['draft_id']}/history?limit=2").get_json()
    assert [r["seq"] for r in page["revisions"]] == [12, 11] and page["next"] == 11
    assert kuwait.get(f"/api/drafts/{seed['draft_id']}/history?limit=9999").status_code == 400
    text = kuwait.get(f"/api/drafts/{seed['draft_id']}/text?at=zero%20draft").get_json()
    assert text["seq"] == 9 and len(text["paragraphs"]) == 9
    make_user("watcher", "observer")
    client = app.test_client()  # another browser
    support.login(client, "watcher", PASSWORD)
    for path in ("history", "text", "redline", "compare", "versions"):
        assert client.get(f"/api/drafts/{seed['draft_id']}/{path}").status_code == 403, path


def test_the_brackets_left_in_the_text_with_their_holders(logged_in, seed, session):
    from tests.services.test_revisions import edit

    edit(session, seed["draft_id"], "germany", 4, lambda text: "[Firmly] " + text)
    found = logged_in("kuwait").get(f"/api/drafts/{seed['draft_id']}/brackets").get_json()["brackets"]
    assert [(b["ref"], b["text"], b["holder"]) for b in found] == [("OP2", "[Firmly]", "Germany")]


def test_co_sponsors_over_http(app, logged_in, seed):
    from tests.conftest import PASSWORD

    peru, france = logged_in("peru"), app.test_client()
    support.login(france, "france", PASSWORD)
    url = f"/api/drafts/{seed['draft_id']}/sponsors"
    invited = peru.post(url, json={"invite": "France"}, headers={"X-CSRFToken": _token(peru, seed["draft_id"])})
    assert invited.status_code == 200 and {"member": "France", "status": "invited"}.items() <= \
        invited.get_json()["sponsors"][-1].items()
    assert france.post(url, json={"answer": "maybe"},
                       headers={"X-CSRFToken": _token(france, seed["draft_id"])}).status_code == 400
    consented = france.post(url, json={"answer": "consent"}, headers={"X-CSRFToken": _token(france, seed["draft_id"])})
    assert consented.get_json()["sponsors"][-1]["status"] == "sponsor"


def test_a_redline_and_a_comparison_are_written_a_paragraph_at_a_time_taking_turns(logged_in, seed, session,
                                                                                    monkeypatch):
    """Served under gevent, a long response takes turns with the keystrokes (editor.services.give_way); the
    JSON is the same as written in one call."""
    from flask import json

    from editor.services import give_way, revisions
    from editor.web.serialize import json_taking_turns

    kuwait = logged_in("kuwait")
    user = session.scalar(select(User).where(User.username == "kuwait"))
    draft_id = seed["draft_id"]
    taken = []
    monkeypatch.setattr(give_way, "SLICE", 0.0)
    give_way.install(lambda: taken.append(1))

    def turns(call):
        taken.clear()
        result = call()
        return result, len(taken)

    try:
        kuwait.get(f"/api/drafts/{draft_id}/redline?from=zero%20draft")  # the kept history, caught up
        redline, by_route = turns(lambda: kuwait.get(f"/api/drafts/{draft_id}/redline?from=zero%20draft"))
        expected, by_service = turns(lambda: revisions.redline(session, user, draft_id, "zero draft"))
        page, by_page = turns(lambda: kuwait.get(f"/drafts/{draft_id}/compare?from=zero+draft"))
        compared = kuwait.get(f"/api/drafts/{draft_id}/compare?from=0&to=zero%20draft")
    finally:
        give_way.install(None)
    assert redline.mimetype == compared.mimetype == "application/json" and page.status_code == 200
    assert redline.get_json() == expected and len(expected["paragraphs"]) == 10
    assert by_route >= by_service + 10  # and a turn for each paragraph written
    assert by_page >= by_service + 50  # and the page's pieces
    assert compared.get_json() == revisions.compare(session, user, draft_id, "0", "zero draft")
    with kuwait.application.test_request_context():
        for payload in ({"a": 1, "items": [{"x": "é<"}, 2]}, {"items": []}):
            written = json_taking_turns(payload, "items").get_data(as_text=True)
            assert json.loads(written) == payload and written.endswith("\n")
