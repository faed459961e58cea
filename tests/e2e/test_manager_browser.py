"""A manager's view in a real browser, in three languages: the person invites, the manager rates in a second
browser context, the person reads the side-by-side view and deletes it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.journeys import BANK, answer_by_request, finish, start

TEXT = {
    "en": ("How well does Lan do this", "Thank you", "Where you differ", "Hoa"),
    "zh-Hans": ("Lan在这方面做得怎么样", "谢谢", "看法不同", "Hoa"),
    "vi": ("Lan làm tốt đến đâu", "Cảm ơn", "Chỗ hai bên khác nhau", "Hoa"),
}
MANAGER_LEVELS = ("3", "5", "1", "4", "skip")  # same, manager higher, self higher, one apart, cannot judge


def invite(page: Page, lang: str) -> str:
    page.fill("#manager-name", "Hoa")
    page.fill("#manager-person", "Lan")
    page.select_option("#manager-lang", lang)
    page.locator("#manager form.manager-invite button[type=submit]").click()
    link = page.locator("#new-manager-url")
    expect(link).to_be_visible()
    return link.input_value()


def rate(manager: Page) -> None:
    for n, skill in enumerate(BANK.skills):
        manager.locator(f"#skill_{skill.id}-{MANAGER_LEVELS[n % len(MANAGER_LEVELS)]}").check()
    manager.locator("form.manager-form button[type=submit]").click()


@pytest.mark.parametrize("lang", ["en", "zh-Hans", "vi"])
def test_invite_rate_compare_and_withdraw(page: Page, browser: Browser, base_url: str, lang: str) -> None:
    ask, thanks, differ, name = TEXT[lang]
    start(page, lang, role="pm")
    answer_by_request(page, base_url)
    finish(page)
    url = invite(page, lang)
    assert url.startswith(base_url + "/m/") and url.endswith(f"?lang={lang}")

    # the manager: another browser, whose own language is English
    other: BrowserContext = browser.new_context(locale="en-US", extra_http_headers={"Accept-Language": "en-US"})
    manager = other.new_page()
    manager.goto(url)
    expect(manager.locator("html")).to_have_attribute("lang", lang)
    expect(manager.locator("form.manager-form legend").first).to_contain_text(ask)
    expect(manager.locator("body")).not_to_contain_text(name)  # the manager's own name is only for the person
    manager.locator("form.manager-form button[type=submit]").click()  # nothing chosen: every field says so
    expect(manager.locator(".error-summary li")).to_have_count(len(BANK.skills))
    rate(manager)
    expect(manager.locator("#manager-sent")).to_be_visible()
    expect(manager.locator("h1")).to_contain_text(thanks)

    # the person sees both side by side, with a conversation guide, and deletes the manager's rating
    page.reload()
    table = page.locator("#manager .manager-table tbody tr")
    expect(table).to_have_count(len(BANK.skills))
    expect(page.locator("#manager .manager-compare")).to_contain_text(differ)
    expect(page.locator("#manager .manager-compare")).to_contain_text(name)
    assert page.locator("#manager .conversation-guide li").count() >= 3
    page.locator("#manager .manager-compare form button[type=submit]").click()
    expect(page.locator("#manager .manager-compare")).to_have_count(0)
    response = manager.goto(url)
    assert response is not None and response.status == 404
    other.close()
