"""Plan progress in a real browser: ticking actions with htmx (focus stays on the ticked item) and without
JavaScript (a plain form that comes back to the same action), in three languages; a check-in; screenshots."""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import pattern
from tests.e2e.journeys import BANK

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "img"
DONE = {"en": "1 of", "zh-Hans": "已完成 1/", "vi": "Đã xong 1/"}
MARK = {"en": "Mark as not done", "zh-Hans": "标记为未完成", "vi": "Đánh dấu chưa xong"}


def scored(base_url: str, lang: str) -> str:
    """A finished assessment made through the JSON API; its resume code (the browser takes it over)."""
    payload = {"lang": lang, "current_role": "pm", "answers": dict(pattern(BANK, "am", skills=2).values)}
    request = urllib.request.Request(
        base_url + "/api/v1/assessments",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as response:  # the live test server
        return str(json.load(response)["resume_code"])


def open_result(page: Page, base_url: str, lang: str) -> None:
    page.goto(f"/resume?lang={lang}")
    page.fill("#code", scored(base_url, lang))
    page.locator('form[action="/resume"] button').click()
    page.wait_for_url("**/result/*")


@pytest.mark.parametrize("lang", ["en", "zh-Hans", "vi"])
def test_ticking_with_javascript_keeps_the_focus(page: Page, base_url: str, lang: str) -> None:
    open_result(page, base_url, lang)
    first = page.locator("#progress li[id^='act-']").first
    item_id = first.get_attribute("id")
    expect(first.locator("input[name='note']")).to_be_hidden()  # the note waits behind "Add a note"
    first.locator("details.act-note summary").click()
    first.locator("input[name='note']").fill("ok")
    first.locator("button[type='submit']").click()
    item = page.locator(f"#{item_id}")
    expect(item.locator("button[type='submit']")).to_have_text(MARK[lang])
    expect(item.locator("button[type='submit']")).to_be_focused()  # the swap kept the place
    expect(page.locator("#progress .progress-total")).to_contain_text(DONE[lang])
    assert "#" not in page.url  # htmx: no reload
    # untick: back to "mark as done", the focus still on the same item
    item.locator("button[type='submit']").click()
    expect(item.locator("details.act-note summary")).to_be_visible()
    expect(item.locator("button[type='submit']")).to_be_focused()


def test_ticking_without_javascript_comes_back_to_the_action(browser: Browser, base_url: str) -> None:
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    page = context.new_page()
    open_result(page, base_url, "vi")
    first = page.locator("#progress li[id^='act-']").first
    item_id = first.get_attribute("id")
    first.locator("details.act-note summary").click()  # a native disclosure: opens without JavaScript
    first.locator("input[name='note']").fill("Đã họp với quản lý")
    first.locator("button[type='submit']").click()
    page.wait_for_url(f"**/result/*#{item_id}")
    expect(page.locator(f"#{item_id}")).to_contain_text("Đã họp với quản lý")
    expect(page.locator("#progress .progress-total")).to_contain_text(DONE["vi"])
    # a check-in without JavaScript too
    page.locator("#checkins a[href$='/checkin/30d']").click()
    page.wait_for_url("**/checkin/30d")
    for group in page.locator("fieldset.checkin-skill").all():
        group.locator("input[value='4']").check()
    page.locator("form.checkin button[type='submit']").click()
    page.wait_for_url("**/result/*#checkins")
    expect(page.locator("table.checkin-changes")).to_be_visible()
    context.close()


@pytest.mark.skipif(not os.environ.get("ROLEFIT_SCREENSHOTS"), reason="set ROLEFIT_SCREENSHOTS=1 to retake them")
def test_screenshots(browser: Browser, base_url: str) -> None:
    for lang in ("en", "zh-Hans", "vi"):
        context = browser.new_context(base_url=base_url, extra_http_headers={"Accept-Language": lang})
        page = context.new_page()
        open_result(page, base_url, lang)
        for item in page.locator("#progress li[id^='act-']").all()[:2]:
            item.locator("button[type='submit']").click()
            page.wait_for_timeout(300)
        page.goto(page.url.split("#")[0] + "/checkin/30d")
        for group in page.locator("fieldset.checkin-skill").all():
            group.locator("input[value='4']").check()
        checkin_url = page.url
        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(checkin_url)
            page.screenshot(path=str(SHOTS / f"progress-checkin-{lang}-{width}.png"), full_page=True)
        for group in page.locator("fieldset.checkin-skill").all():
            group.locator("input[value='4']").check()
        page.locator("form.checkin button[type='submit']").click()
        page.wait_for_url("**/result/*")
        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.reload()
            page.locator("#progress").screenshot(path=str(SHOTS / f"progress-result-{lang}-{width}.png"))
        context.close()
