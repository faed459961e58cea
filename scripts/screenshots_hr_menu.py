"""Screenshots of the HR menu on a phone (folded and open, 390 px; 320 px) and on a wide screen (1280 px), and
of the personal links made without e-mail with their copy buttons (390 px), in the three languages.

.venv/bin/python -m scripts.screenshots_hr_menu [OUT_DIR]     (default: docs/img)
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from scripts.capture import save
from tests.e2e.journeys import BANK
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, live_app, live_server

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery staple"  # noqa: S105 - the demo account of a throwaway database
PEOPLE = (
    "name,email,language\n"
    "Linh Nguyen,linh@demo.test,vi\nWang Fang,wang@demo.test,zh-Hans\nAnna Berg,anna@demo.test,en\n"
)


def main() -> None:
    from app import auth
    from app.models import utcnow
    from app.services import hr
    from app.services.demo import DEPARTMENTS, LEVELS, add_simulated

    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "img"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, live_server(tmp=Path(tmp)) as base, sync_playwright() as pw:
        db = live_app().state.db
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for lang in ("en", "zh-Hans", "vi"):
            email = f"owner-{lang}@demo.test"
            org, invited = auth.create_org(db, "Demo Org", email, utcnow())
            auth.set_password(db, invited.token, PASSWORD, utcnow())
            cohort, _ = hr.create_cohort(
                db, org.id, name="Pilot 2026", departments=DEPARTMENTS, levels=LEVELS, now=utcnow()
            )
            add_simulated(db, BANK, org.id, cohort.id, n=40, rng=random.Random(5), now=utcnow())
            ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale=lang)
            page = ctx.new_page()
            page.goto(f"{base}/hr/login?lang={lang}")
            page.fill("#email", email)
            page.fill("#password", PASSWORD)
            page.locator("form[action='/hr/login'] button").click()
            page.wait_for_url(f"{base}/hr")
            page.goto(f"{base}/hr/participants")
            save(page, out / f"hr-menu-folded-{lang}-390.png")
            page.locator(".hr-menu-toggle").click()
            save(page, out / f"hr-menu-open-{lang}-390.png")
            page.set_viewport_size({"width": 320, "height": 700})
            page.reload()
            save(page, out / f"hr-menu-folded-{lang}-320.png")
            page.set_viewport_size({"width": 1280, "height": 800})
            save(page, out / f"hr-menu-{lang}-1280.png")
            # personal links made without e-mail, with a copy button each
            page.set_viewport_size({"width": 390, "height": 844})
            page.goto(f"{base}/hr/people")
            page.fill("#content", PEOPLE)
            page.locator("form[action='/hr/people/import'] button").click()
            page.locator("form[action='/hr/people/import/apply'] button[type=submit]").click()
            page.goto(f"{base}/hr/cohorts/{cohort.id}/personal")
            page.locator("form[action$='/personal/preview'] button").click()
            page.locator("form[action$='/personal/send'] button").click()
            page.locator("#personal-link-1").wait_for()
            save(page.locator(".new-share"), out / f"hr-personal-links-{lang}-390.png")
            ctx.close()
        browser.close()


if __name__ == "__main__":
    main()
