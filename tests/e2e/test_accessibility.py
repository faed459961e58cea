"""axe-core on every page type in every language: no serious or critical violation."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.e2e.journeys import BANK, ORDER, answer_with_mouse, finish, start

AXE = Axe()
BLOCKING = {"serious", "critical"}
KIND_POSITION = {
    kind: ORDER.index(next(i for i in ORDER if BANK.item(i).kind == kind)) + 1
    for kind in ("likert", "paired", "situational", "proficiency")
}


def blocking(page: Page) -> list[dict[str, Any]]:
    result = AXE.run(page)
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result.response["violations"]
        if v["impact"] in BLOCKING
    ]


def test_the_check_can_fail(page: Page) -> None:
    page.set_content(
        '<html><body><img src="x.png"><button></button><a href="#"></a>'
        '<p style="color:#eee;background:#fff">faint</p></body></html>'
    )
    found = {v["id"] for v in blocking(page)}
    assert {"image-alt", "button-name", "html-has-lang"} <= found


@pytest.mark.parametrize("lang", ["en", "zh-Hans", "vi"])
def test_every_page_type(page: Page, lang: str) -> None:
    problems: dict[str, list[dict[str, Any]]] = {}

    def check(name: str) -> None:
        found = blocking(page)
        if found:
            problems[name] = found

    for path in ("/", "/start", "/resume", "/method", "/no-such-page"):
        page.goto(f"{path}?lang={lang}")
        check(path)
    start(page, lang)
    for kind, position in KIND_POSITION.items():
        page.goto(f"/quiz/{position}")
        check(f"question-{kind}")
    page.goto("/quiz/1")
    answer_with_mouse(page, "am")
    check("review")
    finish(page)
    page.locator("details").first.click()
    check("result")
    assert not problems, problems


@pytest.mark.parametrize("lang", ["en", "zh-Hans", "vi"])
def test_hr_pages(page: Page, lang: str) -> None:
    import random

    from app import auth
    from app.models import utcnow
    from app.services import hr
    from app.services.demo import add_simulated
    from tests.e2e.server import live_app

    app = live_app()
    email = f"a11y-{lang}-{utcnow().timestamp()}@e2e.test"
    org, invited = auth.create_org(app.state.db, "A11y", email, utcnow())
    auth.set_password(app.state.db, invited.token, "correct horse battery staple", utcnow())
    cohort, invitation = hr.create_cohort(
        app.state.db, org.id, name="Pilot", departments=["Sales", "Delivery"], levels=["Senior"], now=utcnow()
    )
    add_simulated(app.state.db, BANK, org.id, cohort.id, n=40, rng=random.Random(1), now=utcnow())
    problems: dict[str, list[dict[str, Any]]] = {}

    def check(name: str) -> None:
        found = blocking(page)
        if found:
            problems[name] = found

    page.goto(f"/join/{invitation.token}?lang={lang}")
    check("join")
    page.goto(f"/hr/login?lang={lang}")
    check("login")
    page.fill("#email", email)
    page.fill("#password", "correct horse battery staple")
    page.locator("form[action='/hr/login'] button").click()
    page.wait_for_url("**/hr")
    check("hr-home")
    page.goto(f"/hr/cohorts/{cohort.id}")
    check("dashboard")
    page.goto(f"/hr/cohorts/{cohort.id}?department=Sales")
    check("dashboard-filtered")
    page.goto("/hr/users")
    check("users")
    assert not problems, problems
