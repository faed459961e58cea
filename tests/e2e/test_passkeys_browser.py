"""Passkeys in a real browser: Chromium's virtual authenticator (DevTools protocol, ``WebAuthn`` domain) stands
in for a phone or a laptop's fingerprint reader. An HR owner adds a passkey on the two-step sign-in page,
signs out, signs in with the password and completes the second step with the passkey.

WebAuthn needs a secure context and an RP ID that is a domain: http://localhost is both, http://127.0.0.1
is not a domain (Chromium refuses an IP address as RP ID). So this module runs its own live server, on
127.0.0.1 but configured (``base_url``) and visited as http://localhost:PORT.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, text
from sqlmodel import select

from app import auth
from app.models import HrPasskey, HrUser, utcnow
from tests.app.test_hr import PASSWORD
from tests.e2e.server import free_port, live_app, live_server
from tests.e2e.test_accessibility import Checker

EMAIL = "owner@passkey-e2e.test"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    port = free_port()
    base = f"http://localhost:{port}"
    with fresh_database() as url, live_server(url, tmp_path_factory.mktemp("passkeys"), port, base_url=base):
        yield base, live_app()


@contextmanager
def fresh_database() -> Iterator[str | None]:
    """None (SQLite in the test's folder), or with ROLEFIT_E2E_DB=postgresql a new PostgreSQL database."""
    admin_url = os.environ.get("ROLEFIT_TEST_POSTGRES_URL")
    if os.environ.get("ROLEFIT_E2E_DB") != "postgresql" or not admin_url:
        yield None
        return
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"rolefit_pk_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield re.sub(r"/[^/]*$", f"/{name}", admin_url)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def virtual_authenticator(page: Page) -> tuple[Any, str]:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }
    made = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})
    return cdp, made["authenticatorId"]


def sign_in_with_password(page: Page, base: str, email: str = EMAIL) -> None:
    page.goto(f"{base}/hr/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("form[action='/hr/login'] button").click()


def test_a_passkey_is_added_and_then_completes_the_second_step(page: Page, site: tuple[str, Any]) -> None:
    base, app = site
    db = app.state.db
    _, invited = auth.create_org(db, "Passkey Org", EMAIL, utcnow())
    auth.set_password(db, invited.token, PASSWORD, utcnow())
    cdp, authenticator = virtual_authenticator(page)

    sign_in_with_password(page, base)
    page.wait_for_url("**/hr")
    page.goto(f"{base}/hr/mfa/setup")
    form = page.locator("form[data-passkey='register']")
    expect(form).to_be_visible()  # shown by the script: this browser has WebAuthn
    expect(page.locator("[data-passkey-unsupported]")).to_be_hidden()
    page.fill("#passkey-name", "Chromium laptop")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/hr/mfa/setup#passkeys")
    expect(page.locator("#passkeys td").first).to_have_text("Chromium laptop")
    check = Checker(page)  # axe-core at 1280 and 390 px: the list, then the second step
    check("passkeys listed")
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert len(stored) == 1
    with db.read() as session:
        (row,) = session.exec(select(HrPasskey).join(HrUser).where(HrUser.email == EMAIL)).all()
    assert row.credential_id.rstrip("=") == stored[0]["credentialId"].replace("+", "-").replace("/", "_").rstrip("=")
    assert row.transports == "internal"

    page.locator("form[action='/hr/logout'] button").click()
    page.wait_for_url("**/hr/login")
    sign_in_with_password(page, base)
    page.wait_for_url(re.compile(r".*/hr/mfa\?next=.*"))
    expect(page.locator("input[name=code]")).to_have_count(0)  # no TOTP: the passkey is the second step
    check("passkey step")
    assert check.problems == {}
    page.locator("form[data-passkey='authenticate'] button[type=submit]").click()
    page.wait_for_url(f"{base}/hr")
    expect(page.locator("nav.hr-nav")).to_be_visible()  # signed in
    with db.read() as session:
        (used,) = session.exec(select(HrPasskey).join(HrUser).where(HrUser.email == EMAIL)).all()
    assert used.last_used_at is not None
    page.goto(f"{base}/hr/mfa/setup")
    expect(page.locator("#passkeys tbody tr td").nth(2)).not_to_have_text("never")


def test_a_browser_without_webauthn_is_told_so(page: Page, site: tuple[str, Any]) -> None:
    base, app = site
    db = app.state.db
    email = "analyst@passkey-e2e.test"
    _, invited = auth.create_org(db, "Old Browser Org", email, utcnow())
    auth.set_password(db, invited.token, PASSWORD, utcnow())
    with db.write() as session:  # a passkey made elsewhere
        row = HrPasskey(id="pk-elsewhere", user_id=invited.user.id, credential_id="AAAA", public_key=b"k", name="x")
        session.add(row)
    page.add_init_script("delete window.PublicKeyCredential;")
    sign_in_with_password(page, base, email)
    page.wait_for_url(re.compile(r".*/hr/mfa\?next=.*"))
    expect(page.locator("[data-passkey-unsupported]")).to_be_visible()
    expect(page.locator("[data-passkey-unsupported]")).to_contain_text("This browser cannot use passkeys")
    expect(page.locator("form[data-passkey='authenticate']")).to_be_hidden()
