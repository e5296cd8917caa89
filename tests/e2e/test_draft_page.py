"""The foundation seen through a real browser: log in as a delegate, read the draft in UN layout."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS, log_in


def test_peru_reads_operative_paragraph_3_numbered_with_its_italic_opening(new_page):
    page = new_page()
    log_in(page, "peru")

    page.get_by_role("heading", name="Drafts").wait_for()
    page.screenshot(path=str(SCREENSHOTS / "home.png"))
    page.locator("table.list a").first.click()
    # The live page settles first: joining draws its bar (stage, sponsors), which moves the text down.
    expect(page.locator("#live-status")).to_have_text("Connected", timeout=15_000)
    page.wait_for_load_state("networkidle")

    op3 = page.locator('.para.operative[data-ref="OP3"]')
    assert op3.locator(".num").inner_text() == "3."
    opening = op3.locator("em.opening")
    assert opening.inner_text() == "Encourages"
    assert opening.evaluate("e => getComputedStyle(e).fontStyle") == "italic"
    assert page.locator(".organ").inner_text() == "The Security Council,"
    # The number hangs in the margin: the paragraph text starts to the right of it, on the same line.
    number_box, text_box = op3.locator(".num").bounding_box(), op3.locator(".text").bounding_box()
    assert number_box["x"] + number_box["width"] <= text_box["x"]
    assert abs(number_box["y"] - text_box["y"]) < 4
    page.screenshot(path=str(SCREENSHOTS / "draft-page.png"), full_page=False)


def test_a_wrong_password_gets_one_message_and_no_session(new_page):
    page = new_page()
    log_in(page, "peru", "not the password")
    assert page.get_by_role("alert").inner_text() == "Invalid user name or password."
    log_in(page, "nobody-at-all", "not the password")
    assert page.get_by_role("alert").inner_text() == "Invalid user name or password."
    page.goto("/")
    assert page.url.endswith("/login?next=%2F") or "/login" in page.url


def test_the_keyboard_alone_logs_in_and_out(new_page):
    page = new_page()
    page.goto("/login")
    # The user name field takes the focus by itself: no click is needed to start typing.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'username'")
    page.keyboard.type("kuwait")
    page.keyboard.press("Tab")
    page.keyboard.type("penholder-demo")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Drafts").wait_for()
    assert "Kuwait" in page.locator(".who-role").inner_text()

    page.locator(".skip-link").focus()
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Log out":
            break
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Log in").wait_for()
