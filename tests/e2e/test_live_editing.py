"""Live co-drafting through real browsers: delegates on separate pages edit the same draft at once."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS, log_in

LIVE_TIMEOUT = 15_000


def open_draft(new_page, username: str):
    page = new_page()
    log_in(page, username)
    page.get_by_role("heading", name="Drafts").wait_for()
    page.locator("table.list a").first.click()
    expect(page.locator("#live-status")).to_have_text("Connected", timeout=LIVE_TIMEOUT)
    return page


def operative(page, ref: str):
    """Paragraph `ref` of the live text (the redline draws its own copy of each paragraph)."""
    return page.locator(f'article.resolution[data-draft-id] .para[data-ref="{ref}"]')


def type_at(page, ref: str, where: str, text: str) -> None:
    """Click into paragraph `ref`, put the caret at its start or end, and type `text` key by key."""
    editable = operative(page, ref).locator(".text")
    editable.click()
    page.keyboard.press("Control+Home" if where == "start" else "Control+End")
    page.keyboard.type(text, delay=15)


def test_two_delegations_type_into_one_paragraph_at_once_and_both_keep_both(new_page):
    peru, france = open_draft(new_page, "peru"), open_draft(new_page, "france")
    original = operative(peru, "OP2").locator(".text").inner_text()

    type_at(peru, "OP2", "start", "Firmly ")
    type_at(france, "OP2", "end", " Toutes les parties.")
    type_at(peru, "OP2", "start", "Also ")

    for page in (peru, france):
        expect(page.locator("#live-status")).to_have_text("Connected", timeout=LIVE_TIMEOUT)
    expected = re.compile(r"^Also Firmly " + re.escape(original) + r" Toutes les parties\.$")
    for page in (peru, france):
        expect(operative(page, "OP2").locator(".text")).to_have_text(expected, timeout=LIVE_TIMEOUT)


def test_a_page_offline_keeps_its_edits_and_sends_them_when_back(new_page):
    peru, germany = open_draft(new_page, "peru"), open_draft(new_page, "germany")
    peru.context.set_offline(True)
    expect(peru.locator("#live-status")).to_have_text(re.compile(r"^Offline"), timeout=LIVE_TIMEOUT)

    type_at(peru, "OP1", "end", " Written offline.")
    expect(peru.locator("#live-status")).to_have_text(re.compile(r"^Offline — \d+ pending edits?$"))
    expect(germany.locator("#live-status")).to_have_text("Connected")
    assert "Written offline." not in operative(germany, "OP1").inner_text()

    peru.context.set_offline(False)
    expect(peru.locator("#live-status")).to_have_text("Connected", timeout=LIVE_TIMEOUT)
    expect(operative(germany, "OP1").locator(".text")).to_have_text(
        re.compile(r"Written offline\.$"), timeout=LIVE_TIMEOUT)


def test_the_toolbar_adds_an_operative_paragraph_numbered_on_the_other_page(new_page):
    peru, france = open_draft(new_page, "peru"), open_draft(new_page, "france")
    count = france.locator(".para.operative.level-0").count()
    last = operative(peru, f"OP{count}")
    last.locator(".text").click()
    last.get_by_role("button", name="Add an operative paragraph after this one").click()
    # The new paragraph appears when the server has ordered it, and takes the focus: then one types.
    expect(operative(peru, f"OP{count + 1}").locator(".text")).to_be_focused(timeout=LIVE_TIMEOUT)
    peru.keyboard.type("Decides to remain actively seized of the matter.", delay=10)

    added = operative(france, f"OP{count + 1}")
    expect(added.locator(".num")).to_have_text(f"{count + 1}.", timeout=LIVE_TIMEOUT)
    expect(added.locator(".text")).to_have_text("Decides to remain actively seized of the matter.",
                                                timeout=LIVE_TIMEOUT)


def test_the_other_page_shows_where_a_delegation_is_in_its_colour(new_page):
    peru, france = open_draft(new_page, "peru"), open_draft(new_page, "france")
    operative(peru, "OP3").locator(".text").click()

    marker = operative(france, "OP3").locator(".presence-marker", has_text="Peru")
    expect(marker).to_be_visible(timeout=LIVE_TIMEOUT)
    swatch = peru.locator(".draft-meta .swatch").first  # Peru holds the pen: its colour is in the details
    colour = swatch.evaluate("e => getComputedStyle(e).backgroundColor")
    assert marker.evaluate("e => getComputedStyle(e).backgroundColor") == colour
    expect(france.locator("#live-online")).to_contain_text("Peru")

    operative(france, "OP2").locator(".text").click()  # France's own paragraph shows its toolbar
    france.evaluate("document.querySelector('.para[data-ref=\"OP2\"]').scrollIntoView({block: 'center'})")
    france.screenshot(path=str(SCREENSHOTS / "live-editing.png"))


def test_a_selection_stays_on_its_words_while_another_delegation_types_before_it(new_page):
    peru, france = open_draft(new_page, "peru"), open_draft(new_page, "france")
    editable = operative(peru, "OP2").locator(".text")
    original = editable.inner_text()
    editable.click()
    peru.keyboard.press("Control+End")
    for _ in range(12):
        peru.keyboard.press("Shift+ArrowLeft")
    assert peru.evaluate("getSelection().toString()") == original[-12:]

    type_at(france, "OP2", "start", "Firmly ")
    expect(editable).to_have_text("Firmly " + original, timeout=LIVE_TIMEOUT)
    assert peru.evaluate("getSelection().toString()") == original[-12:]
    peru.keyboard.type("replaced.")  # what the delegate meant to overwrite is what gets overwritten
    for page in (peru, france):
        expect(operative(page, "OP2").locator(".text")).to_have_text("Firmly " + original[:-12] + "replaced.",
                                                                     timeout=LIVE_TIMEOUT)


def test_the_penholder_sees_germanys_change_in_its_colour_and_rejects_it(new_page):
    peru, germany = open_draft(new_page, "peru"), open_draft(new_page, "germany")
    original = operative(peru, "OP2").locator(".text").inner_text()
    type_at(germany, "OP2", "end", " Swiftly.")
    expect(operative(peru, "OP2").locator(".text")).to_have_text(original + " Swiftly.", timeout=LIVE_TIMEOUT)

    peru.get_by_role("button", name="Markup").click()
    inserted = peru.locator("article.redline ins.change", has_text="Swiftly.")
    expect(inserted).to_have_text(" Swiftly.", timeout=LIVE_TIMEOUT)
    expect(inserted).to_have_attribute("title", re.compile(r"^Inserted by Germany, "))
    germany_colour = peru.locator("#live-online li", has_text="Germany").locator(".swatch").evaluate(
        "e => e.style.getPropertyValue('--colour')")
    assert germany_colour and inserted.evaluate("e => e.style.getPropertyValue('--colour')") == germany_colour
    peru.screenshot(path=str(SCREENSHOTS / "redline.png"), full_page=False)

    inserted.locator("xpath=following-sibling::button[@class='reject'][1]").click()
    for page in (peru, germany):
        expect(operative(page, "OP2").locator(".text")).to_have_text(original, timeout=LIVE_TIMEOUT)
    expect(peru.locator("article.redline ins.change", has_text="Swiftly.")).to_have_count(0)
    germany.get_by_role("button", name="Markup").click()  # the scenario's changes since the zero draft
    expect(germany.locator("article.redline ins.change").first).to_be_visible(timeout=LIVE_TIMEOUT)
    assert germany.locator("article.redline button.reject").count() == 0  # only the penholder reviews


def test_the_penholder_names_a_version_and_the_markup_starts_from_it(new_page):
    peru = open_draft(new_page, "peru")
    peru.get_by_role("button", name="Markup").click()
    expect(peru.locator("article.redline ins.change").first).to_be_visible(timeout=LIVE_TIMEOUT)  # since zero draft
    peru.once("dialog", lambda dialog: dialog.accept("rev.1"))
    peru.get_by_role("button", name="Name this version…").click()
    expect(peru.get_by_label("Compare with the version")).to_have_value("rev.1", timeout=LIVE_TIMEOUT)
    expect(peru.locator("article.redline .change")).to_have_count(0, timeout=LIVE_TIMEOUT)  # nothing since rev.1
    peru.get_by_label("Compare with the version").select_option("zero draft")
    expect(peru.locator("article.redline ins.change").first).to_be_visible(timeout=LIVE_TIMEOUT)


def test_the_penholder_rejects_all_of_one_delegation_and_an_added_paragraph(new_page):
    peru = open_draft(new_page, "peru")
    draft_url = peru.url.split("/drafts/")[0] + "/api/drafts/" + peru.url.rsplit("/", 1)[1]
    zero = {p["id"]: p["text"] for p in peru.request.get(draft_url + "/text?at=zero%20draft").json()["paragraphs"]}
    op3 = operative(peru, "OP3")
    peru.get_by_role("button", name="Markup").click()
    peru.get_by_label("Compare with the version").select_option("zero draft")
    peru.get_by_label("Changes by").select_option("Germany")
    peru.get_by_role("button", name="Reject all").click()
    expect(op3.locator(".text")).to_have_text(zero[op3.get_attribute("data-uid")], timeout=LIVE_TIMEOUT)
    expect(peru.locator('article.redline .change[title*="by Germany"]')).to_have_count(0, timeout=LIVE_TIMEOUT)
    expect(peru.locator('article.redline .change[title*="by France"]').first).to_be_visible()

    paragraphs = peru.locator("article.resolution[data-draft-id] .para")
    before = paragraphs.count()
    added = peru.locator("article.redline .para-added", has_text="preventing radicalization")
    added.get_by_role("button", name="Reject").click()
    expect(paragraphs).to_have_count(before - 1, timeout=LIVE_TIMEOUT)
    expect(added).to_have_count(0, timeout=LIVE_TIMEOUT)


def test_the_penholder_accepts_one_change_then_all_the_others_and_the_text_stays(new_page):
    peru, france = open_draft(new_page, "peru"), open_draft(new_page, "france")
    live = {page: page.locator("article.resolution[data-draft-id]").inner_text() for page in (peru, france)}
    for page in (peru, france):
        page.get_by_role("button", name="Markup").click()
        page.get_by_label("Compare with the version").select_option("zero draft")
    changes = "article.redline .para:not(.para-added) .change"
    expect(peru.locator(changes).first).to_be_visible(timeout=LIVE_TIMEOUT)
    count = peru.locator(changes).count()
    accept = peru.locator(changes).first.locator("xpath=following-sibling::button[@class='accept'][1]")
    change_id = accept.get_attribute("data-change")
    accept.click()
    for page in (peru, france):  # France's page hears of it like any change, and redraws
        expect(page.locator(changes)).to_have_count(count - 1, timeout=LIVE_TIMEOUT)
    expect(peru.locator(f'article.redline button[data-change="{change_id}"]')).to_have_count(0)
    peru.get_by_role("button", name="Accept all").click()
    for page in (peru, france):
        expect(page.locator(changes)).to_have_count(0, timeout=LIVE_TIMEOUT)
        page.get_by_role("button", name="Final").click()
        assert page.locator("article.resolution[data-draft-id]").inner_text() == live[page]


def test_the_history_slider_shows_the_whole_text_at_any_change_and_follows_the_typing(new_page):
    peru, germany = open_draft(new_page, "peru"), open_draft(new_page, "germany")
    api = peru.url.split("/drafts/")[0] + "/api/drafts/" + peru.url.rsplit("/", 1)[1]
    zero = peru.request.get(api + "/text?at=zero%20draft").json()
    peru.get_by_role("button", name="History").click()
    slider, caption = peru.get_by_label("Change of the history"), peru.locator(".history-caption")
    last = int(slider.get_attribute("max"))
    expect(caption).to_contain_text(f"Change {last} of {last}", timeout=LIVE_TIMEOUT)
    slider.focus()
    peru.keyboard.press("Home")  # the first change: the first paragraph written
    expect(caption).to_contain_text(f"Change 1 of {last}", timeout=LIVE_TIMEOUT)
    expect(peru.locator("article.history .para")).to_have_count(1)
    slider.fill(str(zero["seq"]))  # the zero draft, paragraph for paragraph
    expect(caption).to_contain_text(f"Change {zero['seq']} of {last}", timeout=LIVE_TIMEOUT)
    expect(peru.locator("article.history .para")).to_have_text([p["text"] for p in zero["paragraphs"]])
    peru.get_by_role("button", name="One change forward").click()
    expect(caption).to_contain_text(f"Change {zero['seq'] + 1} of {last}", timeout=LIVE_TIMEOUT)
    expect(peru.locator("article.history .history-changed")).to_have_count(1)
    # The timeline around it: each change with who made it; the current one marked; a click goes there.
    current = peru.locator('.history-timeline [aria-current="step"]')
    expect(current).to_contain_text(f"{zero['seq'] + 1}France (delegate) edited OP1")
    peru.locator(".history-timeline button", has_text=f"{zero['seq'] - 1}Peru").click()
    expect(caption).to_contain_text(f"Change {zero['seq'] - 1} of {last}", timeout=LIVE_TIMEOUT)
    peru.evaluate("window.scrollTo(0, 0)")
    peru.screenshot(path=str(SCREENSHOTS / "history.png"), full_page=False)
    # Standing on the newest change, the slider follows what others type.
    slider.fill(str(last))
    type_at(germany, "OP2", "end", " Now.")
    expect(peru.locator('article.history .para[data-ref="OP2"]')).to_contain_text("Now.", timeout=LIVE_TIMEOUT)
    assert int(slider.get_attribute("max")) > last and slider.input_value() == slider.get_attribute("max")
    expect(caption).to_contain_text("Germany (delegate) edited OP2")


def test_the_compare_page_opens_from_the_draft_and_compares_two_chosen_versions(new_page):
    kuwait = open_draft(new_page, "kuwait")
    kuwait.get_by_role("link", name="Compare versions").click()
    expect(kuwait.get_by_role("heading", name="Compare two versions")).to_be_visible()
    expect(kuwait.locator("article.compare ins.change").first).to_be_visible()
    kuwait.get_by_label("To").select_option("zero draft")
    kuwait.get_by_label("From").select_option("0")
    kuwait.get_by_role("button", name="Compare").click()
    expect(kuwait.locator(".redline-head")).to_contain_text("From change 0 to change 9")
    expect(kuwait.locator("article.compare .para-added")).to_have_count(9)  # every paragraph of the first text
    kuwait.get_by_label("From").select_option("zero draft")
    kuwait.get_by_label("To").select_option("")
    kuwait.get_by_role("button", name="Compare").click()
    expect(kuwait.locator(".redline-head")).to_contain_text("From change 9 to change")
    kuwait.locator("article.compare .para").nth(5).scroll_into_view_if_needed()
    kuwait.screenshot(path=str(SCREENSHOTS / "compare.png"), full_page=False)


def test_the_penholder_brings_back_a_paragraph_germany_deleted_and_moves_back_one_it_moved(new_page):
    peru, germany = open_draft(new_page, "peru"), open_draft(new_page, "germany")
    texts = peru.locator("article.resolution[data-draft-id] .para .text")
    before = texts.all_inner_texts()
    peru.get_by_role("button", name="Markup").click()
    peru.once("dialog", lambda dialog: dialog.accept("rev.9"))
    peru.get_by_role("button", name="Name this version…").click()
    expect(peru.get_by_label("Compare with the version")).to_have_value("rev.9", timeout=LIVE_TIMEOUT)

    operative(germany, "OP2").locator(".text").click()
    operative(germany, "OP2").get_by_role("button", name="Delete this paragraph and its sub-paragraphs").click()
    expect(germany.locator("article.resolution[data-draft-id] .para")).to_have_count(len(before) - 1,
                                                                                  timeout=LIVE_TIMEOUT)
    operative(germany, "OP4").locator(".text").click()
    operative(germany, "OP4").get_by_role("button", name="Move this paragraph up").click()
    deleted = peru.locator("article.redline .para-deleted")
    moved = peru.locator("article.redline .para-moved")
    expect(deleted).to_contain_text("Paragraph deleted by Germany", timeout=LIVE_TIMEOUT)
    expect(moved).to_contain_text("Paragraph moved by Germany", timeout=LIVE_TIMEOUT)
    peru.evaluate("document.querySelector('article.redline .para-deleted').scrollIntoView({block: 'center'})")
    peru.screenshot(path=str(SCREENSHOTS / "redline-paragraphs.png"), full_page=False)

    deleted.get_by_role("button", name="Reject").click()
    expect(deleted).to_have_count(0, timeout=LIVE_TIMEOUT)
    moved.get_by_role("button", name="Reject").click()
    expect(moved).to_have_count(0, timeout=LIVE_TIMEOUT)
    for page in (peru, germany):
        expect(page.locator("article.resolution[data-draft-id] .para .text")).to_have_text(before,
                                                                                        timeout=LIVE_TIMEOUT)


def test_the_penholder_puts_the_text_in_blue_and_every_page_stops_editing_until_reopened(new_page):
    peru, germany = open_draft(new_page, "peru"), open_draft(new_page, "germany")
    peru.once("dialog", lambda dialog: dialog.accept("in blue"))
    peru.get_by_role("button", name="Put in blue…").click()
    for page in (peru, germany):
        expect(page.locator("#live-status")).to_contain_text("In blue: the text is frozen", timeout=LIVE_TIMEOUT)
        expect(page.locator("#draft-status")).to_have_text("in blue", timeout=LIVE_TIMEOUT)
        expect(operative(page, "OP2").locator(".text")).to_have_attribute("contenteditable", "false")
    germany.screenshot(path=str(SCREENSHOTS / "in-blue.png"), full_page=False)
    peru.get_by_role("button", name="Markup").click()
    expect(peru.get_by_label("Compare with the version").locator('option[value="in blue"]')).to_have_count(1)

    peru.get_by_role("button", name="Final").click()
    peru.get_by_role("button", name="Reopen for drafting").click()
    expect(germany.locator("#live-status")).to_have_text("Connected", timeout=LIVE_TIMEOUT)
    type_at(germany, "OP2", "end", " Again.")
    expect(operative(peru, "OP2").locator(".text")).to_contain_text("Again.", timeout=LIVE_TIMEOUT)


def test_silence_freezes_every_page_until_france_breaks_it_on_op3_and_both_pages_show_the_objection(new_page):
    import datetime as dt

    peru, france, germany = open_draft(new_page, "peru"), open_draft(new_page, "france"), open_draft(new_page,
                                                                                                     "germany")
    # Germany brackets a word; going in blue is refused, naming it; Germany lifts the bracket.
    type_at(germany, "OP2", "start", "[Firmly] ")
    expect(operative(peru, "OP2")).to_have_class(re.compile(r"\bbracketed\b"), timeout=LIVE_TIMEOUT)
    peru.once("dialog", lambda dialog: dialog.accept("in blue"))
    peru.get_by_role("button", name="Put in blue…").click()
    expect(peru.locator("#live-problems")).to_contain_text("OP2 [Firmly] (Germany)", timeout=LIVE_TIMEOUT)
    type_at(germany, "OP2", "start", "")
    for _ in "[Firmly] ":
        germany.keyboard.press("Delete")
    expect(operative(peru, "OP2")).not_to_have_class(re.compile(r"\bbracketed\b"), timeout=LIVE_TIMEOUT)
    tomorrow = (dt.datetime.now() + dt.timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    peru.once("dialog", lambda dialog: dialog.accept(tomorrow))
    peru.get_by_role("button", name="Put under silence…").click()
    for page in (peru, france):
        expect(page.locator("#stage-note")).to_contain_text("Under silence until", timeout=LIVE_TIMEOUT)
        expect(page.locator("#live-status")).to_contain_text("Under silence: no edit is accepted")
        expect(operative(page, "OP3").locator(".text")).to_have_attribute("contenteditable", "false")
    answers = iter(["OP3", "Encourage is too weak: we want urges."])
    france.on("dialog", lambda dialog: dialog.accept(next(answers)))
    france.get_by_role("button", name="Break silence…").click()
    for page in (peru, france):
        expect(page.locator("#stage-note")).to_have_text(
            "France broke silence on OP3: Encourage is too weak: we want urges.", timeout=LIVE_TIMEOUT)
        expect(operative(page, "OP3")).to_have_class(re.compile(r"\bobjected\b"))
        expect(operative(page, "OP3").locator(".text")).to_have_attribute("contenteditable", "plaintext-only")
    france.screenshot(path=str(SCREENSHOTS / "silence-broken.png"), full_page=False)


def test_the_penholder_marks_a_paragraph_agreed_ad_ref_and_every_page_shows_it(new_page):
    peru, kuwait = open_draft(new_page, "peru"), open_draft(new_page, "kuwait")
    peru.once("dialog", lambda dialog: dialog.accept("OP1"))
    peru.get_by_role("button", name="Agreed ad ref…").click()
    for page in (peru, kuwait):
        expect(operative(page, "OP1")).to_have_class(re.compile(r"\bad-ref\b"), timeout=LIVE_TIMEOUT)
    assert kuwait.get_by_role("button", name="Agreed ad ref…").is_hidden()  # the penholder's to mark
