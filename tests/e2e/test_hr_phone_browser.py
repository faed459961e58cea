"""HR pages on a phone: the menu folds behind a "Menu" button (and stays open without JavaScript), the current
page is marked, and the personal invitation links made without e-mail have copy buttons."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.e2e.server import live_app

PASSWORD = "correct horse battery staple"


def _sign_in(page: Page, name: str) -> tuple[str, str]:
    """A new organisation with one cohort; signed in as its owner. Returns (org id, cohort id)."""
    from app import auth
    from app.models import utcnow
    from app.services import hr

    db = live_app().state.db
    email = f"{name}-{utcnow().timestamp()}@e2e.test"
    org, invited = auth.create_org(db, "Phone", email, utcnow())
    auth.set_password(db, invited.token, PASSWORD, utcnow())
    cohort, _ = hr.create_cohort(db, org.id, name="Pilot", departments=["Sales"], now=utcnow())
    page.goto("/hr/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("form[action='/hr/login'] button").click()
    page.wait_for_url("**/hr")
    return org.id, cohort.id


def _make_links(page: Page, cohort_id: str) -> None:
    """Two people imported, then their personal links made (no e-mail on the test server)."""
    page.goto("/hr/people")
    page.fill("#content", "name,email,language\nLinh Nguyen,linh@phone.test,vi\nWang Fang,wang@phone.test,zh-Hans\n")
    page.locator("form[action='/hr/people/import'] button").click()
    page.locator("form[action='/hr/people/import/apply'] button[type=submit]").click()
    page.wait_for_url("**/hr/people?imported=2")
    page.goto(f"/hr/cohorts/{cohort_id}/personal")
    page.locator("form[action$='/personal/preview'] button").click()
    page.locator("form[action$='/personal/send'] button").click()


def test_menu_folds_on_a_phone_and_marks_the_current_page(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 800})
    _sign_in(page, "menu")
    page.goto("/hr/participants")
    toggle = page.get_by_role("button", name="Menu")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    users = page.locator(".hr-nav a[href='/hr/users']")
    expect(users).to_be_hidden()
    # folded, the menu takes one line, not a third of the screen
    nav_height = page.locator(".hr-nav").evaluate("e => e.getBoundingClientRect().height")
    assert nav_height < 800 / 8, nav_height
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(users).to_be_visible()
    expect(page.locator(".hr-nav a[aria-current=page]")).to_have_attribute("href", "/hr/participants")
    expect(page.locator(".hr-nav a[aria-current]")).to_have_count(1)
    # by keyboard: the button folds it again
    toggle.focus()
    page.keyboard.press("Enter")
    expect(users).to_be_hidden()
    # 320 px, folded and unfolded: nothing pushes the page sideways (WCAG 1.4.10)
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    toggle.click()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    # on a wide screen there is no button: the menu is a row of links
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(toggle).to_be_hidden()
    expect(users).to_be_visible()


def test_menu_without_javascript_is_open(browser: Browser, base_url: str) -> None:
    context = browser.new_context(base_url=base_url, java_script_enabled=False, viewport={"width": 390, "height": 800})
    page = context.new_page()
    _sign_in(page, "nojs-menu")
    expect(page.locator(".hr-menu-toggle")).to_be_hidden()  # no dead button
    expect(page.locator(".hr-nav a[href='/hr/users']")).to_be_visible()
    expect(page.locator(".hr-nav a[aria-current=page]")).to_have_attribute("href", "/hr")
    context.close()


def test_personal_links_have_copy_buttons(browser: Browser, base_url: str) -> None:
    context = browser.new_context(base_url=base_url, viewport={"width": 390, "height": 800})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    page = context.new_page()
    _, cohort_id = _sign_in(page, "copy")
    _make_links(page, cohort_id)
    first, second = page.locator("#personal-link-1"), page.locator("#personal-link-2")
    expect(first).to_be_focused()  # the page lands on the first link to copy
    assert first.input_value() != second.input_value()
    assert first.input_value().startswith(base_url + "/")
    # the second row's button copies the second link and says so on its own row only
    page.locator('button[data-copy="personal-link-2"]').click()
    expect(page.locator("#personal-link-2-copied")).to_have_text("Link copied")
    expect(page.locator("#personal-link-1-copied")).to_have_text("")
    assert page.evaluate("() => navigator.clipboard.readText()") == second.input_value()
    # the buttons name the person, so a screen-reader user can tell the rows apart
    expect(page.get_by_role("button", name="Copy link for Wang Fang")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    context.close()


def test_personal_links_without_javascript(browser: Browser, base_url: str) -> None:
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    page = context.new_page()
    _, cohort_id = _sign_in(page, "nojs-copy")
    _make_links(page, cohort_id)
    link = page.locator("#personal-link-1")
    expect(link).to_be_visible()
    expect(page.locator('button[data-copy="personal-link-1"]')).to_be_hidden()  # no dead button
    assert link.get_attribute("readonly") is not None
    link.click()
    page.keyboard.press("Control+A")
    assert link.evaluate("e => e.value.substring(e.selectionStart, e.selectionEnd)") == link.input_value()
    context.close()
