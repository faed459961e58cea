"""Passkeys (WebAuthn) as a second factor for HR users (issue 18): registration and the second step of a
sign-in with a software authenticator (tests/app/soft_authenticator.py), answers that must be refused
(another origin, RP ID or challenge, a tampered clientDataJSON, a replayed challenge or assertion, a counter
going backwards), the organisation's MFA requirement, removal and the user's removal. SQLite and PostgreSQL;
the same ceremonies in Chromium's virtual authenticator: tests/e2e/test_passkeys_browser.py."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import select

from app import auth
from app.auth.passkeys import PasskeyError, relying_party
from app.models import HrPasskey, HrWebauthnChallenge, utcnow
from tests.app.conftest import Browser
from tests.app.soft_authenticator import SoftAuthenticator
from tests.app.test_auth import Clock
from tests.app.test_hr import PASSWORD, make_org, signed_in
from tests.app.test_identity import actions, add_user, enrol


def origin(app: Any) -> str:
    return relying_party(app.state.settings.base_url).origin


def options(b: Browser, path: str) -> dict[str, Any]:
    res = b.client.post(path, headers={"Origin": "http://testserver", "X-CSRF-Token": b.csrf()})
    assert res.status_code == 200, res.text[:300]
    assert res.headers["content-type"].startswith("application/json") and res.headers["cache-control"] == "no-store"
    return dict(res.json())


def add(b: Browser, key: SoftAuthenticator, name: str = "work laptop", **lie: Any) -> Any:
    offered = options(b, "/hr/passkeys/options")
    return b.post("/hr/passkeys", {"name": name, "credential": key.create(offered, **lie)})


def second_step(b: Browser, key: SoftAuthenticator, next: str = "/hr", **lie: Any) -> Any:
    offered = options(b, "/hr/mfa/passkey/options")
    return b.post("/hr/mfa/passkey", {"credential": key.get(offered, **lie), "next": next})


def password_step(app: Any, email: str = "owner@acme.test", lang: str = "en") -> Browser:
    b = Browser(app, lang=lang)
    res = b.post("/hr/login", {"email": email, "password": PASSWORD, "next": "/hr/users"})
    assert res.status_code == 303 and res.headers["location"].startswith("/hr/mfa?next="), res.headers
    return b


def stored(app: Any) -> list[HrPasskey]:
    with app.state.db.read() as session:
        return list(session.exec(select(HrPasskey).order_by(HrPasskey.created_at)))


def challenges(app: Any) -> int:
    with app.state.db.read() as session:
        return len(list(session.exec(select(HrWebauthnChallenge))))


def test_a_passkey_is_added_used_for_the_second_step_and_removed(app: Any) -> None:
    Clock(app)
    org, _ = make_org(app)
    owner = signed_in(app, "owner@acme.test")
    key = SoftAuthenticator(origin(app))

    page = owner.get("/hr/mfa/setup")
    assert page.status_code == 200 and 'data-passkey="register"' in page.text and "No passkeys yet." in page.text
    assert "/static/js/passkeys.js" in page.text and "<script>" not in page.text  # no inline script
    offered = options(owner, "/hr/passkeys/options")
    rp = relying_party(app.state.settings.base_url)
    assert offered["rp"]["id"] == rp.id and offered["authenticatorSelection"]["userVerification"] == "preferred"
    assert "owner@acme.test" not in json.dumps(offered["user"]["id"])  # the user handle is a random id
    done = owner.post("/hr/passkeys", {"name": "  work   laptop ", "credential": key.create(offered)})
    assert done.status_code == 303 and done.headers["location"] == "/hr/mfa/setup#passkeys"
    (row,) = stored(app)
    assert (row.name, row.transports, row.sign_count, row.last_used_at) == ("work laptop", "internal", 0, None)
    assert challenges(app) == 0  # used up
    assert "work laptop" in owner.get("/hr/mfa/setup").text
    assert "user.passkey_add" in actions(app, org)
    # the next registration excludes the passkeys the user has (the authenticator will not make a second)
    again = options(owner, "/hr/passkeys/options")
    assert [d["id"] for d in again["excludeCredentials"]] == [row.credential_id]

    # signing in: the password, then the passkey (no TOTP: no code field)
    b = password_step(app)
    assert b.get("/hr").headers["location"].startswith("/hr/login")  # the password alone opens nothing
    second = b.get("/hr/mfa?next=/hr/users").text
    assert 'data-passkey="authenticate"' in second and 'name="code"' not in second
    pending = b.client.cookies.get("rolefit_hr")
    asked = options(b, "/hr/mfa/passkey/options")
    assert [d["id"] for d in asked["allowCredentials"]] == [row.credential_id]
    ok = b.post("/hr/mfa/passkey", {"credential": key.get(asked), "next": "/hr/users"})
    assert ok.status_code == 303 and ok.headers["location"] == "/hr/users"
    assert b.client.cookies.get("rolefit_hr") != pending  # a new session token, never the pending one
    assert b.get("/hr/users").status_code == 200
    (used,) = stored(app)
    assert used.sign_count == 1 and used.last_used_at is not None
    assert "user.passkey_use" in actions(app, org)

    # with TOTP as well, the second step offers both
    enrol(owner)
    both = password_step(app).get("/hr/mfa").text
    assert 'data-passkey="authenticate"' in both and 'name="code"' in both

    assert owner.post(f"/hr/passkeys/{row.id}/remove").status_code == 303
    assert stored(app) == [] and "user.passkey_remove" in actions(app, org)


@pytest.mark.parametrize(
    "lie",
    [
        {"origin": "https://evil.example"},
        {"origin": "http://127.0.0.1:8001"},  # the same host, another port
        {"challenge": "bm90LXRoZS1jaGFsbGVuZ2U"},
        {"rp_id": "evil.example"},
        {"tamper": True},
    ],
    ids=["other-origin", "other-port", "wrong-challenge", "other-rp-id", "tampered-client-data"],
)
def test_a_registration_that_does_not_check_out_is_refused_and_stores_nothing(app: Any, lie: dict[str, Any]) -> None:
    org, _ = make_org(app)
    owner = signed_in(app, "owner@acme.test")
    res = add(owner, SoftAuthenticator(origin(app)), **lie)
    assert res.status_code == 422 and "The passkey could not be checked. Please try again." in res.text
    assert 'value="work laptop"' in res.text  # the name typed is kept for the next try
    assert stored(app) == [] and challenges(app) == 0  # the challenge went with the failed answer
    assert "user.passkey_add" not in actions(app, org)


def test_a_challenge_is_single_use_short_lived_and_bound_to_its_session(app: Any) -> None:
    clock = Clock(app)
    make_org(app)
    owner = signed_in(app, "owner@acme.test")
    key = SoftAuthenticator(origin(app))
    offered = options(owner, "/hr/passkeys/options")
    answer = key.create(offered)
    # another session of the same user (another browser) cannot answer this browser's challenge
    other = signed_in(app, "owner@acme.test")
    options(other, "/hr/passkeys/options")  # a challenge of its own
    assert other.post("/hr/passkeys", {"name": "x", "credential": answer}).status_code == 422
    assert stored(app) == []
    assert owner.post("/hr/passkeys", {"name": "laptop", "credential": answer}).status_code == 303
    # replayed: the challenge is gone
    replay = owner.post("/hr/passkeys", {"name": "laptop again", "credential": answer})
    assert replay.status_code == 422 and "expired or was already used" in replay.text
    assert len(stored(app)) == 1
    # too late: five minutes and more
    late = options(owner, "/hr/passkeys/options")
    clock.advance(301)
    assert owner.post("/hr/passkeys", {"name": "late", "credential": key.create(late)}).status_code == 422
    assert len(stored(app)) == 1
    # without a name: refused before the challenge is spent
    unnamed = options(owner, "/hr/passkeys/options")
    assert owner.post("/hr/passkeys", {"name": "  ", "credential": key.create(unnamed)}).status_code == 422
    assert challenges(app) == 1 and len(stored(app)) == 1


@pytest.mark.parametrize(
    "lie",
    [
        {"origin": "https://evil.example"},
        {"challenge": "bm90LXRoZS1jaGFsbGVuZ2U"},
        {"tamper": True},
        {"counter": 0},  # the counter stood still (a cloned key)
    ],
    ids=["other-origin", "wrong-challenge", "tampered-client-data", "counter-backwards"],
)
def test_a_second_step_that_does_not_check_out_is_refused(app: Any, lie: dict[str, Any]) -> None:
    org, _ = make_org(app)
    owner = signed_in(app, "owner@acme.test")
    key = SoftAuthenticator(origin(app))
    assert add(owner, key).status_code == 303
    assert second_step(password_step(app), key).status_code == 303  # the counter is at 1 now
    (before,) = stored(app)
    b = password_step(app)
    res = second_step(b, key, **lie)
    assert res.status_code == 401 and "That passkey was not accepted." in res.text
    assert b.get("/hr").headers["location"].startswith("/hr/login")  # still not signed in
    (after,) = stored(app)
    assert (after.sign_count, after.last_used_at) == (before.sign_count, before.last_used_at)
    assert "user.passkey_fail" in actions(app, org) and challenges(app) == 0


def test_an_assertion_is_not_accepted_twice(app: Any) -> None:
    make_org(app)
    owner = signed_in(app, "owner@acme.test")
    key = SoftAuthenticator(origin(app))
    assert add(owner, key).status_code == 303
    b = password_step(app)
    asked = options(b, "/hr/mfa/passkey/options")
    answer = key.get(asked)
    # another pending sign-in replays it (its own challenge is another)
    thief = password_step(app)
    options(thief, "/hr/mfa/passkey/options")
    assert thief.post("/hr/mfa/passkey", {"credential": answer}).status_code == 401
    assert b.post("/hr/mfa/passkey", {"credential": answer}).status_code == 303
    again = password_step(app)
    assert again.post("/hr/mfa/passkey", {"credential": answer}).status_code == 401  # no challenge at all
    options(again, "/hr/mfa/passkey/options")
    assert again.post("/hr/mfa/passkey", {"credential": answer}).status_code == 401  # not for this one


def test_an_authenticator_without_a_counter_still_signs_in(app: Any) -> None:
    make_org(app)
    owner = signed_in(app, "owner@acme.test")
    key = SoftAuthenticator(origin(app), counting=False, user_verified=False)  # e.g. a key without a PIN
    assert add(owner, key).status_code == 303
    for _ in range(2):
        assert second_step(password_step(app), key).status_code == 303
    (row,) = stored(app)
    assert row.sign_count == 0


def test_wrong_passkeys_are_throttled_with_the_codes(app: Any) -> None:
    Clock(app)
    make_org(app)
    owner = signed_in(app, "owner@acme.test")
    key = SoftAuthenticator(origin(app))
    assert add(owner, key).status_code == 303
    b = password_step(app)
    statuses = [second_step(b, key, origin="https://evil.example").status_code for _ in range(7)]
    assert statuses[:5] == [401] * 5 and statuses[-1] == 429
    limited = second_step(b, key)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0


def test_pages_that_need_a_pending_sign_in(app: Any) -> None:
    make_org(app)
    stranger = Browser(app)
    for path in ("/hr/mfa/passkey/options", "/hr/mfa/passkey"):
        res = stranger.post(path, {"credential": "{}"})
        assert res.status_code == 303 and res.headers["location"] == "/hr/login"
    # a full session is not a pending one either
    owner = signed_in(app, "owner@acme.test")
    assert owner.post("/hr/mfa/passkey/options").headers["location"] == "/hr/login"
    # a pending sign-in reaches no passkey page of the account
    key = SoftAuthenticator(origin(app))
    assert add(owner, key).status_code == 303
    b = password_step(app)
    assert b.post("/hr/passkeys/options").headers["location"].startswith("/hr/login")
    # a user with TOTP only who asks for passkey options: told so, in their language
    make_org(app, "Beta", "solo@beta.test")
    enrol(signed_in(app, "solo@beta.test"))
    pending = Browser(app, lang="vi")
    assert pending.post("/hr/login", {"email": "solo@beta.test", "password": PASSWORD}).status_code == 303
    res = pending.client.post(
        "/hr/mfa/passkey/options", headers={"Origin": "http://testserver", "X-CSRF-Token": pending.csrf()}
    )
    assert res.status_code == 422 and res.json()["error"] not in ("", "You have no passkey for this account.")


def test_a_required_second_factor_can_be_a_passkey_and_the_last_one_stays(app: Any) -> None:
    Clock(app)
    org, _ = make_org(app)
    add_user(app, org, "ana@acme.test")
    owner = signed_in(app, "owner@acme.test")
    assert owner.post("/hr/settings", {"require_mfa": "yes"}).status_code == 200
    b = Browser(app)
    res = b.post("/hr/login", {"email": "ana@acme.test", "password": PASSWORD})
    assert res.headers["location"] == "/hr/mfa/setup"
    setup = b.get("/hr/mfa/setup").text
    assert 'data-passkey="register"' in setup and 'href="/hr/users"' not in setup  # no HR menu yet
    key = SoftAuthenticator(origin(app))
    enrolled = add(b, key)
    assert enrolled.status_code == 303 and b.get("/hr").status_code == 200  # a full session now
    # the requirement is met by the passkey: the next sign-in asks for it (not for enrolment)
    again = Browser(app).post("/hr/login", {"email": "ana@acme.test", "password": PASSWORD})
    assert again.headers["location"].startswith("/hr/mfa?next=")
    # the last second factor cannot go while the organisation requires one
    (row,) = stored(app)
    vi = Browser(app, lang="vi")
    vi.client.cookies = b.client.cookies
    refused = vi.post(f"/hr/passkeys/{row.id}/remove")
    assert refused.status_code == 422 and len(stored(app)) == 1
    assert "last second factor" not in refused.text and 'role="alert"' in refused.text  # in Vietnamese
    assert add(b, key, "phone").status_code == 303
    assert b.post(f"/hr/passkeys/{row.id}/remove").status_code == 303
    (left,) = stored(app)
    assert b.post(f"/hr/passkeys/{left.id}/remove").status_code == 422
    # an owner resets a lost key: the passkeys go, and the user enrols again
    ana = next(u for u in auth.users_of(app.state.db, org) if u.email == "ana@acme.test")
    assert f"/hr/users/{ana.id}/mfa-reset" in owner.get("/hr/users").text  # shown: a passkey is a second factor
    assert owner.post(f"/hr/users/{ana.id}/mfa-reset").status_code == 303
    assert f"/hr/users/{ana.id}/mfa-reset" not in owner.get("/hr/users").text
    assert stored(app) == []
    assert (
        Browser(app).post("/hr/login", {"email": "ana@acme.test", "password": PASSWORD}).headers["location"]
        == "/hr/mfa/setup"
    )


def test_nobody_else_removes_a_passkey_and_they_go_with_their_user(app: Any) -> None:
    org, _ = make_org(app)
    make_org(app, "Beta", "owner@beta.test")
    ana = add_user(app, org, "ana@acme.test")
    analyst = signed_in(app, "ana@acme.test")
    key = SoftAuthenticator(origin(app))
    assert add(analyst, key, "Ana phone").status_code == 303
    (row,) = stored(app)
    owner = signed_in(app, "owner@acme.test")
    other = signed_in(app, "owner@beta.test")
    assert owner.post(f"/hr/passkeys/{row.id}/remove").status_code == 404  # even the organisation's owner
    assert other.post(f"/hr/passkeys/{row.id}/remove").status_code == 404
    assert "Ana phone" not in owner.get("/hr/mfa/setup").text and "Ana phone" in analyst.get("/hr/mfa/setup").text
    assert len(stored(app)) == 1
    assert owner.post(f"/hr/users/{ana}/remove").status_code == 303
    assert stored(app) == []
    with app.state.db.read() as session:
        assert session.exec(text("SELECT count(*) FROM hr_passkey")).one()[0] == 0


def test_a_credential_is_registered_once(app: Any) -> None:
    make_org(app)
    owner = signed_in(app, "owner@acme.test")
    key = SoftAuthenticator(origin(app))
    assert add(owner, key).status_code == 303
    offered = options(owner, "/hr/passkeys/options")
    # an authenticator that ignores excludeCredentials and answers with the credential it made before
    res = owner.post("/hr/passkeys", {"name": "twice", "credential": key.create(offered, reuse=key.credentials[0])})
    assert res.status_code == 422 and "This passkey is registered already." in res.text
    assert len(stored(app)) == 1


def test_no_challenge_outlives_its_session(app: Any) -> None:
    org, _ = make_org(app)
    owner = signed_in(app, "owner@acme.test")
    options(owner, "/hr/passkeys/options")
    assert challenges(app) == 1
    assert owner.post("/hr/logout").status_code == 303
    assert challenges(app) == 0  # deleted with the session
    user = auth.users_of(app.state.db, org)[0]
    rp = relying_party(app.state.settings.base_url)
    with pytest.raises(PasskeyError) as refused:  # a session that ended meanwhile: refused, not a 500
        auth.passkeys.registration_options(app.state.db, user, "no-such-session", rp, utcnow())
    assert refused.value.code == "passkey_expired" and challenges(app) == 0
