"""Screenshots of the identity and governance pages (users, two-step sign-in enrolment, security and
retention, audit log) in en / zh-Hans / vi at 390 and 1280 px.

.venv/bin/python -m scripts.identity_screenshots [OUT_DIR]     (default: var/screenshots)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from scripts.capture import save
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, live_app, live_server

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery staple"  # noqa: S105 (demo data)
PAGES = {"users": "/hr/users", "mfa-setup": "/hr/mfa/setup", "retention": "/hr/settings", "audit": "/hr/audit"}


def main() -> None:
    from app import auth
    from app.models import utcnow
    from app.services import hr, retention

    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "var" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, live_server(tmp=Path(tmp)) as base, sync_playwright() as pw:
        db = live_app().state.db
        org, invited = auth.create_org(db, "Demo Org", "owner@demo.test", utcnow())
        auth.set_password(db, invited.token, PASSWORD, utcnow())
        owner = invited.user.id
        for email, role in (
            ("lan.tran@demo.test", "analyst"),
            ("wei.chen@demo.test", "owner"),
            ("new@demo.test", "analyst"),
        ):
            made = auth.invite(db, org.id, email, role, utcnow(), by=owner)
            if email != "new@demo.test":
                auth.set_password(db, made.token, PASSWORD, utcnow())
        lan = next(u for u in auth.users_of(db, org.id) if u.email.startswith("lan"))
        auth.lifecycle.deactivate(db, org.id, owner, lan.id, utcnow(), "192.0.2.10")
        hr.create_cohort(db, org.id, name="Pilot 2026", now=utcnow())

        def require_mfa(on: bool) -> None:
            retention.save_policy(db, org.id, owner, retention.Policy(on, 365, 730), "192.0.2.10")

        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for lang in ("en", "zh-Hans", "vi"):
            for width in (390, 1280):
                require_mfa(False)
                ctx = browser.new_context(viewport={"width": width, "height": 900}, locale=lang)
                page = ctx.new_page()
                page.goto(f"{base}/hr/login?lang={lang}")
                page.fill("#email", "owner@demo.test")
                page.fill("#password", PASSWORD)
                page.locator("form[action='/hr/login'] button[type=submit]").click()
                page.wait_for_url(f"{base}/hr")
                require_mfa(True)  # after the owner's own sign-in: the page shows the requirement on
                for name, path in PAGES.items():
                    if name == "mfa-setup":
                        continue
                    page.goto(f"{base}{path}")
                    save(page, out / f"identity-{name}-{lang}-{width}.png", full_page=True)
                ctx.close()
                ctx = browser.new_context(viewport={"width": width, "height": 900}, locale=lang)
                page = ctx.new_page()
                page.goto(f"{base}/hr/login?lang={lang}")
                page.fill("#email", "wei.chen@demo.test")
                page.fill("#password", PASSWORD)
                page.locator("form[action='/hr/login'] button[type=submit]").click()
                page.wait_for_url(f"{base}/hr/mfa/setup")  # the organisation requires two-step sign-in
                save(page, out / f"identity-mfa-setup-{lang}-{width}.png", full_page=True)
                ctx.close()
        browser.close()


if __name__ == "__main__":
    main()
