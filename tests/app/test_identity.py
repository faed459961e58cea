"""HR identity and governance (issue 18): user lifecycle, the organisation switcher, TOTP with recovery
codes, the organisation's MFA requirement, retention and purge, cohort close/archive/delete, the audit
log viewer. Real requests against the app on SQLite and PostgreSQL; the purge's byte scan on SQLite."""

from __future__ import annotations

import csv
import html
import io
import re
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
from sqlalchemy import text
from sqlmodel import select

from app import auth, jobs
from app.auth import passwords
from app.models import AuditEvent, Cohort, HrSession, HrUser, Job, Participation, utcnow
from app.services import personal_data, retention
from scoring.model import Bank
from tests.app.conftest import Browser
from tests.app.test_auth import Clock
from tests.app.test_erasure import hits, participant, sqlite_app  # noqa: F401 (a fixture)
from tests.app.test_hr import PASSWORD, cohort_with_people, join_link, make_org, signed_in, take_part

OTHER_PASSWORD = "blue coffee mountain"


def add_user(app: Any, org_id: str, email: str, role: str = "analyst", password: str = PASSWORD) -> str:
    invited = auth.invite(app.state.db, org_id, email, role, utcnow(), by="test")
    auth.set_password(app.state.db, invited.token, password, utcnow())
    return invited.user.id


def actions(app: Any, org_id: str) -> list[str]:
    with app.state.db.read() as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.org_id == org_id).order_by(AuditEvent.id))
        return [row.action for row in rows]


def user_row(app: Any, user_id: str) -> HrUser | None:
    with app.state.db.read() as session:
        return session.get(HrUser, user_id)


# --- user lifecycle ---------------------------------------------------------------------------------


def test_an_owner_changes_roles_deactivates_reactivates_and_removes(app: Any) -> None:
    org, _ = make_org(app)
    ana = add_user(app, org, "ana@acme.test")
    owner = signed_in(app, "owner@acme.test")
    analyst = signed_in(app, "ana@acme.test")
    assert analyst.get("/hr/users").status_code == 403

    assert owner.post(f"/hr/users/{ana}/role", {"role": "owner"}).status_code == 303
    assert analyst.get("/hr/users").status_code == 200  # the new role counts at once
    assert owner.post(f"/hr/users/{ana}/role", {"role": "analyst"}).status_code == 303
    assert analyst.get("/hr/users").status_code == 403
    assert owner.post(f"/hr/users/{ana}/role", {"role": "boss"}).status_code == 422

    # deactivated: their open session ends at once, and the password no longer signs in
    assert owner.post(f"/hr/users/{ana}/deactivate").status_code == 303
    assert analyst.get("/hr").headers["location"].startswith("/hr/login")
    refused = Browser(app).post("/hr/login", {"email": "ana@acme.test", "password": PASSWORD})
    assert refused.status_code == 401 and "Wrong e-mail address or password." in refused.text  # no hint
    page = owner.get("/hr/users").text
    assert "deactivated" in page and f"/hr/users/{ana}/reactivate" in page

    assert owner.post(f"/hr/users/{ana}/reactivate").status_code == 303
    signed_in(app, "ana@acme.test")

    assert owner.post(f"/hr/users/{ana}/remove").status_code == 303
    assert user_row(app, ana) is None
    assert "ana@acme.test" not in owner.get("/hr/users").text.split("<h2>")[0]
    lifecycle = [a for a in actions(app, org) if a not in ("user.login", "user.invite", "user.password", "org.create")]
    assert lifecycle == ["user.role", "user.role", "user.deactivate", "user.reactivate", "user.remove"]
    with app.state.db.read() as session:
        removed = session.exec(select(AuditEvent).where(AuditEvent.action == "user.remove")).one()
    assert removed.detail == "ana@acme.test" and removed.address == "testclient"


def test_the_last_owner_cannot_be_demoted_deactivated_or_removed(app: Any) -> None:
    org, _ = make_org(app)
    boss = auth.users_of(app.state.db, org)[0].id
    second = add_user(app, org, "second@acme.test", "owner")
    owner = signed_in(app, "owner@acme.test")
    # nobody acts on their own account
    mine = owner.post(f"/hr/users/{boss}/role", {"role": "analyst"})
    assert mine.status_code == 422 and "ask another owner" in mine.text
    # two owners: one may step down, then the other is the last
    assert owner.post(f"/hr/users/{second}/role", {"role": "analyst"}).status_code == 303
    other = signed_in(app, "second@acme.test")
    assert other.post(f"/hr/users/{boss}/role", {"role": "analyst"}).status_code == 403  # an analyst now
    with app.state.db.read() as session:
        owners = session.exec(select(HrUser).where(HrUser.org_id == org, HrUser.role == "owner")).all()
    assert [u.id for u in owners] == [boss]
    for action in ("role", "deactivate", "remove"):
        with pytest.raises(auth.AccountError) as err:
            if action == "role":
                auth.lifecycle.change_role(app.state.db, org, second, boss, "analyst")
            elif action == "deactivate":
                auth.lifecycle.deactivate(app.state.db, org, second, boss, utcnow())
            else:
                auth.lifecycle.remove(app.state.db, org, second, boss)
        assert err.value.code == "last_owner"
    # and through the page, in the user's language
    assert owner.post(f"/hr/users/{second}/role", {"role": "owner"}).status_code == 303
    assert other.post(f"/hr/users/{boss}/deactivate").status_code == 303  # allowed: two owners
    vi = Browser(app, lang="vi")
    assert vi.post("/hr/login", {"email": "second@acme.test", "password": PASSWORD}).status_code == 303
    last = vi.post(f"/hr/users/{second}/remove")  # themselves: refused
    assert last.status_code == 422
    with pytest.raises(auth.AccountError, match="last_owner"):
        auth.lifecycle.remove(app.state.db, org, boss, second)


def test_two_owners_demoting_each_other_at_once_leave_one_owner(app: Any) -> None:
    org, _ = make_org(app)
    a = auth.users_of(app.state.db, org)[0].id
    b = add_user(app, org, "b@acme.test", "owner")
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def demote(actor: str, target: str) -> None:
        start.wait()
        try:
            auth.lifecycle.change_role(app.state.db, org, actor, target, "analyst")
            outcomes.append("done")
        except auth.AccountError as err:
            outcomes.append(err.code)

    threads = [threading.Thread(target=demote, args=(a, b)), threading.Thread(target=demote, args=(b, a))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["done", "last_owner"]
    with app.state.db.read() as session:
        roles = sorted(u.role for u in session.exec(select(HrUser).where(HrUser.org_id == org)))
    assert roles == ["analyst", "owner"]


def test_another_organisations_owner_gets_404_for_our_users(app: Any) -> None:
    org_a, _ = make_org(app, "A", "owner@a.test")
    make_org(app, "B", "owner@b.test")
    ana = add_user(app, org_a, "ana@a.test")
    stranger = signed_in(app, "owner@b.test")
    for action in ("role", "deactivate", "reactivate", "mfa-reset", "remove"):
        assert stranger.post(f"/hr/users/{ana}/{action}", {"role": "owner"}).status_code == 404, action
    row = user_row(app, ana)
    assert row is not None and row.role == "analyst" and row.deactivated_at is None
    assert "user.role" not in actions(app, org_a)


# --- one e-mail, several organisations: the switcher, and no timing hint -----------------------------


def test_the_switcher_signs_in_to_another_organisation_with_its_own_password(app: Any) -> None:
    Clock(app)
    make_org(app, "Alpha", "consultant@example.test")
    made, invited = auth.create_org(app.state.db, "Beta", "consultant@example.test", utcnow())
    auth.set_password(app.state.db, invited.token, OTHER_PASSWORD, utcnow())

    def org_of(b: Browser) -> str:
        user = auth.session_user(app.state.db, b.client.cookies.get("rolefit_hr"), app.state.clock())
        assert user is not None
        return user.org_id

    at_alpha = Browser(app)  # neither account was used yet: the newest (Beta) is the default; name Alpha
    form = {"email": "consultant@example.test", "password": PASSWORD, "org": "Alpha", "next": "/hr"}
    assert at_alpha.post("/hr/login", form).status_code == 303
    switch = at_alpha.get("/hr/switch")  # a form to name the other organisation; it lists none (no leak)
    assert switch.status_code == 200 and 'name="org"' in switch.text
    assert "Beta" not in switch.text and made.id not in switch.text
    # Beta's password alone signs in to the default (last used) account only: refused
    assert (
        Browser(app).post("/hr/login", {"email": "consultant@example.test", "password": OTHER_PASSWORD}).status_code
        == 401
    )
    # the switcher's form (or the sign-in form's organisation field, by name)
    moved = at_alpha.post(
        "/hr/login", {"email": "consultant@example.test", "password": OTHER_PASSWORD, "org": made.id, "next": "/hr"}
    )
    assert moved.status_code == 303 and org_of(at_alpha) == made.id
    by_name = Browser(app)
    form = {"email": "consultant@example.test", "password": OTHER_PASSWORD, "org": "beta"}
    assert by_name.post("/hr/login", form).status_code == 303 and org_of(by_name) == made.id
    # Beta is now the one used last: the default
    assert org_of(signed_in(app, "consultant@example.test", OTHER_PASSWORD)) == made.id
    # an organisation the e-mail has no account in: as a wrong password
    nowhere = Browser(app).post("/hr/login", form | {"org": "Gamma"})
    assert nowhere.status_code == 401


def test_signing_in_checks_one_password_hash_whatever_the_memberships(app: Any, monkeypatch: Any) -> None:
    """No timing side channel: an e-mail in none, one or three organisations costs one argon2 check."""
    make_org(app, "One", "one@example.test")
    for name in ("X", "Y", "Z"):
        make_org(app, name, "three@example.test")
    calls: list[int] = []
    real = passwords.verify
    monkeypatch.setattr(passwords, "verify", lambda stored, pw: calls.append(1) or real(stored, pw))
    for email in ("nobody@example.test", "one@example.test", "three@example.test"):
        for org in ("", "X", "No such org"):
            calls.clear()
            res = Browser(app).post("/hr/login", {"email": email, "password": "a wrong password here", "org": org})
            assert res.status_code == 401
            assert len(calls) == 1, (email, org, len(calls))


# --- the second factor ---------------------------------------------------------------------------------


def enrol(b: Browser) -> tuple[str, list[str]]:
    page = b.get("/hr/mfa/setup")
    assert page.status_code == 200 and 'src="data:image/svg+xml' in page.text
    secret = re.search(r'name="secret" value="([A-Z2-7]+)"', page.text)
    assert secret is not None
    wrong = b.post("/hr/mfa/setup", {"secret": secret[1], "code": "000000"})
    assert wrong.status_code == 422
    done = b.post("/hr/mfa/setup", {"secret": secret[1], "code": pyotp.TOTP(secret[1]).now()})
    assert done.status_code == 200
    codes = re.findall(r"<code>([0-9a-f]{8}-[0-9a-f]{8})</code>", done.text)
    assert len(codes) == 10
    return secret[1], codes


def test_totp_enrolment_sign_in_replay_and_recovery_codes(app: Any) -> None:
    clock = Clock(app)
    org, _ = make_org(app)
    owner = signed_in(app, "owner@acme.test")
    secret, codes = enrol(owner)
    with app.state.db.read() as session:
        stored = session.exec(select(HrUser).where(HrUser.org_id == org)).one()
        hashes = session.exec(text("SELECT code_hash FROM hr_recovery_code")).all()
    assert stored.totp_enabled_at is not None and len(hashes) == 10
    assert not any(code in str(hashes) for code in codes)  # only hashes are kept

    b = Browser(app)
    first = b.post("/hr/login", {"email": "owner@acme.test", "password": PASSWORD, "next": "/hr/users"})
    assert first.status_code == 303 and first.headers["location"].startswith("/hr/mfa?next=")
    pending = b.client.cookies.get("rolefit_hr")
    assert b.get("/hr").headers["location"].startswith("/hr/login")  # the password alone opens nothing
    assert b.get("/hr/mfa").status_code == 200
    assert b.post("/hr/mfa", {"code": "123456", "next": "/hr/users"}).status_code == 401
    # the enrolment used the code of the real clock's step (the app's clock, or one step later when the test
    # crossed a 30-second boundary): two steps on, the code is fresh
    clock.advance(60)
    code = pyotp.TOTP(secret).at(clock.now)
    ok = b.post("/hr/mfa", {"code": code, "next": "/hr/users"})
    assert ok.status_code == 303 and ok.headers["location"] == "/hr/users"
    assert b.client.cookies.get("rolefit_hr") != pending  # a new session token, never the pending one
    assert b.get("/hr/users").status_code == 200

    # the same code again (replayed, or seen over a shoulder): refused
    again = Browser(app)
    again.post("/hr/login", {"email": "owner@acme.test", "password": PASSWORD})
    assert again.post("/hr/mfa", {"code": code}).status_code == 401
    # a recovery code works once
    assert again.post("/hr/mfa", {"code": codes[0].upper()}).status_code == 303
    third = Browser(app)
    third.post("/hr/login", {"email": "owner@acme.test", "password": PASSWORD})
    assert third.post("/hr/mfa", {"code": codes[0]}).status_code == 401
    assert "user.mfa_recovery_code" in actions(app, org) and "user.mfa_enable" in actions(app, org)


def test_wrong_codes_are_throttled(app: Any) -> None:
    Clock(app)
    make_org(app)
    owner = signed_in(app, "owner@acme.test")
    enrol(owner)
    b = Browser(app)
    b.post("/hr/login", {"email": "owner@acme.test", "password": PASSWORD})
    statuses = [b.post("/hr/mfa", {"code": f"{n:06d}"}).status_code for n in range(1, 9)]
    assert statuses[:4] == [401] * 4 and 429 in statuses  # (the wrong code at enrolment counted too)
    limited = b.post("/hr/mfa", {"code": "111111"})
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0


def test_an_organisation_requiring_mfa_sends_users_to_enrolment(app: Any) -> None:
    Clock(app)
    org, _ = make_org(app)
    add_user(app, org, "ana@acme.test")
    owner = signed_in(app, "owner@acme.test")
    assert owner.post("/hr/settings", {"require_mfa": "yes"}).status_code == 200
    b = Browser(app)
    res = b.post("/hr/login", {"email": "ana@acme.test", "password": PASSWORD})
    assert res.status_code == 303 and res.headers["location"] == "/hr/mfa/setup"
    assert b.get("/hr").headers["location"].startswith("/hr/login")  # nothing else until enrolled
    enrol(b)
    assert b.get("/hr").status_code == 200  # enrolled: a full session
    # an owner resets a lost phone: the user enrols again at their next sign-in
    ana = next(u for u in auth.users_of(app.state.db, org) if u.email == "ana@acme.test")
    assert owner.post(f"/hr/users/{ana.id}/mfa-reset").status_code == 303
    assert b.get("/hr").headers["location"].startswith("/hr/login")
    again = Browser(app).post("/hr/login", {"email": "ana@acme.test", "password": PASSWORD})
    assert again.headers["location"] == "/hr/mfa/setup"


# --- settings, retention and purge -----------------------------------------------------------------------


def test_retention_settings_are_validated_in_the_users_language(app: Any) -> None:
    org, _ = make_org(app)
    owner = signed_in(app, "owner@acme.test")
    vi = Browser(app, lang="vi")
    vi.client.cookies = owner.client.cookies
    bad = vi.post("/hr/settings", {"identified_days": "0", "aggregate_days": "abc"})
    assert bad.status_code == 422 and "36500" in bad.text.replace(".", "").replace(",", "")
    assert retention.policy_of(app.state.db, org).identified_days is None
    ok = owner.post("/hr/settings", {"identified_days": "180", "aggregate_days": "730"})
    assert ok.status_code == 200
    policy = retention.policy_of(app.state.db, org)
    assert (policy.identified_days, policy.aggregate_days, policy.require_mfa) == (180, 730, False)
    assert 'value="180"' in owner.get("/hr/settings").text
    assert "org.settings" in actions(app, org)


def test_the_purge_erases_expired_participations_to_the_byte(sqlite_app: Any, bank: Bank) -> None:  # noqa: F811
    app = sqlite_app
    org, _ = make_org(app)
    cohort, path = join_link(app, org)
    _, _, old_id = participant(app, bank, path, "Zebulon Oldname")
    _, _, new_id = participant(app, bank, path, "Xavier Keepname")
    with app.state.db.write() as session:  # the first finished 40 days ago
        row = session.exec(select(Participation).where(Participation.assessment_id == old_id)).one()
        row.finished_at = utcnow() - timedelta(days=40)
        row.consented_at = utcnow() - timedelta(days=41)
        session.add(row)
    with app.state.db.read() as session:
        assert session.get(Cohort, cohort).participants == 2  # type: ignore[union-attr]
    assert retention.purge(app.state.db, utcnow()) == {}  # no retention set: nothing goes
    retention.save_policy(app.state.db, org, "test", retention.Policy(False, 30, None))
    assert hits(app, ["Zebulon Oldname"])
    assert retention.purge(app.state.db, utcnow()) == {org: 1}
    assert hits(app, ["Zebulon Oldname"]) == {}  # not in the file, its WAL or shm
    assert hits(app, ["Xavier Keepname"])
    with app.state.db.read() as session:
        assert session.get(Cohort, cohort).participants == 1  # type: ignore[union-attr]
        assert session.exec(select(Participation.assessment_id)).all() == [new_id]
    assert hits(app, [old_id])  # the person's own assessment stays theirs
    assert "retention.purge" in actions(app, org)


def test_a_purge_is_no_withdrawal_in_the_funnel(app: Any, bank: Bank) -> None:
    """The funnel counts a person's own withdrawal; a retention purge takes the record out of the funnel
    altogether (neither started nor withdrawn any more), on SQLite and PostgreSQL."""
    from app.services import funnel, hr

    org, _ = make_org(app)
    cohort, path = join_link(app, org)
    _, _, old_id = participant(app, bank, path, "Olga Oldname")
    _, _, leaving_id = participant(app, bank, path, "Lena Leaving")
    participant(app, bank, path, "Kim Keepname")
    with app.state.db.write() as session:
        row = session.exec(select(Participation).where(Participation.assessment_id == old_id)).one()
        row.finished_at = utcnow() - timedelta(days=40)
        row.consented_at = utcnow() - timedelta(days=41)
        session.add(row)
    with app.state.db.read() as session:
        leaving = session.exec(select(Participation).where(Participation.assessment_id == leaving_id)).one()
    assert hr.withdraw(app.state.db, leaving_id, leaving.id)  # the person's own choice: a withdrawal
    before = funnel.of_cohort(app.state.db, org, cohort)
    assert before is not None and (before.started, before.finished, before.withdrawn) == (3, 2, 1)
    retention.save_policy(app.state.db, org, "test", retention.Policy(False, 30, None))
    assert retention.purge(app.state.db, utcnow()) == {org: 1}
    after = funnel.of_cohort(app.state.db, org, cohort)
    assert after is not None and (after.started, after.finished, after.withdrawn) == (2, 1, 1)


def test_the_purge_runs_daily_on_the_job_runner_and_as_a_command(app: Any, bank: Bank, tmp_path: Path) -> None:
    org, _ = make_org(app)
    cohort = cohort_with_people(app, bank, org, 6)
    retention.save_policy(app.state.db, org, "test", retention.Policy(False, 1, 1))
    with app.state.db.write() as session:
        for row in session.exec(select(Participation).where(Participation.cohort_id == cohort)):
            row.finished_at = row.consented_at = utcnow() - timedelta(days=3)
            session.add(row)
    assert retention.schedule(app.state.db, utcnow()) is True
    assert retention.schedule(app.state.db, utcnow()) is False  # one waiting run at a time
    worker = jobs.Worker(app.state.db, {retention.KIND: retention.job_handler(app.state.db)})
    assert worker.run_once() is True
    with app.state.db.read() as session:
        assert session.exec(select(Participation)).all() == []
        assert session.get(Cohort, cohort).participants == 0  # type: ignore[union-attr]
        waiting = session.exec(select(Job).where(Job.kind == retention.KIND, Job.state == "queued")).one()
    assert waiting.run_at > utcnow() + timedelta(hours=23)  # the next run, a day later


# --- a cohort's life -----------------------------------------------------------------------------------


def test_close_archive_and_delete_a_cohort_with_a_confirmation(app: Any, bank: Bank) -> None:
    org, _ = make_org(app)
    cohort, path = join_link(app, org)
    take_part(app, bank, path, "identified", "Lan")
    owner = signed_in(app, "owner@acme.test")
    assert owner.post(f"/hr/cohorts/{cohort}/close").status_code == 303
    assert Browser(app).get(path).status_code in (404, 410)  # nobody joins a closed cohort
    assert owner.post(f"/hr/cohorts/{cohort}/archive").status_code == 303
    assert f"/hr/cohorts/{cohort}" not in owner.get("/hr").text  # out of the list
    assert owner.get(f"/hr/cohorts/{cohort}").status_code == 200  # still readable

    confirm = owner.get(f"/hr/cohorts/{cohort}/delete")
    assert confirm.status_code == 200
    assert "1 participation record" in confirm.text and "1 of them identified by name" in confirm.text
    assert "1 invitation link" in confirm.text
    wrong = owner.post(f"/hr/cohorts/{cohort}/delete", {"confirm": "spring?"})
    assert wrong.status_code == 422 and owner.get(f"/hr/cohorts/{cohort}").status_code == 200
    assert owner.post(f"/hr/cohorts/{cohort}/delete", {"confirm": "Spring"}).status_code == 303
    assert owner.get(f"/hr/cohorts/{cohort}").status_code == 404
    with app.state.db.read() as session:
        assert session.exec(select(Participation)).all() == []
    changes = [a for a in actions(app, org) if a != "cohort.view"]  # reading the page is audited too
    assert changes[-3:] == ["cohort.close", "cohort.archive", "cohort.delete"]


def test_cohort_lifecycle_is_refused_across_organisations(app: Any) -> None:
    org_a, _ = make_org(app, "A", "owner@a.test")
    make_org(app, "B", "owner@b.test")
    cohort, _ = join_link(app, org_a)
    stranger = signed_in(app, "owner@b.test")
    for action in ("close", "archive", "delete"):
        assert stranger.post(f"/hr/cohorts/{cohort}/{action}", {"confirm": "Spring"}).status_code == 404
    assert stranger.get(f"/hr/cohorts/{cohort}/delete").status_code == 404
    with app.state.db.read() as session:
        row = session.get(Cohort, cohort)
    assert row is not None and row.closes_at is None and row.archived_at is None


# --- the audit log ---------------------------------------------------------------------------------------


def test_the_audit_log_filters_pages_and_exports_one_organisation_only(app: Any) -> None:
    org_a, _ = make_org(app, "A", "owner@a.test")
    org_b, _ = make_org(app, "B", "owner@b.test")
    ana = add_user(app, org_a, "ana@a.test")
    for n in range(60):
        auth.audit(app.state.db, org_a, ana, "cohort.export", f"export {n:02d}")
    auth.audit(app.state.db, org_b, None, "cohort.export", "secret of B")
    owner = signed_in(app, "owner@a.test")
    first = owner.get("/hr/audit?action=cohort.export")
    assert first.status_code == 200
    assert first.text.count("<tr>") == 1 + 50  # a header and one page
    assert "export 59" in first.text and "export 09" not in first.text and "secret of B" not in first.text
    second = owner.get("/hr/audit?action=cohort.export&page=2")
    assert "export 09" in second.text and "export 59" not in second.text and "Older" not in second.text
    by_actor = owner.get(f"/hr/audit?actor={ana}")
    assert "export 00" not in by_actor.text.split("</select>")[-1] or "export 59" in by_actor.text
    assert "user.login" not in by_actor.text.split("</form>")[-1]
    today = utcnow().strftime("%Y-%m-%d")
    assert owner.get("/hr/audit?to=2000-01-01").text.count("<tr>") == 0
    assert owner.get(f"/hr/audit?from={today}").text.count("<tr>") > 1
    assert owner.get("/hr/audit?from=2026-02-31").status_code == 422

    export = owner.get(f"/hr/audit.csv?actor={ana}")
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.text.lstrip("\ufeff"))))
    assert rows[0] == ["at", "actor", "action", "detail", "address"]
    assert len(rows) == 1 + 60 + 1 and {r[1] for r in rows[1:]} == {"ana@a.test"}  # and setting her password
    assert "secret of B" not in export.text

    # another organisation's owner sees only their own log; an analyst none
    other = signed_in(app, "owner@b.test")
    assert "secret of B" in other.get("/hr/audit").text and "export 59" not in other.get("/hr/audit").text
    assert signed_in(app, "ana@a.test").get("/hr/audit").status_code == 403
    assert "audit.view" in actions(app, org_a) and "audit.export" in actions(app, org_a)


def test_formula_cells_are_neutralised_in_the_audit_export(app: Any) -> None:
    org, _ = make_org(app)
    auth.audit(app.state.db, org, None, "cohort.create", '=HYPERLINK("http://evil")')
    export = signed_in(app, "owner@acme.test").get("/hr/audit.csv")
    assert "'=HYPERLINK" in export.text


def test_sessions_are_ended_in_the_database_on_deactivation(app: Any) -> None:
    org, _ = make_org(app)
    ana = add_user(app, org, "ana@acme.test")
    signed_in(app, "ana@acme.test")
    signed_in(app, "ana@acme.test")
    with app.state.db.read() as session:
        assert len(session.exec(select(HrSession).where(HrSession.user_id == ana)).all()) == 2
    boss = next(u.id for u in auth.users_of(app.state.db, org) if u.role == "owner")
    assert auth.lifecycle.deactivate(app.state.db, org, boss, ana, utcnow()) == 2
    with app.state.db.read() as session:
        assert session.exec(select(HrSession).where(HrSession.user_id == ana)).all() == []


# --- a person's own data -----------------------------------------------------------------------------------


def test_a_person_downloads_all_their_data_and_nobody_else_can(app: Any, bank: Bank) -> None:
    org, _ = make_org(app)
    _, path = join_link(app, org)
    person, result_url, aid = participant(app, bank, path, "Lan Tran")
    page = person.get(result_url).text
    assert f"/result/{aid}/export.json" in page
    got = person.get(f"/result/{aid}/export.json")
    assert got.status_code == 200 and "attachment" in got.headers["content-disposition"]
    assert got.headers["cache-control"] == "no-store"
    data = got.json()
    assert data["assessment"]["id"] == aid and data["result"]["data"]
    assert len(data["answers"]) > 20 and all(a["question"] for a in data["answers"])
    assert data["plan"]
    assert data["cohorts"][0]["display_name"] == "Lan Tran" and data["cohorts"][0]["organisation"] == "Acme"
    assert len(data["share_links"]) == 1 and "token" not in str(data["share_links"]).lower()
    # someone else's browser, or an HR owner: not found
    assert Browser(app).get(f"/result/{aid}/export.json").status_code == 404
    assert signed_in(app, "owner@acme.test").get(f"/result/{aid}/export.json").status_code == 404
    # the same data, readable: each answer in the words the person chose, the cohort and what HR sees
    assert f'href="/result/{aid}/my-data"' in page
    readable = person.get(f"/result/{aid}/my-data")
    assert readable.status_code == 200 and readable.headers["cache-control"] == "no-store"
    assert "noindex" in readable.headers["x-robots-tag"]
    first = data["answers"][0]
    assert html.escape(first["question"], quote=False) in readable.text
    label = personal_data.answer_label(bank, first["item_id"], first["value"], "en")
    assert label and label != str(first["value"]) and html.escape(label, quote=False) in readable.text
    assert readable.text.count("<tr>") >= len(data["answers"]) + 1
    assert "Acme" in readable.text and "Your name and result" in readable.text
    assert Browser(app).get(f"/result/{aid}/my-data").status_code == 404
    assert signed_in(app, "owner@acme.test").get(f"/result/{aid}/my-data").status_code == 404


def test_the_api_export_needs_the_owner_token(app: Any) -> None:
    api = Browser(app).client
    created = api.post("/api/v1/assessments", json={"lang": "vi", "current_role": "pm"}).json()
    aid, token = created["id"], created["owner_token"]
    assert api.get(f"/api/v1/assessments/{aid}/export").status_code == 404
    assert api.get(f"/api/v1/assessments/{aid}/export", headers={"Authorization": "Bearer wrong"}).status_code == 404
    res = api.get(f"/api/v1/assessments/{aid}/export", headers={"Authorization": f"Bearer {token}"})
    assert res.status_code == 200
    body = res.json()
    assert body["format"] == "rolefit-personal-data/1" and body["assessment"]["lang"] == "vi"
    assert body["answers"] == [] and body["result"]["data"]["overall"] == 0.0 and body["plan"] is not None
    other = api.post("/api/v1/assessments", json={"current_role": "pm"}).json()
    crossed = api.get(f"/api/v1/assessments/{aid}/export", headers={"Authorization": f"Bearer {other['owner_token']}"})
    assert crossed.status_code == 404


def test_a_typo_at_enrolment_keeps_the_key_and_enrolment_hides_the_menu(app: Any) -> None:
    org, _ = make_org(app)
    owner = signed_in(app, "owner@acme.test")
    assert owner.post("/hr/settings", {"require_mfa": "yes"}).status_code == 200
    add_user(app, org, "ana@acme.test")
    b = Browser(app)
    b.post("/hr/login", {"email": "ana@acme.test", "password": PASSWORD})
    page = b.get("/hr/mfa/setup").text
    assert 'class="hr-nav"' not in page  # nothing to open before enrolment
    secret = re.search(r'name="secret" value="([A-Z2-7]+)"', page)
    assert secret is not None
    typo = b.post("/hr/mfa/setup", {"secret": secret[1], "code": "12345"})
    assert typo.status_code == 422 and f'value="{secret[1]}"' in typo.text
    forged = b.post("/hr/mfa/setup", {"secret": "not base32 at all", "code": "123456"})
    assert forged.status_code == 422
