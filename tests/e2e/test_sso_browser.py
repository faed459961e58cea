"""Single sign-on in a real browser: HR clicks "Sign in with SSO", signs in at the OpenID Connect provider
running on 127.0.0.1 (tests/app/oidc_provider.py) and lands on /hr, signed in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from app import auth, sso
from app.models import utcnow
from tests.app.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, start_provider
from tests.e2e.server import live_app


@pytest.fixture
def provider() -> Iterator[Provider]:
    sso.forget_discovery()
    prov, server = start_provider()
    yield prov
    server.shutdown()
    server.server_close()


def test_hr_signs_in_at_the_provider_and_lands_on_hr(page: Page, provider: Provider) -> None:
    db = live_app().state.db
    org, invited = auth.create_org(db, "SSO Org", "owner@sso-e2e.test", utcnow())
    auth.invite(db, org.id, "lan@sso-e2e.test", "analyst", utcnow(), by=invited.user.id)
    sso.save_config(
        db, org.id, invited.user.id, issuer=provider.issuer, client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
        domains="sso-e2e.test", default_role="analyst", create_users=False, required=True, now=utcnow(),
    )  # fmt: skip
    page.goto("/hr/login")
    page.fill("#sso", "lan@sso-e2e.test")
    page.locator("form[action='/hr/sso'] button").click()
    page.wait_for_url(f"{provider.issuer}/authorize?**")  # the continue page moves on by itself
    expect(page.locator("h1")).to_have_text("Test identity provider")
    page.fill("#email", "lan@sso-e2e.test")
    page.locator("button").click()
    page.wait_for_url("**/hr")
    expect(page.locator("h1").first).to_be_visible()
    assert page.context.cookies() and provider.token_requests == 1
    # signed in as the analyst the provider vouched for (SSO required: no password was ever set)
    assert page.goto("/hr/users").status == 403  # an analyst: signed in, but not an owner
