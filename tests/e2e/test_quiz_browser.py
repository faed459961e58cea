"""Whole journeys in a real browser: mouse, keyboard, resume, and no JavaScript at all."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from scoring.labels import defaults
from tests.e2e.journeys import BANK, ORDER, answer_with_mouse, finish, start, value_for


@pytest.mark.parametrize(
    ("lang", "lean", "heading"),
    [
        ("en", "am", "Account Manager (AM)"),
        ("zh-Hans", "pm", "项目经理（PM）"),
        ("vi", "am", "Quản lý khách hàng (AM)"),
    ],
)
def test_whole_quiz_with_the_mouse(page: Page, lang: str, lean: str, heading: str) -> None:
    start(page, lang)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("#quiz")).to_contain_text(BANK.item(ORDER[0]).text[lang])
    answer_with_mouse(page, lean)
    finish(page)
    expect(page.locator("h1")).to_contain_text(heading)
    expect(page.locator("svg.dimension-chart")).to_be_visible()
    expect(page.locator("#plan h3").first).to_be_visible()
    # the plan for the other track, swapped in place by htmx
    page.locator("#plan a[hx-get]").click()
    other = defaults(BANK.tracks, lang).short("pm" if lean == "am" else "am")  # the language's label (vi: CM)
    expect(page.locator("#plan h2")).to_contain_text(other)
    assert re.search(r"plan=(am|pm)", page.url)


def test_back_shows_the_given_answer(page: Page) -> None:
    start(page, "en")
    answer_with_mouse(page, "am", until=2)
    page.locator("#quiz a", has_text="Back").click()
    page.wait_for_url("**/quiz/2")
    chosen = value_for(BANK.item(ORDER[1]), "am")
    expect(page.locator(f'#quiz button[name="value"][value="{chosen}"]')).to_have_attribute("aria-pressed", "true")


def test_keyboard_only(page: Page) -> None:
    page.goto("/start?lang=en")
    # reach the role radios with Tab, choose with the arrow keys, submit with Enter
    page.locator('input[name="current_role"][value="am"]').focus()
    page.keyboard.press("ArrowDown")
    expect(page.locator('input[name="current_role"][value="pm"]')).to_be_checked()
    page.locator('form[action="/start"] button[type="submit"]').focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/quiz/1")
    for n, item_id in enumerate(ORDER, start=1):
        target = value_for(BANK.item(item_id), "pm", n)
        expect(page.locator("#quiz form")).to_have_attribute("action", f"/quiz/{n}")
        if n > 1:
            # after each swap htmx moves the focus to the new question: a screen reader reads it first
            expect(page.locator("#quiz h1.q")).to_be_focused()
        button = page.locator(f'#quiz button[name="value"][value="{target}"]')
        for _ in range(15):  # Tab until the wanted answer has the focus
            if button.evaluate("b => b === document.activeElement"):
                break
            page.keyboard.press("Tab")
        else:
            raise AssertionError(f"could not reach answer {target} of question {n} with Tab")
        page.keyboard.press("Enter")
    page.wait_for_url("**/quiz/review")
    expect(page.locator("#quiz h1")).to_be_focused()
    finish_button = page.locator('form[action="/quiz/finish"] button')
    for _ in range(10):
        if finish_button.evaluate("b => b === document.activeElement"):
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/result/*")
    expect(page.locator("h1")).to_contain_text("Project Manager (PM)")


def test_resume_after_closing_the_page(browser: Browser, base_url: str) -> None:
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    start(page, "vi")
    answer_with_mouse(page, "am", until=7)
    page.close()
    again = context.new_page()
    again.goto("/")
    again.locator('a[href="/quiz"]').click()
    again.wait_for_url("**/quiz/8")
    expect(again.locator("#quiz")).to_contain_text(BANK.item(ORDER[7]).text["vi"])
    code = again.locator(".resume-hint").inner_text().split()[-1].rstrip(".")
    context.close()
    # another device: a fresh browser context with only the code
    other = browser.new_context(base_url=base_url)
    page2 = other.new_page()
    page2.goto("/resume")
    page2.fill("#code", code.lower())
    page2.locator('form[action="/resume"] button').click()
    page2.wait_for_url("**/quiz/8")
    other.close()


def test_without_javascript(browser: Browser, base_url: str) -> None:
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    page = context.new_page()
    start(page, "en", role="sales")
    answer_with_mouse(page, "am")
    finish(page)
    expect(page.locator("h1")).to_contain_text("Account Manager (AM)")
    page.locator("#plan a[href*='plan=']").click()
    expect(page.locator("#plan h2")).to_contain_text("(PM)")
    # delete my data, without JavaScript: the details element opens natively
    page.locator("details.danger-zone summary").click()
    page.locator("details.danger-zone button").click()
    page.wait_for_url("**/?deleted=1")
    expect(page.locator(".notice")).to_be_visible()
    context.close()
