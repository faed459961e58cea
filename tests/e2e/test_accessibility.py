"""axe-core on every page type and state, in every language, at 1280 and 390 px: no violation of any impact.

axe-core is the npm package, vendored under tests/e2e/vendor/axe-core/ (no network). It is evaluated through
the DevTools protocol, so the app's strict CSP (no inline scripts) stays on while it runs. Each page is loaded
once and checked at both widths (the layout reflows on resize); the HR pages are also checked for sideways
scrolling at 320 px (WCAG 1.4.10).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.journeys import BANK, ORDER, answer_by_request, answer_with_mouse, finish, start

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
WIDTHS = (1280, 390)
PASSWORD = "correct horse battery staple"
KIND_POSITION = {
    kind: ORDER.index(next(i for i in ORDER if BANK.item(i).kind == kind)) + 1
    for kind in ("likert", "paired", "situational", "proficiency")
}


def violations(page: Page) -> list[dict[str, Any]]:
    """Every axe violation on the page as it is now (any impact), shortened for a readable failure."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
    ]


class Checker:
    """Runs axe at each width on the current page and collects the problems by page name."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: dict[str, list[dict[str, Any]]] = {}
        self.checked = 0

    def __call__(self, name: str) -> None:
        for width in WIDTHS:
            self.page.set_viewport_size({"width": width, "height": 900})
            found = violations(self.page)
            self.checked += 1
            if found:
                self.problems[f"{name} @{width}"] = found
        self.page.set_viewport_size({"width": 1280, "height": 900})


def test_the_check_can_fail(page: Page) -> None:
    page.set_content(
        '<html><body><img src="x.png"><button></button><a href="#"></a><h1>x</h1><h3>y</h3>'
        '<p style="color:#eee;background:#fff">faint</p></body></html>'
    )
    found = {v["id"] for v in violations(page)}
    assert {"image-alt", "button-name", "html-has-lang", "color-contrast"} <= found
    # a moderate one counts too (any impact fails the suite)
    assert "heading-order" in found


@pytest.mark.parametrize("lang", ["en", "zh-Hans", "vi"])
def test_every_page_type(page: Page, lang: str) -> None:
    check = Checker(page)
    for path in ("/", "/start", "/resume", "/method", "/accessibility", "/no-such-page"):
        page.goto(f"{path}?lang={lang}")
        check(path)
    page.goto("/s/" + "x" * 43)  # an expired, revoked or wrong share link: the same page
    expect(page.locator("h1")).not_to_have_text("Not found")
    check("share-gone")
    # the start page with its error summary
    page.goto(f"/start?lang={lang}")
    page.locator('form[action="/start"] button[type="submit"]').click()
    expect(page.locator(".error-summary")).to_be_visible()
    check("start-errors")
    start(page, lang)
    for kind, position in KIND_POSITION.items():
        page.goto(f"/quiz/{position}")
        check(f"question-{kind}")
    page.goto("/quiz/1")
    answer_with_mouse(page, "am")
    check("review")
    finish(page)
    check("result")
    for details in page.locator("main details").all():  # every folded section open
        details.evaluate("d => d.open = true")
    check("result-open")
    page.locator('#share input[name="scope"][value="full"]').check()
    page.locator('#share button[type="submit"]').first.click()
    expect(page.locator("#new-share-url")).to_be_focused()
    check("result-new-share")
    url = page.locator("#new-share-url").input_value()
    result = page.url.split("#")[0]
    page.goto(url)
    check("shared")
    # the owner's pages added in session 5: all my data, a check-in of the plan's skills
    for path in ("/my-data", "/checkin/30d"):
        page.goto(result + path)
        check(path)
    assert check.checked >= 2 * 19
    assert not check.problems, check.problems


@pytest.mark.parametrize("lang", ["en", "zh-Hans", "vi"])
def test_retake_and_manager_states(page: Page, base_url: str, lang: str) -> None:
    """The states the first pass missed: the result's "Since your last result" (a retake), the manager's (180°)
    rating form with its error summary and its thank-you page, and the result with the manager's view."""
    check = Checker(page)
    start(page, lang, role="pm")
    answer_by_request(page, base_url, "pm")
    finish(page)
    page.locator("#retake button[type=submit]").click()
    page.wait_for_url("**/quiz/1")
    answer_by_request(page, base_url, "am")
    finish(page)
    expect(page.locator("#since")).to_be_visible()
    check("result-since")
    page.locator("#since button[name=counts][value=earlier]").click()  # the earlier result counts: the other form
    expect(page.locator("#since button[name=counts][value=this]")).to_be_visible()
    check("result-since-earlier-counts")
    # the manager's rating form, in a second browser (the manager's own)
    page.fill("#manager-name", "Hoa")
    page.fill("#manager-person", "Lan")
    page.select_option("#manager-lang", lang)
    page.locator("#manager form.manager-invite button[type=submit]").click()
    expect(page.locator("#new-manager-url")).to_be_focused()
    check("result-new-manager-link")
    url = page.locator("#new-manager-url").input_value()
    result = page.url.split("#")[0]
    manager = page.context.browser.new_context(base_url=base_url) if page.context.browser else None
    assert manager is not None
    other = manager.new_page()
    try:
        other_check = Checker(other)
        other.goto(url)
        other_check("manager-form")
        other.locator("form.manager-form button[type=submit]").click()  # nothing chosen: every field says so
        expect(other.locator(".error-summary")).to_be_visible()
        other_check("manager-form-errors")
        for n, skill in enumerate(BANK.skills):
            other.locator(f"#skill_{skill.id}-{('3', '5', '1', 'skip')[n % 4]}").check()
        other.locator("form.manager-form button[type=submit]").click()
        expect(other.locator("#manager-sent")).to_be_visible()
        other_check("manager-sent")
        check.problems.update(other_check.problems)
        check.checked += other_check.checked
    finally:
        manager.close()
    page.goto(result)
    expect(page.locator("#manager .manager-compare")).to_be_visible()
    check("result-manager-view")
    for details in page.locator("main details").all():  # every folded section open
        details.evaluate("d => d.open = true")
    check("result-since-manager-open")
    assert check.checked >= 2 * 7
    assert not check.problems, check.problems


@pytest.mark.parametrize("lang", ["en", "zh-Hans", "vi"])
def test_hr_pages(page: Page, lang: str) -> None:
    from app import auth
    from app.models import utcnow
    from app.services import hr, operators
    from app.services.demo import add_simulated
    from tests.e2e.server import live_app

    app = live_app()
    email = f"a11y-{lang}-{utcnow().timestamp()}@e2e.test"
    org, invited = auth.create_org(app.state.db, "A11y", email, utcnow())
    auth.set_password(app.state.db, invited.token, PASSWORD, utcnow())
    cohort, invitation = hr.create_cohort(
        app.state.db, org.id, name="Pilot", departments=["Sales", "Delivery"], levels=["Senior"], now=utcnow()
    )
    add_simulated(app.state.db, BANK, org.id, cohort.id, n=40, rng=random.Random(1), now=utcnow())
    check = Checker(page)

    page.goto(f"/join/{invitation.token}?lang={lang}")
    check("join")
    page.locator(f"form[action='/join/{invitation.token}'] button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_focused()
    check("join-errors")
    page.goto(f"/hr/login?lang={lang}")
    check("login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("form[action='/hr/login'] button").click()
    page.wait_for_url("**/hr")
    expect(page.locator("html")).to_have_attribute("lang", lang)  # ?lang= was remembered
    check("hr-home")
    page.goto(f"/hr/cohorts/{cohort.id}")
    check("cohort")
    page.fill("#invitation-label", "Sales, March")
    page.locator(f"form[action='/hr/cohorts/{cohort.id}/invitations'] button").click()
    expect(page.locator("#new-invitation-url")).to_be_focused()
    check("cohort-new-link")
    page.goto(f"/hr/cohorts/{cohort.id}?department=Sales")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    check("dashboard-filtered")
    page.goto(f"/hr/cohorts/{cohort.id}?department=Sales&level=Senior&role=pm")
    check("dashboard-small")
    for path in ("/hr/dashboard", "/hr/users", "/hr/people", "/hr/labels", "/hr/psychometrics"):
        page.goto(path)
        check(path)
    page.goto(f"/hr/cohorts/{cohort.id}/personal")
    check("personal-invitations")
    # the pages and states added since the last pass
    page.goto("/hr/participants")
    check("participants")
    page.goto(f"/hr/participants?cohort={cohort.id}&department=Sales&status=finished&sort=-finished")
    check("participants-filtered")
    page.goto("/hr/participants?status=nonsense")
    check("participants-refused")
    page.goto("/hr/participants")
    page.locator("table a[href^='/hr/participants/']").first.click()
    page.wait_for_url("**/hr/participants/*")
    check("participant")
    for path in (
        "/hr/compare",
        f"/hr/compare?a={cohort.id}",
        f"/hr/cohorts/{cohort.id}/funnel",
        "/hr/funnel",
        "/hr/settings",
        "/hr/mfa/setup",
        "/hr/audit",
        "/hr/switch",
        f"/hr/cohorts/{cohort.id}/delete",
        "/hr/api-tokens",
        "/hr/webhooks",
        "/hr/settings/sso",
    ):
        page.goto(path)
        check(path)
    # the people list: an import preview (one good row, one refused), then a personal invitation made by hand
    page.goto("/hr/people")
    page.fill("#content", "name,email,language\nLinh Nguyen,linh@a11y.test,vi\nNo Address,not-an-address,en\n")
    page.locator("form[action='/hr/people/import'] button").click()
    expect(page.locator("form[action='/hr/people/import/apply']")).to_be_visible()
    check("people-import-preview")
    page.locator("form[action='/hr/people/import/apply'] button[type=submit]").click()
    page.wait_for_url("**/hr/people?imported=*")
    check("people-imported")
    page.goto(f"/hr/cohorts/{cohort.id}/personal")
    page.locator("form[action$='/personal/preview'] button").click()
    expect(page.locator("#plan-title")).to_be_visible()
    check("invite-preview")
    page.locator("form[action$='/personal/send'] button").click()
    expect(page.locator("#personal-link-1")).to_be_visible()
    check("invite-links")
    # the operator's pages
    operators.grant(app.state.db, email)
    for path in ("/ops/psychometrics", "/ops/manual"):
        page.goto(path)
        check(path)
    assert check.checked >= 2 * 30
    assert not check.problems, check.problems


@pytest.mark.parametrize("width", [390, 320])
def test_hr_pages_reflow_on_a_phone(page: Page, width: int) -> None:
    """No sideways scrolling of the page at 390 and 320 px (a wide table scrolls inside its own region)."""
    from app import auth
    from app.models import utcnow
    from app.services import hr
    from app.services.demo import add_simulated
    from tests.e2e.server import live_app

    app = live_app()
    email = f"reflow-{width}-{utcnow().timestamp()}@e2e.test"
    org, invited = auth.create_org(app.state.db, "Reflow", email, utcnow())
    auth.set_password(app.state.db, invited.token, PASSWORD, utcnow())
    cohort, _ = hr.create_cohort(app.state.db, org.id, name="Pilot", departments=["Sales", "Delivery"], now=utcnow())
    add_simulated(app.state.db, BANK, org.id, cohort.id, n=30, rng=random.Random(2), now=utcnow())
    page.set_viewport_size({"width": width, "height": 800})
    page.goto("/hr/login?lang=vi")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("form[action='/hr/login'] button").click()
    page.wait_for_url("**/hr")
    wide: dict[str, int] = {}
    for path in ("/hr", f"/hr/cohorts/{cohort.id}", "/hr/users", "/hr/people", "/hr/psychometrics"):
        page.goto(path)
        scroll = page.evaluate("() => document.documentElement.scrollWidth")
        if scroll > width:
            wide[path] = scroll
    assert not wide, wide
