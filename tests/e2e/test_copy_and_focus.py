"""Copying a link (with and without JavaScript) and where the focus lands after each htmx swap."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.e2e.journeys import answer_with_mouse, finish, start


def _result(page: Page, lang: str = "en") -> None:
    start(page, lang, role="pm")
    answer_with_mouse(page, "am")
    finish(page)


def test_share_link_focus_and_copy_with_javascript(browser: Browser, base_url: str) -> None:
    context = browser.new_context(base_url=base_url)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    page = context.new_page()
    _result(page)
    page.locator('#share input[name="scope"][value="full"]').check()
    page.locator("#share button[type=submit]", has_text="Create a link").click()
    link = page.locator("#new-share-url")
    # the swap put the focus on the new link (not on <body>), with the link selected for a quick copy
    expect(link).to_be_focused()
    url = link.input_value()
    assert url.startswith(base_url + "/s/")
    assert page.evaluate("() => document.activeElement.selectionEnd - document.activeElement.selectionStart") == len(
        url
    )
    # the whole link is visible: its box is not narrower than its text
    assert link.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
    copy = page.locator('button[data-copy="new-share-url"]')
    expect(copy).to_be_visible()
    copy.click()
    expect(page.locator("#new-share-copied")).to_have_text("Link copied")
    assert page.evaluate("() => navigator.clipboard.readText()") == url
    # a refused submit: the focus goes to the error message
    # the browser's own check would stop 365 first: lift it, as an old browser would, so the server refuses it
    page.evaluate("() => document.getElementById('share-days').removeAttribute('max')")
    page.fill("#share-days", "365")
    page.locator("#share button[type=submit]", has_text="Create a link").click()
    expect(page.locator("#share-error")).to_be_focused()
    context.close()


def test_share_link_without_javascript(browser: Browser, base_url: str) -> None:
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    page = context.new_page()
    _result(page)
    page.locator('#share input[name="scope"][value="recommendation"]').check()
    page.locator("#share button[type=submit]", has_text="Create a link").click()
    page.wait_for_url("**/result/*#share")
    link = page.locator("#new-share-url")
    expect(link).to_be_visible()
    # no dead button: the Copy button stays hidden, the link is in a read-only field to select by hand
    expect(page.locator('button[data-copy="new-share-url"]')).to_be_hidden()
    assert link.get_attribute("readonly") is not None
    link.click()
    page.keyboard.press("Control+A")
    assert link.evaluate("e => e.value.substring(e.selectionStart, e.selectionEnd)") == link.input_value()
    assert "/s/" in link.input_value()
    context.close()


def test_review_page_takes_the_focus_after_the_last_answer(page: Page) -> None:
    start(page, "vi")
    answer_with_mouse(page, "pm")
    expect(page.locator("#quiz h1")).to_be_focused()
    # and back into the questions: the question's heading has the focus again
    page.locator("#quiz a", has_text="←").click()
    page.wait_for_url("**/quiz/*")
    expect(page.locator("#quiz h1")).to_be_visible()


def test_error_summary_takes_the_focus_and_links_to_the_field(page: Page) -> None:
    page.goto("/start?lang=zh-Hans")
    page.locator('form[action="/start"] button[type="submit"]').click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    summary.locator("a").first.click()
    expect(page.locator("#role-first")).to_be_focused()
