"""Single sign-on with OpenID Connect (issue 18) against a real provider on 127.0.0.1
(tests/app/oidc_provider.py): the happy path over HTTP, each refusal (wrong audience, expired token,
replayed state, wrong nonce, unverified or disallowed e-mail, a key not in the JWKS, another browser's
state), SSO required, the settings page across organisations, and the secrets sealed at rest."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pyotp
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlmodel import select

from app import auth, sso, vault
from app.config import get_settings
from app.db import Database
from app.migrate import downgrade, upgrade
from app.models import AuditEvent, HrSession, HrUser, OrgSso, utcnow
from tests.app.conftest import Browser
from tests.app.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, start_provider
from tests.app.test_hr import PASSWORD, make_org, signed_in
from tests.app.test_identity import add_user


@pytest.fixture
def provider() -> Iterator[Provider]:
    sso.forget_discovery()
    prov, server = start_provider()
    yield prov
    server.shutdown()
    server.server_close()
    sso.forget_discovery()


def configure(app: Any, provider: Provider, *, create: bool = False, required: bool = False) -> str:
    org, _ = make_org(app)
    owner = signed_in(app, "owner@acme.test")
    form = {
        "issuer": provider.issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "domains": "acme.test",
        "default_role": "analyst",
    }
    form |= {"create_users": "yes"} if create else {}
    form |= {"required": "yes"} if required else {}
    res = owner.post("/hr/settings/sso", form)
    assert res.status_code == 200, res.text[:500]
    return org


def provider_round_trip(b: Browser, email: str, via: str = "ana@acme.test") -> tuple[str, Any]:
    """Start at the sign-in page, sign in at the provider as ``email``: the callback URL it sends back to."""
    start = b.post("/hr/sso", {"sso": via, "next": "/hr"})
    assert start.status_code == 200, start.text[:500]
    url = html.unescape(re.search(r'id="sso-continue" href="([^"]+)"', start.text).group(1))
    with httpx.Client() as idp:
        page = idp.get(url)
        assert page.status_code == 200
        fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page.text))
        fields = {k: html.unescape(v) for k, v in fields.items()} | {"email": email}
        back = idp.post(url.split("?")[0], data=fields)
    assert back.status_code == 302
    location = back.headers["location"]
    parts = urlsplit(location)
    return f"{parts.path}?{parts.query}", fields


def sessions(app: Any) -> int:
    with app.state.db.read() as session:
        return len(list(session.exec(select(HrSession))))


def events(app: Any, action: str) -> list[AuditEvent]:
    with app.state.db.read() as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)))


def test_an_existing_user_signs_in_with_sso_and_mfa_is_satisfied(app: Any, provider: Provider) -> None:
    org = configure(app, provider)
    add_user(app, org, "ana@acme.test")
    b = Browser(app)
    callback, _ = provider_round_trip(b, "ana@acme.test")
    res = b.get(callback)
    assert res.status_code == 303 and res.headers["location"] == "/hr"
    assert b.get("/hr").status_code == 200
    login = events(app, "sso.login")
    assert len(login) == 1 and "ana@acme.test" in login[0].detail and "amr=pwd,mfa" in login[0].detail


def test_first_sign_in_creates_a_user_only_when_allowed(app: Any, provider: Provider) -> None:
    configure(app, provider)
    b = Browser(app)
    before = sessions(app)
    callback, _ = provider_round_trip(b, "new@acme.test")
    res = b.get(callback)
    assert res.status_code == 403 and "no account for this address" in res.text
    assert sessions(app) == before
    with app.state.db.write() as session:
        row = session.exec(select(OrgSso)).one()
        row.create_users = True
        session.add(row)
    callback, _ = provider_round_trip(b, "new@acme.test")
    assert b.get(callback).status_code == 303
    with app.state.db.read() as session:
        user = session.exec(select(HrUser).where(HrUser.email == "new@acme.test")).one()
    assert user.role == "analyst" and user.password_hash is None


@pytest.mark.parametrize(
    ("mode", "text"),
    [
        ("wrong_aud", "could not be verified"),
        ("expired", "could not be verified"),
        ("wrong_nonce", "could not be verified"),
        ("bad_key", "could not be verified"),
        ("wrong_iss", "could not be verified"),
        ("unverified", "did not confirm an e-mail address"),
    ],
)
def test_a_bad_id_token_is_refused_with_no_session(app: Any, provider: Provider, mode: str, text: str) -> None:
    org = configure(app, provider)
    add_user(app, org, "ana@acme.test")
    provider.mode = mode
    b = Browser(app)
    before = sessions(app)
    callback, _ = provider_round_trip(b, "ana@acme.test")
    res = b.get(callback)
    assert res.status_code == 403 and text in res.text
    assert sessions(app) == before
    assert b.get("/hr").status_code == 303  # still not signed in
    refused = events(app, "sso.refused")
    assert len(refused) == 1 and refused[0].org_id == org


def test_a_disallowed_domain_is_refused(app: Any, provider: Provider) -> None:
    configure(app, provider, create=True)
    b = Browser(app)
    callback, _ = provider_round_trip(b, "mallory@evil.test")
    res = b.get(callback)
    assert res.status_code == 403 and "in a domain this organisation allows" in res.text
    assert "domain not allowed" in events(app, "sso.refused")[0].detail


def test_a_replayed_state_and_another_browsers_state_are_refused(app: Any, provider: Provider) -> None:
    org = configure(app, provider)
    add_user(app, org, "ana@acme.test")
    b = Browser(app)
    callback, _ = provider_round_trip(b, "ana@acme.test")
    assert b.get(callback).status_code == 303
    b.client.cookies.clear()
    replay = b.get(callback)
    assert replay.status_code == 422 and "expired or was already used" in replay.text
    stranger = Browser(app)
    callback, _ = provider_round_trip(b, "ana@acme.test")
    stolen = stranger.get(callback)
    assert stolen.status_code == 422 and "expired or was already used" in stolen.text
    reasons = [event.detail for event in events(app, "sso.refused")]
    assert any("unknown or used state" in r for r in reasons) and any("another browser" in r for r in reasons)


def test_a_refusal_speaks_the_users_language(app: Any, provider: Provider) -> None:
    org = configure(app, provider)
    add_user(app, org, "ana@acme.test")
    provider.mode = "wrong_aud"
    b = Browser(app, lang="vi")
    callback, _ = provider_round_trip(b, "ana@acme.test")
    res = b.get(callback)
    assert res.status_code == 403 and "could not be verified" not in res.text
    assert "Không thể xác minh phản hồi của nhà cung cấp danh tính" in res.text


def test_a_deactivated_user_is_refused(app: Any, provider: Provider) -> None:
    org = configure(app, provider)
    ana = add_user(app, org, "ana@acme.test")
    owner = signed_in(app, "owner@acme.test")
    assert owner.post(f"/hr/users/{ana}/deactivate").status_code == 303
    b = Browser(app)
    callback, _ = provider_round_trip(b, "ana@acme.test")
    res = b.get(callback)
    assert res.status_code == 403 and "deactivated" in res.text


def test_unknown_domains_and_addresses_get_the_same_answer(app: Any, provider: Provider) -> None:
    configure(app, provider)
    b = Browser(app)
    nobody = b.post("/hr/sso", {"sso": "x@unknown.test"})
    assert nobody.status_code == 422 and "could not be started" in nobody.text
    # with and without an account at acme.test: the same page (users are not looked up before the provider)
    with_account = b.post("/hr/sso", {"sso": "owner@acme.test"})
    without = b.post("/hr/sso", {"sso": "ghost@acme.test"})
    assert with_account.status_code == without.status_code == 200
    strip = lambda text: re.sub(r'(state|nonce|code_challenge|csrf_token)=[^&"]+|value="[^"]+"', "", text)  # noqa: E731
    assert strip(with_account.text) == strip(without.text)


def test_sso_required_refuses_passwords_of_non_owners(app: Any, provider: Provider) -> None:
    org = configure(app, provider, required=True)
    add_user(app, org, "ana@acme.test")
    b = Browser(app)
    res = b.post("/hr/login", {"email": "ana@acme.test", "password": PASSWORD, "next": "/hr"})
    assert res.status_code == 403 and "single sign-on" in res.text
    assert b.get("/hr").status_code == 303
    signed_in(app, "owner@acme.test")  # owners keep their password


def test_settings_are_owner_only_and_per_organisation(app: Any, provider: Provider) -> None:
    org = configure(app, provider)
    add_user(app, org, "ana@acme.test")
    analyst = signed_in(app, "ana@acme.test")
    assert analyst.get("/hr/settings/sso").status_code == 403
    assert analyst.post("/hr/settings/sso", {"issuer": "https://x.test"}).status_code == 403
    make_org(app, "Other", "boss@other.test")
    other = signed_in(app, "boss@other.test")
    page = other.get("/hr/settings/sso")
    assert page.status_code == 200 and provider.issuer not in page.text and CLIENT_ID not in page.text
    taken = other.post(
        "/hr/settings/sso",
        {"issuer": "https://idp.other.test", "client_id": "c", "client_secret": "s", "domains": "acme.test"},
    )
    assert taken.status_code == 422 and "Another organisation" in taken.text
    bad = other.post(
        "/hr/settings/sso",
        {"issuer": "http://idp.other.test", "client_id": "c", "client_secret": "s", "domains": "other.test"},
    )
    assert bad.status_code == 422 and "https://" in bad.text
    with app.state.db.read() as session:
        assert session.exec(select(OrgSso).where(OrgSso.org_id != org)).first() is None


def test_the_client_secret_is_sealed_at_rest(app: Any, provider: Provider) -> None:
    configure(app, provider)
    with app.state.db.read() as session:
        row = session.exec(select(OrgSso)).one()
    assert CLIENT_SECRET not in row.client_secret and row.client_secret.startswith("fernet:")
    owner = signed_in(app, "owner@acme.test")
    page = owner.get("/hr/settings/sso")
    assert CLIENT_SECRET not in page.text and "A secret is stored" in page.text


def test_the_migration_seals_existing_totp_keys_and_the_file_no_longer_holds_them(tmp_path: Any) -> None:
    """A database from before sso_0001 with a plaintext TOTP key: after the upgrade the key is nowhere in
    the SQLite file (the byte scan of the hardening tests), and the second factor still works."""
    path = tmp_path / "old.sqlite3"
    db = Database(f"sqlite:///{path}")
    upgrade(db.engine, "reminders_0001")
    secret = pyotp.random_base32()
    with db.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO organisation (id, name, created_at, require_mfa) VALUES ('o1', 'Acme', :t, false)"),
            {"t": utcnow()},
        )
        conn.execute(
            text(
                "INSERT INTO hr_user (id, org_id, email, role, lang, created_at, totp_secret, totp_enabled_at) "
                "VALUES ('u1', 'o1', 'a@acme.test', 'owner', 'en', :t, :s, :t)"
            ),
            {"t": utcnow(), "s": secret},
        )
    upgrade(db.engine)
    db.checkpoint()
    data = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("old.sqlite3"))
    assert secret.encode() not in data
    with db.read() as session:
        user = session.get(HrUser, "u1")
    assert user is not None and user.totp_key is not None and user.totp_key.startswith("fernet:")
    assert auth.mfa.verify(db, user, pyotp.TOTP(secret).now(), utcnow())
    downgrade(db.engine, "reminders_0001")
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT totp_secret FROM hr_user")).scalar() == secret
    db.dispose()


def test_data_keys_rotate(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rotation: a value sealed with the old key opens once the new key is put first, and ``reseal`` moves
    it to the new key (after which the old key can go)."""
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv("ROLEFIT_DATA_KEY", old)
    get_settings.cache_clear()
    vault.reset()
    try:
        sealed = vault.seal("JBSWY3DPEHPK3PXP")
        monkeypatch.setenv("ROLEFIT_DATA_KEY", f"{new},{old}")
        get_settings.cache_clear()
        vault.reset()
        assert vault.unseal(sealed) == "JBSWY3DPEHPK3PXP"
        moved = vault.reseal(sealed)
        monkeypatch.setenv("ROLEFIT_DATA_KEY", new)
        get_settings.cache_clear()
        vault.reset()
        assert vault.unseal(moved) == "JBSWY3DPEHPK3PXP"
        with pytest.raises(vault.VaultError):
            vault.unseal(sealed)
    finally:
        monkeypatch.delenv("ROLEFIT_DATA_KEY")
        get_settings.cache_clear()
        vault.reset()


def test_rolefit_db_rotate_data_key_moves_every_secret_to_the_new_key(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from app.cli import cli

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    url = f"sqlite:///{tmp_path / 'rot.sqlite3'}"
    monkeypatch.setenv("ROLEFIT_DATABASE_URL", url)

    def use(keys: str) -> None:
        monkeypatch.setenv("ROLEFIT_DATA_KEY", keys)
        get_settings.cache_clear()
        vault.reset()

    try:
        use(old)
        db = Database(url)
        upgrade(db.engine)
        org, invited = auth.create_org(db, "Acme", "owner@acme.test", utcnow())
        auth.mfa.enable(db, invited.user.id, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "000000", utcnow())  # wrong code
        with db.write() as session:  # a key as enable() stores it, without needing the current code
            user = session.get(HrUser, invited.user.id)
            assert user is not None
            user.totp_key = vault.seal("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
            session.add(user)
        sso.save_config(
            db, org.id, invited.user.id, issuer="https://idp.acme.test", client_id="c", client_secret="top-secret",
            domains="acme.test", default_role="analyst", create_users=False, required=False, now=utcnow(),
        )  # fmt: skip
        use(f"{new},{old}")
        result = CliRunner().invoke(cli, ["db", "rotate-data-key"])
        assert result.exit_code == 0 and "2 secrets" in result.output, result.output
        use(new)  # the old key is gone: both secrets still open
        assert sso.config_of(db, org.id).client_secret == "top-secret"  # type: ignore[union-attr]
        with db.read() as session:
            user = session.get(HrUser, invited.user.id)
        assert user is not None and vault.unseal(user.totp_key or "") == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
        db.dispose()
    finally:
        monkeypatch.delenv("ROLEFIT_DATA_KEY")
        get_settings.cache_clear()
        vault.reset()


def test_a_new_totp_key_is_stored_sealed_and_still_verifies(app: Any) -> None:
    org, _ = make_org(app)
    db = app.state.db
    with db.read() as session:
        owner = session.exec(select(HrUser).where(HrUser.org_id == org)).one()
    secret = pyotp.random_base32()
    assert auth.mfa.enable(db, owner.id, secret, pyotp.TOTP(secret).now(), utcnow()) is not None
    with db.read() as session:
        stored = session.get(HrUser, owner.id)
    assert stored is not None and stored.totp_key is not None
    assert secret not in stored.totp_key and stored.totp_key.startswith("fernet:")
    later = utcnow() + timedelta(seconds=30)
    assert auth.mfa.verify(db, stored, pyotp.TOTP(secret).at(later), later)
