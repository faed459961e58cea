"""Screenshots of every page type in every language, narrow (390 px) and wide (1280 px).

.venv/bin/python -m scripts.screenshots [OUT_DIR]     (default: var/screenshots)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

from scripts.capture import save
from tests.e2e.journeys import BANK, ORDER, value_for
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, live_server

ROOT = Path(__file__).resolve().parent.parent


def answer_quiz(page: Page, base: str, lean: str, stop_at: int | None = None) -> None:
    for n, item_id in enumerate(ORDER, start=1):
        if stop_at and n >= stop_at:
            return
        page.locator(f'#quiz button[name="value"][value="{value_for(BANK.item(item_id), lean, n)}"]').click()
        page.wait_for_url(f"{base}/quiz/{n + 1}" if n < len(ORDER) else f"{base}/quiz/review")


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "var" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, live_server(tmp=Path(tmp)) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for lang in ("en", "zh-Hans", "vi"):
            for width in (390, 1280):
                ctx = browser.new_context(viewport={"width": width, "height": 900}, locale=lang)
                page = ctx.new_page()
                tag = f"{lang}-{width}"
                page.goto(f"{base}/?lang={lang}")
                save(page, out / f"landing-{tag}.png", full_page=True)
                page.goto(f"{base}/start")
                save(page, out / f"start-{tag}.png", full_page=True)
                page.locator('input[name="current_role"][value="engineer"]').check()
                page.locator('form[action="/start"] button[type="submit"]').click()
                page.wait_for_url(f"{base}/quiz/1")
                save(page, out / f"question-likert-{tag}.png", full_page=True)
                answer_quiz(page, base, "pm" if width == 390 else "am", stop_at=3)
                save(page, out / f"question-situational-{tag}.png", full_page=True)
                page.goto(f"{base}/quiz")
                page.goto(f"{base}/quiz/5")
                save(page, out / f"question-paired-{tag}.png", full_page=True)
                page.goto(f"{base}/quiz/60")
                save(page, out / f"question-skill-{tag}.png", full_page=True)
                page.goto(f"{base}/quiz/1")
                answer_quiz(page, base, "pm" if width == 390 else "am")
                save(page, out / f"review-{tag}.png", full_page=True)
                page.locator('form[action="/quiz/finish"] button').click()
                page.wait_for_url(f"{base}/result/*")
                save(page, out / f"result-{tag}.png", full_page=True)
                page.locator('input[name="scope"][value="full"]').check()
                page.locator('#share button[type="submit"]').first.click()
                share_url = page.locator("input.share-url").input_value()
                save(page.locator("#share"), out / f"share-panel-{tag}.png")
                viewer = browser.new_context(viewport={"width": width, "height": 900}, locale=lang)
                vpage = viewer.new_page()
                vpage.goto(f"{share_url}?lang={lang}")
                save(vpage, out / f"shared-{tag}.png", full_page=True)
                viewer.close()
                ctx.close()
        hr_pages(browser, base, out)
        browser.close()
    print(f"screenshots in {out}")


def hr_pages(browser: Any, base: str, out: Path) -> None:
    """The participant's consent page and the HR dashboard, with 200 simulated participants."""
    import random

    from app import auth
    from app.models import utcnow
    from app.services import hr
    from app.services.demo import DEPARTMENTS, LEVELS, add_simulated
    from tests.e2e.server import live_app

    db = live_app().state.db
    org, invited = auth.create_org(db, "Demo Org", "owner@demo.test", utcnow())
    auth.set_password(db, invited.token, "correct horse battery staple", utcnow())
    cohort, invitation = hr.create_cohort(
        db, org.id, name="Pilot 2026", departments=DEPARTMENTS, levels=LEVELS, now=utcnow()
    )
    add_simulated(db, BANK, org.id, cohort.id, n=200, rng=random.Random(3), now=utcnow())
    for lang in ("en", "zh-Hans", "vi"):
        for width in (390, 1280):
            ctx = browser.new_context(viewport={"width": width, "height": 900}, locale=lang)
            page = ctx.new_page()
            tag = f"{lang}-{width}"
            page.goto(f"{base}/join/{invitation.token}?lang={lang}")
            save(page, out / f"join-{tag}.png", full_page=True)
            page.goto(f"{base}/hr/login?lang={lang}")
            page.fill("#email", "owner@demo.test")
            page.fill("#password", "correct horse battery staple")
            page.locator("form[action='/hr/login'] button").click()
            page.wait_for_url(f"{base}/hr")
            save(page, out / f"hr-home-{tag}.png", full_page=True)
            page.goto(f"{base}/hr/cohorts/{cohort.id}")
            save(page, out / f"hr-dashboard-{tag}.png", full_page=True)
            if width == 1280:
                pdf = page.request.get(f"{base}/hr/cohorts/{cohort.id}/report.pdf?lang={lang}")
                (out / f"team-report-{lang}.pdf").write_bytes(pdf.body())
            ctx.close()


if __name__ == "__main__":
    main()
