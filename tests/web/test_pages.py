import re

from sqlalchemy import select

from editor.persistence.models import Paragraph


def test_home_lists_the_drafts_open_to_the_user(logged_in, seed):
    page = logged_in("kuwait").get("/").get_data(as_text=True)
    assert f'href="/drafts/{seed["draft_id"]}"' in page
    assert "Threats to international peace and security" in page
    assert "No meeting is scheduled." in page


def test_the_draft_page_lays_out_the_text_as_the_un_does(logged_in, seed):
    page = logged_in("peru").get(f"/drafts/{seed['draft_id']}").get_data(as_text=True)
    assert '<p class="organ">The Security Council,</p>' in page
    numbers = re.findall(r'<span class="num">([^<]+)</span>', page)
    assert numbers == ["1.", "2.", "3.", "4.", "5.", "6.", "7."]
    op3 = re.search(r'data-ref="OP3">(.*?)</p>', page, re.S).group(1)
    assert '<span class="num">3.</span>' in op3
    assert '<em class="opening">Encourages</em> States to consider engaging relevant local communities' in op3
    assert '<em class="opening">Recalling</em> its resolutions' in page


def test_text_is_escaped_everywhere(logged_in, seed, session):
    paragraph = session.scalar(select(Paragraph).where(Paragraph.draft_id == seed["draft_id"]).limit(1))
    paragraph.text = 'Recalling <script>alert("x")</script> & <b>bold</b>,'
    session.commit()
    client = logged_in("peru")
    page = client.get(f"/drafts/{seed['draft_id']}").get_data(as_text=True)
    assert "<script>alert" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page
    data = client.get(f"/api/drafts/{seed['draft_id']}").get_json()
    assert data["paragraphs"][0]["text"] == 'Recalling <script>alert("x")</script> & <b>bold</b>,'


def test_an_unknown_draft_is_a_404_page_not_a_trace(logged_in, seed):
    client = logged_in("peru")
    response = client.get("/drafts/999999")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "There is no draft 999999." in body and "Traceback" not in body
    assert client.get("/drafts/not-a-number").status_code == 404
    assert client.get("/no/such/page").status_code == 404


def test_an_observer_is_refused_the_draft_with_a_reason(client, seed, make_user):
    from tests import support
    from tests.conftest import PASSWORD

    make_user("observer", "observer")
    support.login(client, "observer", PASSWORD)
    response = client.get(f"/drafts/{seed['draft_id']}")
    assert response.status_code == 403
    assert "Observers read published releases" in response.get_data(as_text=True)
    assert f'href="/drafts/{seed["draft_id"]}"' not in client.get("/").get_data(as_text=True)


def test_the_compare_page_shows_any_two_versions_in_one_redline(logged_in, seed):
    client = logged_in("kuwait")
    draft_id = seed["draft_id"]
    page = client.get(f"/drafts/{draft_id}/compare").get_data(as_text=True)  # zero draft -> now
    assert '<option value="zero draft" selected>' in page
    inserted = re.findall(r'<ins class="change" style="--colour: #[0-9a-f]{6}" title="Inserted by (\w+), ', page)
    assert set(inserted) == {"France", "Germany", "Indonesia"}
    assert re.search(r'<del class="change" [^>]*title="Deleted by Germany, ', page)
    assert "Paragraph added by Indonesia" in page
    # Up to change 10 only: France's change is there, Germany's (11) and Indonesia's (12) are not.
    page = client.get(f"/drafts/{draft_id}/compare?from=zero+draft&to=10").get_data(as_text=True)
    assert '<option value="10" selected>change 10</option>' in page
    titles = set(re.findall(r'title="(?:Inserted|Deleted) by (\w+), ', page))
    assert titles == {"France"} and "Paragraph added" not in page
    assert client.get(f"/drafts/{draft_id}/compare?from=12&to=10").status_code == 400
    assert client.get(f"/drafts/{draft_id}/compare?from=rev.9").status_code == 404


def test_the_compare_page_escapes_what_delegations_wrote(logged_in, seed, session):
    from tests.services.test_revisions import edit

    edit(session, seed["draft_id"], "france", 0, lambda text: text + ' <script>alert("x")</script> & <b>b</b>')
    page = logged_in("peru").get(f"/drafts/{seed['draft_id']}/compare?from=0").get_data(as_text=True)
    assert "<script>alert" not in page and "<b>b</b>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;b&lt;/b&gt;</ins>" in page
