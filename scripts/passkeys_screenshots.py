"""Screenshots of passkeys in en / zh-Hans / vi: the two-step sign-in page with passkeys listed (1280 and
390 px) and the second step of a sign-in that asks for one. The passkey is made for real, in Chromium's
virtual authenticator, and used once (its "last used" is filled in); a second one is demo data.

.venv/bin/python -m scripts.passkeys_screenshots [OUT_DIR]     (default: var/screenshots)

WebAuthn needs an RP ID that is a domain: the server is configured and visited as http://localhost:PORT.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from scripts.capture import save
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, free_port, live_app, live_server

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery staple"  # noqa: S105 (demo data)
NAMES = {"en": "Work laptop", "zh-Hans": "工作笔记本", "vi": "Máy tính công ty"}
AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
    "automaticPresenceSimulation": True,
}
KEYS = {"en": "Security key (spare)", "zh-Hans": "备用安全密钥", "vi": "Khoá bảo mật dự phòng"}


def sign_in(page: Page, base: str, email: str, lang: str) -> None:
    page.goto(f"{base}/hr/login?lang={lang}")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("form[action='/hr/login'] button[type=submit]").click()


def main() -> None:
    from app import auth
    from app.models import HrPasskey, utcnow
    from app.tokens import new_public_id

    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "var" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://localhost:{port}"
    with (
        tempfile.TemporaryDirectory() as tmp,
        live_server(tmp=Path(tmp), port=port, base_url=base),
        sync_playwright() as pw,
    ):
        db = live_app().state.db
        org, invited = auth.create_org(db, "Demo Org", "owner@demo.test", utcnow())
        auth.set_password(db, invited.token, PASSWORD, utcnow())
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for lang in ("en", "zh-Hans", "vi"):
            email = f"{lang.lower()}@demo.test"
            made = auth.invite(db, org.id, email, "owner", utcnow(), by=invited.user.id)
            auth.set_password(db, made.token, PASSWORD, utcnow())
            ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale=lang)
            page = ctx.new_page()
            cdp = ctx.new_cdp_session(page)
            cdp.send("WebAuthn.enable", {"enableUI": False})
            cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})
            sign_in(page, base, email, lang)
            page.wait_for_url(f"{base}/hr")
            page.goto(f"{base}/hr/mfa/setup")
            page.fill("#passkey-name", NAMES[lang])
            page.locator("form[data-passkey='register'] button[type=submit]").click()
            page.wait_for_url("**/hr/mfa/setup#passkeys")
            with db.write() as session:  # a second one, registered elsewhere and never used
                session.add(
                    HrPasskey(id=new_public_id(), user_id=made.user.id, credential_id=new_public_id(),
                              public_key=b"demo", transports="usb,nfc", name=KEYS[lang], created_at=utcnow())
                )  # fmt: skip
            page.locator("form[action='/hr/logout'] button").click()
            page.wait_for_url("**/hr/login")
            sign_in(page, base, email, lang)
            page.wait_for_url(re.compile(r".*/hr/mfa\?next=.*"))
            save(page, out / f"passkeys-second-step-{lang}-1280.png", full_page=True)
            page.locator("form[data-passkey='authenticate'] button[type=submit]").click()
            page.wait_for_url(f"{base}/hr")
            page.goto(f"{base}/hr/mfa/setup#passkeys")
            for width in (1280, 390):
                page.set_viewport_size({"width": width, "height": 900})
                page.locator("#passkeys").scroll_into_view_if_needed()
                save(page, out / f"passkeys-{lang}-{width}.png", full_page=True)
            ctx.close()
        browser.close()


if __name__ == "__main__":
    main()
