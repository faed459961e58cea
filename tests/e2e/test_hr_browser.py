"""HR in a real browser: an owner creates a cohort, a participant joins with consent and finishes, HR reads it."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from app import auth
from app.models import utcnow
from tests.e2e.journeys import answer_with_mouse, finish
from tests.e2e.server import live_app

PASSWORD = "correct horse battery staple"


def test_cohort_invitation_join_and_dashboard(page: Page, browser: Browser, base_url: str) -> None:
    db = live_app().state.db
    email = f"owner-{utcnow().timestamp():.0f}@e2e.test"
    _, invited = auth.create_org(db, "E2E Org", email, utcnow())
    page.goto(f"/hr/set-password/{invited.token}")
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.locator("form[action^='/hr/set-password'] button[type=submit]").click()
    page.wait_for_url("**/hr/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("form[action='/hr/login'] button").click()
    page.wait_for_url("**/hr")
    page.fill("#name", "Spring pilot")
    page.fill("#departments", "Sales\nDelivery")
    page.locator("form[action='/hr/cohorts'] button").click()
    page.wait_for_url("**/hr/cohorts/*")
    link = page.locator("#new-invitation-url").input_value()
    assert "/join/" in link
    # a participant, in Vietnamese, in another browser
    other = browser.new_context(locale="vi-VN", extra_http_headers={"Accept-Language": "vi"})
    person = other.new_page()
    person.goto(link)
    expect(person.locator("html")).to_have_attribute("lang", "vi")
    person.locator("input[name=visibility][value=identified]").check()
    person.fill("#display_name", "Trần Thị Lan")
    person.select_option("#department", "Delivery")
    person.locator("input[name=current_role][value=pm]").check()
    person.locator("form[action^='/join/'] button[type=submit]").click()
    expect(person.locator(".error")).to_have_count(1)  # the consent box is not ticked: no participation
    person.locator("input[name=consent]").check()
    person.locator("form[action^='/join/'] button[type=submit]").click()
    person.wait_for_url("**/quiz/1")
    answer_with_mouse(person, "am")
    finish(person)
    expect(person.locator("#cohorts")).to_contain_text("Spring pilot")
    # HR sees one participant, but a group of one is never shown
    page.reload()
    expect(page.locator(".invitations")).to_contain_text("1 participant")
    expect(page.locator("#board")).to_contain_text("fewer than 5 people")
    # the participant withdraws; HR's count goes back to zero
    person.locator("#cohorts button").click()
    person.wait_for_url("**/result/*")
    expect(person.locator("#cohorts")).to_have_count(0)
    page.reload()
    expect(page.locator(".invitations p.muted").first).to_contain_text("0 participants")
    other.close()
