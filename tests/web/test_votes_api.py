"""Meetings and votes over HTTP, with every open page hearing the board."""

from __future__ import annotations

from tests import support
from tests.realtime.test_sync_socket import Delegate


def token(client, draft_id: int) -> dict:
    page = client.get(f"/drafts/{draft_id}").get_data(as_text=True)
    return {"X-CSRFToken": support.CSRF_META.search(page).group(1)}


def test_the_presidency_records_the_vote_over_http_and_every_page_hears_the_board(app, seed):
    draft_id = seed["draft_id"]
    peru, presidency, kuwait = (Delegate(app, name, draft_id) for name in ("peru", "peru-presidency", "kuwait"))
    kuwait.join()
    frozen = peru.http.post(f"/api/drafts/{draft_id}/freeze", json={}, headers=token(peru.http, draft_id))
    assert frozen.status_code == 201
    headers = token(presidency.http, draft_id)
    made = presidency.http.post("/api/meetings", headers=headers, json={
        "body": "Security Council", "number": 8582, "date": "2019-07-19", "period": "AM",
        "agenda_item": "Threats to international peace and security", "draft": draft_id, "began": "12:30"})
    assert made.status_code == 201, made.get_json()
    meeting = made.get_json()["id"]
    refused = kuwait.http.post(f"/api/meetings/{meeting}/vote", json={}, headers=token(kuwait.http, draft_id))
    assert refused.status_code == 403
    opened = presidency.http.post(f"/api/meetings/{meeting}/vote", json={"matter": "substantive"}, headers=headers)
    assert opened.status_code == 201
    vote = opened.get_json()["id"]
    kuwait.socket.get_received("/drafts")
    for member in [m["member"] for m in opened.get_json()["members"]]:
        cast = presidency.http.post(f"/api/votes/{vote}/ballots", headers=headers,
                                    json={"member": member, "choice": "in_favour"})
        assert cast.status_code == 201
    assert kuwait.received("vote")[-1]["counts"]["in_favour"] == 15
    wrong = kuwait.http.post(f"/api/votes/{vote}/ballots", headers=token(kuwait.http, draft_id),
                             json={"member": "Peru", "choice": "against"})
    assert wrong.status_code == 403
    assert presidency.http.post(f"/api/votes/{vote}/ballots", headers=headers,
                                json={"member": "Peru", "choice": "maybe"}).status_code == 400
    closed = presidency.http.post(f"/api/votes/{vote}/close", json={"resolution": "2482 (2019)"}, headers=headers)
    assert closed.status_code == 200
    heard = {event["name"]: event["args"][0] for event in kuwait.socket.get_received("/drafts")}
    assert heard["vote"]["announcement"] == ("There were 15 votes in favour. The draft resolution has been "
                                             "adopted as resolution 2482 (2019).")
    assert heard["status"]["status"] == "voted"
    assert kuwait.http.get(f"/api/drafts/{draft_id}/vote").get_json()["resolution"]["symbol"] == "S/RES/2482 (2019)"
    statement = presidency.http.post(f"/api/meetings/{meeting}/statements", headers=headers, json={
        "member": "Russian Federation", "speaker": "representative", "when": "after", "text": "said that ..."})
    assert statement.status_code == 201 and statement.get_json()["statements"][0]["member"] == "Russian Federation"
    assert presidency.http.post(f"/api/votes/{vote}/close", json={}, headers=headers).status_code == 409
    assert presidency.http.post("/api/meetings", headers=headers, json={"body": "Security Council"}).status_code == 400
