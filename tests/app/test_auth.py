"""HR sign-in (app/auth): throttling without a lock-out, device cookies, the password rule, e-mail per
organisation, retention of the throttle's rows, resume-code throttling, nothing costly at import.
On SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from app import auth
from app.auth import throttle
from app.config import ROOT, Settings
from app.main import create_app
from app.models import HrDevice, HrSession, HrUser, LoginAttempt, PasswordToken, utcnow
from app.tokens import hash_token
from tests.app.conftest import Browser
from tests.app.test_hr import PASSWORD, make_org, signed_in

EMAIL = "owner@acme.test"


class Clock:
    """The app's clock, moved by the test; each reading is a microsecond later, like a real clock."""

    def __init__(self, app: Any) -> None:
        self.now = utcnow()
        app.state.clock = self

    def __call__(self) -> datetime:
        self.now += timedelta(microseconds=1)
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def login(b: Browser, password: str, email: str = EMAIL) -> Any:
    return b.post("/hr/login", {"email": email, "password": password, "next": "/hr"})


def attempts(app: Any, key: str | None = None) -> int:
    with app.state.db.read() as session:
        query = select(func.count()).select_from(LoginAttempt)
        if key is not None:
            query = query.where(LoginAttempt.key == key)
        return int(session.exec(query).one())


# --- throttling without a lock-out weapon -----------------------------------------------------------


def test_five_wrong_passwords_from_an_attacker_do_not_lock_the_owner_out(app: Any) -> None:
    make_org(app)
    clock = Clock(app)
    trusted = signed_in(app, EMAIL)  # the owner's usual browser: it now holds a device cookie
    assert trusted.client.cookies.get("rolefit_device")
    trusted.post("/hr/logout")
    attacker = Browser(app)
    answers = [login(attacker, f"guess number {n}").status_code for n in range(5)]
    assert answers[:3] == [401, 401, 401]
    assert 429 in answers  # slowed down at once, no more guesses checked
    # the attacker is slowed even with the right password: nothing is checked while they must wait
    slowed = login(attacker, PASSWORD)
    assert slowed.status_code == 429 and int(slowed.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins. Please try again in" in slowed.text
    # the owner, at their own browser (same address, as behind one office NAT), signs in at once
    assert login(trusted, PASSWORD).status_code == 303
    assert trusted.get("/hr").status_code == 200
    # and from a new browser too, once the delay is over: no hard lock, ever
    newcomer = Browser(app)
    held = login(newcomer, PASSWORD)
    assert held.status_code == 429
    clock.advance(int(held.headers["Retry-After"]))
    assert login(newcomer, PASSWORD).status_code == 303


def test_delays_grow_and_stop_growing_at_fifteen_minutes(app: Any) -> None:
    make_org(app)
    clock = Clock(app)
    attacker = Browser(app)
    waits: list[int] = []
    checked = 0
    while len(waits) < 12:
        res = login(attacker, f"guess {checked}")
        if res.status_code == 429:
            wait = int(res.headers["Retry-After"])
            waits.append(wait)
            # hammering while delayed is answered at once and counts for nothing
            for _ in range(3):
                assert login(attacker, "hammer").status_code == 429
            assert int(login(attacker, "hammer").headers["Retry-After"]) <= wait
            clock.advance(wait)
        else:
            assert res.status_code == 401
            checked += 1
    assert waits == sorted(waits) and waits[0] < waits[-1]
    assert waits[-1] == 15 * 60 and max(waits) <= 15 * 60
    assert checked == throttle.ACCOUNT.free + len(waits) - 1  # one guess checked per delay


def test_one_address_trying_many_accounts_is_slowed(app: Any) -> None:
    make_org(app)
    Clock(app)
    b = Browser(app)
    for n in range(throttle.ADDRESS.free):
        assert login(b, "wrong password", email=f"person{n}@acme.test").status_code == 401
    assert login(b, "wrong password", email="someone.else@acme.test").status_code == 429


def test_a_device_cookie_trusts_only_its_own_user_and_is_throttled_itself(app: Any) -> None:
    make_org(app)
    make_org(app, "Other", "other@other.test")
    Clock(app)
    b = signed_in(app, "other@other.test")  # this browser is trusted for other@other.test only
    for _ in range(throttle.ACCOUNT.free):
        assert login(b, "wrong guess here").status_code == 401
    assert login(b, PASSWORD).status_code == 429  # acme's owner's account is delayed for this browser
    # guessing from a trusted browser is slowed too, by its own count
    for _ in range(throttle.DEVICE.free):
        assert login(b, "wrong guess here", email="other@other.test").status_code == 401
    assert login(b, PASSWORD, email="other@other.test").status_code == 429


def test_the_count_is_shared_by_every_worker(app: Any, settings: Settings) -> None:
    make_org(app)
    other_worker = create_app(settings)  # a second process's app on the same database
    try:
        clock = Clock(app)
        other_worker.state.clock = clock
        for n in range(throttle.ACCOUNT.free):
            assert login(Browser(app if n % 2 else other_worker), "a wrong guess").status_code == 401
        assert login(Browser(other_worker), PASSWORD).status_code == 429
        assert login(Browser(app), PASSWORD).status_code == 429
    finally:
        other_worker.state.db.dispose()


def test_a_right_password_is_not_counted_as_a_failure(app: Any) -> None:
    make_org(app)
    Clock(app)
    for _ in range(3):
        signed_in(app, EMAIL)
    assert attempts(app) == 0


# --- retention: no cron needed -----------------------------------------------------------------------


def test_old_attempts_are_pruned_as_new_ones_arrive_in_bounded_batches(app: Any) -> None:
    make_org(app)
    clock = Clock(app)
    old = clock.now - throttle.RETENTION - timedelta(hours=1)
    recent = clock.now - timedelta(hours=1)
    with app.state.db.write() as session:
        for n in range(throttle.PRUNE_BATCH + 100):
            session.add(LoginAttempt(key=f"addr:10.0.{n // 250}.{n % 250}", at=old))
        session.add(LoginAttempt(key="addr:10.9.9.9", at=recent))
    assert attempts(app) == throttle.PRUNE_BATCH + 101
    b = Browser(app)
    login(b, "a wrong password")  # two rows (account, address); prunes at most one batch
    assert attempts(app) == 100 + 1 + 2
    login(b, "another wrong one")
    assert attempts(app) == 1 + 4  # the old rows are gone; the last day's are kept
    assert attempts(app, "addr:10.9.9.9") == 1


def test_expired_sessions_and_unused_devices_are_pruned_on_sign_in(app: Any) -> None:
    make_org(app)
    clock = Clock(app)
    stale = signed_in(app, EMAIL)
    assert stale.get("/hr").status_code == 200
    clock.advance(200 * 86400)  # past the session's 12 h and the device's 180 days; never used again
    signed_in(app, EMAIL)
    with app.state.db.read() as session:
        assert int(session.exec(select(func.count()).select_from(HrSession)).one()) == 1
        assert int(session.exec(select(func.count()).select_from(HrDevice)).one()) == 1


def test_expired_set_password_links_are_pruned_when_new_ones_are_made(app: Any) -> None:
    org, _ = make_org(app)
    long_ago = utcnow() - timedelta(days=30)
    stale = auth.invite(app.state.db, org, "late@acme.test", "analyst", long_ago, by="test")
    auth.invite(app.state.db, org, "fresh@acme.test", "analyst", utcnow(), by="test")
    with app.state.db.read() as session:
        assert session.get(PasswordToken, hash_token(stale.token)) is None
        left = list(session.exec(select(PasswordToken)))
        assert len(left) == 2 and all(t.expires_at > utcnow() for t in left)  # the owner's and the new one


# --- the password rule (NIST SP 800-63B-4) -----------------------------------------------------------


def _set_password_page(app: Any, email: str = "new@acme.test") -> tuple[Browser, str]:
    org, _ = make_org(app)
    invited = auth.invite(app.state.db, org, email, "analyst", utcnow(), by="test")
    return Browser(app), f"/hr/set-password/{invited.token}"


def test_the_password_rule(app: Any) -> None:
    b, path = _set_password_page(app)
    page = b.get(path).text
    assert f'minlength="{auth.MIN_PASSWORD}"' in page and f'maxlength="{auth.MAX_PASSWORD}"' in page
    refused = {
        "aaaaaaaaaaaa": "needs 15 to 256 characters",  # the example: too short, and repeated
        "aaaaaaaaaaaaaaa": "too common or too easy to guess",  # long enough, still one repeated key
        "Password1234567!": "too common or too easy to guess",  # every composition rule met, still weak
        "qwertyuiopasdfgh": "too common or too easy to guess",
        "new@acme.test2024": "too common or too easy to guess",  # the user's own e-mail
        "x" * 257: "needs 15 to 256 characters",
    }
    for password, text in refused.items():
        res = b.post(path, {"password": password, "confirm": password})
        assert res.status_code == 422 and text in res.text, password
    # no composition rules: lower-case words only, with spaces, are fine when they are hard to guess
    assert b.post(path, {"password": "blue coffee mountain", "confirm": "blue coffee mountain"}).status_code == 303
    assert login(Browser(app), "blue coffee mountain", email="new@acme.test").status_code == 303


def test_password_messages_speak_the_users_language(app: Any) -> None:
    _, path = _set_password_page(app)
    for lang, short, weak in (
        ("zh-Hans", "密码需要 15 到 256 个字符", "此密码太常见或太容易被猜到"),
        ("vi", "Mật khẩu cần từ 15 đến 256 ký tự", "Mật khẩu này quá phổ biến hoặc quá dễ đoán"),
    ):
        b = Browser(app, lang=lang)
        assert short in b.post(path, {"password": "aaaaaaaaaaaa", "confirm": "aaaaaaaaaaaa"}).text
        weak_page = b.post(path, {"password": "aaaaaaaaaaaaaaa", "confirm": "aaaaaaaaaaaaaaa"})
        assert weak_page.status_code == 422 and weak in weak_page.text


def test_passwords_are_compared_after_unicode_normalisation(app: Any) -> None:
    b, path = _set_password_page(app)
    fullwidth = "ｂｌｕｅ ｃｏｆｆｅｅ ｍｏｕｎｔａｉｎ"  # what some CJK keyboards type
    assert b.post(path, {"password": fullwidth, "confirm": fullwidth}).status_code == 303
    assert login(Browser(app), "blue coffee mountain", email="new@acme.test").status_code == 303
    assert login(Browser(app), fullwidth, email="new@acme.test").status_code == 303


# --- one e-mail, several organisations ---------------------------------------------------------------


def test_the_database_keeps_an_email_unique_per_organisation_only(app: Any) -> None:
    org_a, _ = make_org(app, "A", "same@example.test")
    org_b, _ = make_org(app, "B", "same@example.test")  # another organisation: allowed
    assert org_a != org_b
    with pytest.raises(IntegrityError), app.state.db.write() as session:
        session.add(HrUser(id="duplicate-in-a", org_id=org_a, email="same@example.test", role="analyst"))


def test_inviting_an_address_held_elsewhere_answers_as_for_any_address(app: Any) -> None:
    make_org(app, "A", "consultant@example.test")
    make_org(app, "B", "owner@b.test")
    owner_b = signed_in(app, "owner@b.test")
    held = owner_b.post("/hr/users", {"email": "consultant@example.test", "role": "analyst"})
    fresh = owner_b.post("/hr/users", {"email": "nobody.yet@example.test", "role": "analyst"})
    assert held.status_code == fresh.status_code == 200
    assert "/hr/set-password/" in held.text
    # within one organisation an e-mail is still unique
    again = owner_b.post("/hr/users", {"email": "consultant@example.test", "role": "owner"})
    assert again.status_code == 422 and "This organisation already has an account" in again.text


def test_signing_in_with_an_email_held_in_two_organisations(app: Any) -> None:
    clock = Clock(app)
    org_a, _ = make_org(app, "A", "consultant@example.test")  # PASSWORD
    made_b, invited = auth.create_org(app.state.db, "B", "consultant@example.test", utcnow())
    org_b = made_b.id
    auth.set_password(app.state.db, invited.token, "blue coffee mountain", utcnow())

    def org_of(b: Browser) -> str:
        user = auth.session_user(app.state.db, b.client.cookies.get("rolefit_hr"), clock())
        assert user is not None
        return user.org_id

    # different passwords: the organisation is named (sign-in form or switcher); one hash check either way
    at_a = Browser(app)
    assert (
        at_a.post("/hr/login", {"email": "consultant@example.test", "password": PASSWORD, "org": "A"}).status_code
        == 303
    )
    assert org_of(at_a) == org_a
    assert org_of(signed_in(app, "consultant@example.test", PASSWORD)) == org_a  # A is now the one used last
    at_b = Browser(app)
    form = {"email": "consultant@example.test", "password": "blue coffee mountain", "org": org_b}
    assert at_b.post("/hr/login", form).status_code == 303
    assert org_of(at_b) == org_b
    # the same password in two organisations: the most recently used account
    made_c, invited = auth.create_org(app.state.db, "C", "consultant@example.test", utcnow())
    org_c = made_c.id
    auth.set_password(app.state.db, invited.token, PASSWORD, utcnow())
    assert org_of(signed_in(app, "consultant@example.test", "blue coffee mountain")) == org_b  # C never used
    with app.state.db.write() as session:
        user_c = session.exec(select(HrUser).where(HrUser.org_id == org_c)).one()
        user_c.last_login_at = clock.now + timedelta(seconds=1)  # as the organisation switcher will
        session.add(user_c)
    clock.advance(5)
    assert org_of(signed_in(app, "consultant@example.test", PASSWORD)) == org_c
    # ... except in a browser that signed in to one of them before: that one
    at_a.post("/hr/logout")
    assert login(at_a, PASSWORD, email="consultant@example.test").status_code == 303
    assert org_of(at_a) == org_a
    assert login(Browser(app), "wrong for every one of them", email="consultant@example.test").status_code == 401


# --- resume codes ------------------------------------------------------------------------------------


def _started(app: Any) -> tuple[str, str, str]:
    created = Browser(app).client.post("/api/v1/assessments", json={"current_role": "pm"}).json()
    return created["id"], created["owner_token"], created["resume_code"]


def test_wrong_resume_codes_are_throttled_per_address(app: Any) -> None:
    clock = Clock(app)
    _, _, code = _started(app)
    b = Browser(app, lang="vi")
    for n in range(throttle.RESUME.free):
        assert b.post("/resume", {"code": f"AAAA-BBBB-CCCC-{n:04d}"}).status_code == 404
    limited = b.post("/resume", {"code": code})  # even the right code waits: nothing is checked meanwhile
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert "Đã nhập sai mã tiếp tục quá nhiều lần" in limited.text
    clock.advance(int(limited.headers["Retry-After"]))
    assert b.post("/resume", {"code": code}).status_code == 303
    assert attempts(app, "resume:testclient") == throttle.RESUME.free  # the right code was not counted


def test_the_resume_code_is_no_api_credential(app: Any) -> None:
    assessment, owner, code = _started(app)
    client = Browser(app).client
    assert client.get(f"/api/v1/assessments/{assessment}", headers={"Authorization": f"Bearer {owner}"}).is_success
    as_code = client.get(f"/api/v1/assessments/{assessment}", headers={"Authorization": f"Bearer {code}"})
    assert as_code.status_code == 404


# --- start-up ----------------------------------------------------------------------------------------


def test_starting_the_app_computes_no_password_hash_and_loads_no_word_lists() -> None:
    script = """
import sys
import argon2
calls = []
original = argon2.PasswordHasher.hash
argon2.PasswordHasher.hash = lambda self, *a, **k: calls.append(1) or original(self, *a, **k)
from app.config import Settings
from app.main import create_app
create_app(Settings(database_url="sqlite:///:memory:"))
from app.auth import passwords
print(len(calls), passwords.dummy_ready(), "zxcvbn" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "False", "False"]
