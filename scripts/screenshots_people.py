"""Screenshots of the HR participants table, a participant's page and the comparison page, in the three
languages, narrow (390 px) and wide (1280 px), on a demo organisation of two simulated cohorts.

.venv/bin/python -m scripts.screenshots_people [OUT_DIR]     (default: docs/img)
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


def main() -> None:
    from sqlmodel import col, select

    from app import auth
    from app.models import Participation, utcnow
    from app.services import hr
    from app.services.demo import DEPARTMENTS, LEVELS, add_simulated

    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "img"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, live_server(tmp=Path(tmp)) as base, sync_playwright() as pw:
        db = live_app().state.db
        org, invited = auth.create_org(db, "Demo Org", "owner@demo.test", utcnow())
        auth.set_password(db, invited.token, PASSWORD, utcnow())
        first = None
        for i, name in enumerate(("Pilot 2026", "Sales academy")):
            cohort, _ = hr.create_cohort(db, org.id, name=name, departments=DEPARTMENTS, levels=LEVELS, now=utcnow())
            add_simulated(db, BANK, org.id, cohort.id, n=150 - 60 * i, rng=random.Random(3 + i), now=utcnow())
            first = first or cohort.id
        with db.read() as session:
            person = session.exec(
                select(Participation.id)
                .where(col(Participation.org_id) == org.id, col(Participation.visibility) == "identified")
                .order_by(col(Participation.display_name))
            ).first()
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for lang in ("en", "zh-Hans", "vi"):
            for width in (390, 1280):
                ctx = browser.new_context(viewport={"width": width, "height": 900}, locale=lang)
                page = ctx.new_page()
                tag = f"{lang}-{width}"
                page.goto(f"{base}/hr/login?lang={lang}")
                page.fill("#email", "owner@demo.test")
                page.fill("#password", PASSWORD)
                page.locator("form[action='/hr/login'] button").click()
                page.wait_for_url(f"{base}/hr")
                page.goto(f"{base}/hr/participants?sort=-activity&department=Sales")
                save(page, out / f"hr-participants-{tag}.png", full_page=True)
                page.goto(f"{base}/hr/participants/{person}")
                save(page, out / f"hr-participant-{tag}.png", full_page=True)
                page.goto(f"{base}/hr/compare?a={first}")
                save(page, out / f"hr-compare-{tag}.png", full_page=True)
                ctx.close()
        browser.close()
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main()
