from tests import support
from tests.conftest import PASSWORD


def test_list_of_drafts(logged_in, seed):
    data = logged_in("kuwait").get("/api/drafts").get_json()
    assert [d["id"] for d in data["drafts"]] == [seed["draft_id"]]
    draft = data["drafts"][0]
    assert draft["body"] == "Security Council" and draft["penholder"] == "Peru"
    assert draft["status"] == "drafting" and draft["version"] == 9


def test_a_draft_with_its_numbered_paragraphs(logged_in, seed):
    data = logged_in("kuwait").get(f"/api/drafts/{seed['draft_id']}").get_json()
    assert data["organ"] == "The Security Council,"
    assert data["status"] == "drafting" and data["version"] == 9 and len(data["generation"]) == 32
    paragraphs = data["paragraphs"]
    assert [p["kind"] for p in paragraphs] == ["preambular"] * 3 + ["operative"] * 6
    assert [p["number"] for p in paragraphs] == [None, None, None, "1", "2", "3", "4", "5", "6"]
    assert paragraphs[5]["text"].startswith("Encourages States")
    assert paragraphs[5]["ref"] == "OP3"
    assert all(set(p) == {"id", "kind", "level", "number", "ref", "text"} for p in paragraphs)
    assert len({p["id"] for p in paragraphs}) == 9


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
