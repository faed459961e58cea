"""Screenshots of the API token page and the webhook page (a token and a secret just made, shown once), in
the three languages, narrow (390 px) and wide (1280 px), on a throwaway organisation.

.venv/bin/python -m scripts.screenshots_hrapi [OUT_DIR]     (default: docs/img)
"""

from __future__ import annotations

import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import sync_playwright

from scripts.capture import save
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, live_app, live_server

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery staple"  # noqa: S105 - the demo account of a throwaway database
HOOK = "https://93.184.215.14/hooks/rolefit"  # a public address: no name to resolve


def main() -> None:
    from sqlalchemy import delete
    from sqlmodel import col, select

    from app import auth
    from app.models import ApiToken, WebhookDelivery, utcnow
    from app.services import api_tokens, hr, webhooks

    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "img"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, live_server(tmp=Path(tmp)) as base, sync_playwright() as pw:
        db = live_app().state.db
        now = utcnow()
        org, invited = auth.create_org(db, "Demo Org", "owner@demo.test", now)
        auth.set_password(db, invited.token, PASSWORD, now)
        owner = auth.users_of(db, org.id)[0].id
        api_tokens.create(db, org.id, owner, "HRIS nightly sync", "read", 90, now - timedelta(days=3))
        old = api_tokens.create(db, org.id, owner, "Pilot script", "write", 30, now - timedelta(days=20))
        api_tokens.revoke(db, org.id, owner, old.row.id, now - timedelta(days=1))
        api_tokens.authenticate(db, api_tokens.create(db, org.id, owner, "BI dashboard", "read", 365, now).token, now)
        cohort, _ = hr.create_cohort(db, org.id, name="Pilot 2026", now=now)
        webhooks.subscribe(db, org.id, owner, HOOK, list(webhooks.EVENTS), now, allow_private=False)
        with db.write() as session:
            webhooks.emit(session, org.id, "cohort.closed", {"cohort_id": cohort.id}, now)
            anonymous = {"cohort_id": cohort.id, "visibility": "aggregate"}
            webhooks.emit(session, org.id, "participation.completed", anonymous, now)
        with db.write() as session:
            rows = list(session.exec(select(WebhookDelivery)))
            rows[0].status, rows[0].attempts, rows[0].response_code = "delivered", 1, 200
            rows[1].status, rows[1].attempts, rows[1].response_code = "retrying", 2, 503
            rows[1].last_error = "HTTP 503"
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for lang in ("en", "zh-Hans", "vi"):
            for width in (390, 1280):
                with db.write() as session:  # the token each run makes: one in the list, as a person would see it
                    session.execute(delete(ApiToken).where(col(ApiToken.name) == "Workday sync"))
                ctx = browser.new_context(viewport={"width": width, "height": 900}, locale=lang)
                page = ctx.new_page()
                tag = f"{lang}-{width}"
                page.goto(f"{base}/hr/login?lang={lang}")
                page.fill("#email", "owner@demo.test")
                page.fill("#password", PASSWORD)
                page.locator("form[action='/hr/login'] button").click()
                page.wait_for_url(f"{base}/hr")
                page.goto(f"{base}/hr/api-tokens")
                page.fill("#token-name", "Workday sync")
                page.select_option("#token-scope", "write")
                page.locator("form[action='/hr/api-tokens'] button[type=submit]").click()
                page.wait_for_selector("#new-token")
                save(page, out / f"hrapi-tokens-{tag}.png", full_page=True)
                page.goto(f"{base}/hr/webhooks")
                save(page, out / f"hrapi-webhooks-{tag}.png", full_page=True)
                ctx.close()
        browser.close()
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main()
