"""Browser tests: a live server loaded with the demo data, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests import support
from tests.live import PROJECT, LiveServer

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = PROJECT / "docs" / "screenshots"
DEMO_PASSWORD = "penholder-demo"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """One server for the browser tests, on its own embedded database (what `make run` gives a newcomer)."""
    folder: Path = tmp_path_factory.mktemp("live")
    with LiveServer(f"sqlite:///{folder / 'live.db'}") as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        support.unavailable("Playwright")
    if not Path(CHROMIUM).exists():
        support.unavailable(f"Chromium at {CHROMIUM}")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, live_server):
    """Pages in fresh browser contexts (separate cookies), as separate delegates on separate laptops."""
    contexts = []

    def make(viewport=None):
        context = browser.new_context(base_url=live_server.url, viewport=viewport or {"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield make
    for context in contexts:
        context.close()


def log_in(page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
