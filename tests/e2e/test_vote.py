"""The vote through real browsers, on a server of its own (a vote is final: the other browser tests go on
co-drafting the demo draft on theirs)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS, log_in
from tests.live import LiveServer

LIVE_TIMEOUT = 15_000


@pytest.fixture(scope="module")
def vote_server(tmp_path_factory):
    folder: Path = tmp_path_factory.mktemp("vote")
    with LiveServer(f"sqlite:///{folder / 'vote.db'}") as server:
        yield server


@pytest.fixture
def page_as(browser, vote_server):
    contexts = []

    def make(username: str):
        context = browser.new_context(base_url=vote_server.url, viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        log_in(page, username)
        page.get_by_role("heading", name="Drafts").wait_for()
        page.locator("table.list a").first.click()
        expect(page.locator("#live-status")).to_contain_text("Connected", timeout=LIVE_TIMEOUT)
        return page

    yield make
    for context in contexts:
        context.close()


def test_the_presidency_records_fifteen_votes_and_every_page_shows_resolution_2482(page_as):
    peru, presidency, kuwait = page_as("peru"), page_as("peru-presidency"), page_as("kuwait")
    peru.once("dialog", lambda dialog: dialog.accept("in blue"))
    peru.get_by_role("button", name="Put in blue…").click()
    board = presidency.locator("section.vote-board")
    expect(board.get_by_role("button", name="Open the vote")).to_be_visible(timeout=LIVE_TIMEOUT)
    expect(kuwait.locator("section.vote-board")).to_be_hidden()  # nothing to see before the vote opens
    board.get_by_label("Meeting number").fill("8582")
    board.get_by_label("Date").fill("2019-07-19")  # Peru presides in July 2019
    board.get_by_label("Press release").fill("SC/13893")
    board.get_by_role("button", name="Open the vote").click()
    expect(board.get_by_role("heading", name="Voting is open")).to_be_visible(timeout=LIVE_TIMEOUT)
    expect(kuwait.locator("section.vote-board")).to_contain_text("Voting is open", timeout=LIVE_TIMEOUT)
    assert kuwait.locator("section.vote-board button").count() == 0  # a delegate records nobody's vote

    members = board.locator("table.vote-members th")
    names = [name.split(" (permanent)")[0] for name in members.all_inner_texts()]
    assert len(names) == 15
    for done, name in enumerate(names, 1):
        board.get_by_role("button", name=f"{name}: In favour").click()
        expect(board.locator(".count-in_favour strong")).to_have_text(str(done), timeout=LIVE_TIMEOUT)
    expect(kuwait.locator(".count-in_favour strong")).to_have_text("15", timeout=LIVE_TIMEOUT)
    board.get_by_label("Resolution number").fill("2482 (2019)")
    board.get_by_role("button", name="Close the vote").click()
    for page in (peru, presidency, kuwait):
        announcement = page.locator(".vote-announcement")
        expect(announcement).to_have_text("There were 15 votes in favour. The draft resolution has been adopted as "
                                          "resolution 2482 (2019).", timeout=LIVE_TIMEOUT)
        expect(page.locator("#draft-status")).to_have_text("voted", timeout=LIVE_TIMEOUT)
    assert presidency.locator("section.vote-board .vote-actions").count() == 0  # closed: no vote to record
    # The meeting's record: its times and a statement after the vote, heard by every page.
    board.get_by_label("Began").fill("12:30")
    board.get_by_label("Ended").fill("12:40")
    board.get_by_role("button", name="Record the times").click()
    expect(kuwait.locator(".vote-times")).to_have_text("Began at 12:30, ended at 12:40.", timeout=LIVE_TIMEOUT)
    board.get_by_label("Statement by").select_option("Russian Federation")
    board.get_by_label("Said").fill("said that today's resolution is an addition to the toolkit.")
    board.get_by_role("button", name="Record the statement").click()
    expect(kuwait.locator(".vote-statements li")).to_have_text(
        "Russian Federation's representative, after the vote: said that today's resolution is an addition to the "
        "toolkit.", timeout=LIVE_TIMEOUT)
    kuwait.locator("section.vote-board").screenshot(path=str(SCREENSHOTS / "vote.png"))


def test_the_press_officer_edits_a_sentence_publishes_and_the_public_page_and_feed_show_it(page_as, browser,
                                                                                         vote_server):
    """After the vote above (same server): its release was drafted when the vote closed."""
    officer = page_as("press-officer")
    officer.goto("/press")
    first = officer.locator('#release-1 textarea[name="paragraph"]').first
    expect(first).to_have_value(re.compile("^The Security Council expressed concern today that terrorists"))
    first.fill(first.input_value().replace("expressed concern today", "voiced grave concern today"))
    officer.get_by_role("button", name="Save as version 2").click()
    expect(officer.locator(".notice")).to_have_text("Version 2 saved.")
    officer.get_by_role("button", name="Publish version 2").click()
    expect(officer.locator(".notice")).to_have_text("Version 2 published.")
    officer.screenshot(path=str(SCREENSHOTS / "press-office.png"), full_page=False)

    public = browser.new_context(base_url=vote_server.url).new_page()  # nobody logged in
    public.goto("/releases")
    public.locator(".release-list a", has_text="SC/13893").click()
    expect(public.locator("article.release p").nth(2)).to_contain_text("voiced grave concern today that terrorists")
    public.screenshot(path=str(SCREENSHOTS / "release.png"), full_page=True)
    feed = public.request.get("/releases/feed.atom").text()
    assert "voiced grave concern today" in feed and "<title>SC/13893: Security Council" in feed
