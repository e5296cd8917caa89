"""The press office's page and the public side: pages, downloads, the feed, all escaped, no login."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest

from editor.domain.scenario import load_scenario_file
from editor.services import scenarios
from editor.services.demo import DEMO_SCENARIO
from editor.services.permissions import SYSTEM
from tests import support
from tests.conftest import PASSWORD


@pytest.fixture
def voted(database):
    with database.session() as session:
        scenarios.load_scenario(session, SYSTEM, load_scenario_file(DEMO_SCENARIO), demo_password=PASSWORD)


def office(app):
    client = app.test_client()
    support.login(client, "press-officer", PASSWORD)
    return client


def form_token(client) -> str:
    return support.CSRF_FIELD.search(client.get("/press").get_data(as_text=True)).group(1)


def test_the_press_officer_edits_publishes_and_the_public_sees_it_without_login(app, voted):
    client = office(app)
    page = client.get("/press").get_data(as_text=True)
    assert "SC/13893" in page and "drafted from the record" in page
    anonymous = app.test_client()
    assert anonymous.get("/releases/SC/13893").status_code == 404  # not published yet
    paragraphs = ['The Security Council voiced concern today <b>that</b> & "more".', "Second paragraph."]
    saved = client.post("/press/1/edit", data={"csrf_token": form_token(client), "headline": "A <i>headline</i>",
                                               "paragraph": paragraphs})
    assert saved.status_code == 302
    assert client.post("/press/1/publish", data={"csrf_token": form_token(client)}).status_code == 302

    listing = anonymous.get("/releases").get_data(as_text=True)
    assert "SC/13893" in listing and "S/RES/2482 (2019)" in listing and "A &lt;i&gt;headline&lt;/i&gt;" in listing
    html = anonymous.get("/releases/SC/13893").get_data(as_text=True)
    assert "voiced concern today &lt;b&gt;that&lt;/b&gt; &amp; &#34;more&#34;" in html and "<b>that" not in html
    text = anonymous.get("/releases/SC/13893.txt")
    assert text.mimetype == "text/plain" and text.get_data(as_text=True).startswith("8582nd Meeting (AM)\nSC/13893")
    assert "\\<b\\>that\\</b\\>" in anonymous.get("/releases/SC/13893.md").get_data(as_text=True)
    data = anonymous.get("/releases/SC/13893.json").get_json()
    assert (data["version"], data["paragraphs"][0]) == (2, paragraphs[0])
    feed = anonymous.get("/releases/feed.atom")
    assert feed.mimetype == "application/atom+xml"
    root = ET.fromstring(feed.get_data())  # noqa: S314 (our own feed): well-formed, markup and all
    atom = "{http://www.w3.org/2005/Atom}"
    [entry] = root.findall(f"{atom}entry")
    assert entry.find(f"{atom}title").text == "SC/13893: A <i>headline</i>"
    assert entry.find(f"{atom}summary").text == paragraphs[0]
    resolution = anonymous.get("/resolutions/S/RES/2482 (2019)").get_data(as_text=True)
    assert "Resolution 2482 (2019)" in resolution and "Decides to remain seized of the matter." in resolution


def test_only_the_press_office_edits_and_a_correction_says_what_it_corrects(app, voted):
    kuwait = app.test_client()
    support.login(kuwait, "kuwait", PASSWORD)
    assert kuwait.get("/press").status_code == 403
    client = office(app)
    assert client.post("/press/1/publish", data={"csrf_token": form_token(client)}).status_code == 302
    refused = client.post("/press/1/edit", data={"csrf_token": form_token(client), "headline": "H",
                                                 "paragraph": ["P."]})
    assert refused.status_code == 400 and "correction" in refused.get_data(as_text=True)
    assert client.post("/press/1/edit", data={"headline": "H", "paragraph": ["P."]}).status_code == 400  # no CSRF
