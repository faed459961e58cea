"""Screenshots of the sign-in page (with "Sign in with SSO") and the owners' single sign-on settings in
en / zh-Hans / vi at 390 and 1280 px.

.venv/bin/python -m scripts.sso_screenshots [OUT_DIR]     (default: var/screenshots)
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


def main() -> None:
    from app import auth, sso
    from app.models import utcnow

    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "var" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, live_server(tmp=Path(tmp)) as base, sync_playwright() as pw:
        db = live_app().state.db
        org, invited = auth.create_org(db, "Demo Org", "owner@demo.test", utcnow())
        auth.set_password(db, invited.token, PASSWORD, utcnow())
        sso.save_config(
            db, org.id, invited.user.id, issuer="https://login.microsoftonline.com/0f1e2d3c/v2.0",
            client_id="6c1f7a52-rolefit", client_secret="demo-secret", domains="demo.test demo.example",  # noqa: S106 (a demo value for the screenshot)
            default_role="analyst", create_users=True, required=True, now=utcnow(),
        )  # fmt: skip
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for lang in ("en", "zh-Hans", "vi"):
            for width in (390, 1280):
                ctx = browser.new_context(viewport={"width": width, "height": 900}, locale=lang)
                page = ctx.new_page()
                page.goto(f"{base}/hr/login?lang={lang}")
                save(page, out / f"sso-login-{lang}-{width}.png", full_page=True)
                page.fill("#email", "owner@demo.test")
                page.fill("#password", PASSWORD)
                page.locator("form[action='/hr/login'] button[type=submit]").click()
                page.wait_for_url(f"{base}/hr")
                page.goto(f"{base}/hr/settings/sso")
                save(page, out / f"sso-settings-{lang}-{width}.png", full_page=True)
                ctx.close()
        browser.close()


if __name__ == "__main__":
    main()
