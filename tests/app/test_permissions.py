"""The permission matrix (app/auth/permissions.py), generated from the app's route table.

Every route the app serves must have a rule (a new route without one fails here), every rule must name a
route that exists, and every rule is checked by real requests as each role: not signed in, an analyst
and an owner of the organisation, and an owner of another organisation. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
from fastapi import Request
from sqlmodel import select

from app import auth
from app.auth.passkeys import relying_party
from app.auth.permissions import MATRIX, Outcome, Rule
from app.config import Settings
from app.main import create_app
from app.models import HrPasskey, Participation, utcnow
from app.routes.hr import UserDep
from app.services import api_tokens, hr, invitations, people, staged_imports, webhooks
from scoring.model import Bank
from tests.app.conftest import Browser
from tests.app.soft_authenticator import SoftAuthenticator
from tests.app.test_hr import PASSWORD, cohort_with_people, make_org, signed_in


def _walk(routes: list[Any]) -> Iterator[Any]:
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI keeps included routers as branches
        if included is not None:
            yield from _walk(included.routes)
        else:
            yield route


def route_table(app: Any) -> set[tuple[str, str]]:
    """(method, path) for every route the app serves; a mounted folder counts as GET on its path."""
    table: set[tuple[str, str]] = set()
    for route in _walk(app.routes):
        methods = getattr(route, "methods", None) or {"GET"}
        table |= {(method, route.path) for method in methods if method != "HEAD"}
    return table


def missing_rules(app: Any) -> set[tuple[str, str]]:
    return route_table(app) - {(rule.method, rule.path) for rule in MATRIX}


def test_every_route_has_a_rule_and_every_rule_a_route(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/routes.sqlite3"))
    assert missing_rules(app) == set(), "add these routes to MATRIX in app/auth/permissions.py"
    stale = {(rule.method, rule.path) for rule in MATRIX} - route_table(app)
    assert stale == set(), "these rules name no route"
    assert len({(rule.method, rule.path) for rule in MATRIX}) == len(MATRIX), "one rule per route"


def secret_report(request: Request, user: UserDep) -> dict[str, str]:
    """A route someone adds later and forgets to put in the matrix."""
    return {"org": user.org_id}


def test_a_new_route_without_a_rule_fails_and_is_refused(app: Any) -> None:
    app.router.add_api_route("/hr/secret-report", secret_report, methods=["GET"])
    assert missing_rules(app) == {("GET", "/hr/secret-report")}
    make_org(app)
    owner = signed_in(app, "owner@acme.test")
    assert owner.get("/hr/secret-report").status_code == 403  # deny by default, even to an owner


# --- the matrix, request by request ------------------------------------------------------------------


FORMS = {
    "/hr/cohorts": {"name": "Autumn"},
    "/hr/users": {"email": "new.colleague@example.test", "role": "analyst"},
    "/hr/labels": {
        "lang": "vi",
        "account": "Client Lead",
        "account_short": "CL",
        "delivery": "Delivery Lead",
        "delivery_short": "DL",
    },
    "/hr/login": {"email": "nobody@example.test", "password": "not the password at all"},
    "/hr/people": {"name": "Linh", "email": "linh@example.test"},
    "/hr/people/import": {"content": "name,email\nAn,an@example.test\n"},
    "/hr/users/{user_id}/role": {"role": "owner"},
    "/hr/settings": {"identified_days": "365", "aggregate_days": ""},
    "/hr/cohorts/{cohort_id}/delete": {"confirm": "Cohort"},
    "/hr/settings/sso": {"issuer": "https://idp.example.test", "client_id": "rolefit", "client_secret": "s3cret"},
    "/hr/sso": {"sso": "someone@a.test"},
    "/hr/api-tokens": {"name": "HR sync", "scope": "read", "days": "30"},
    "/hr/webhooks": {"url": "https://93.184.215.14/hook", "events": "cohort.closed"},  # a public address
}
MFA_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PLACEHOLDERS = {
    "token": "no-such-token",
    "assessment_id": "no-such-assessment",
    "share_id": "no-such-share",
    "rating_id": "no-such-rating",
    "participation_id": "no-such-participation",
    "item_id": "lk_scope_am_1",
    "action_id": "act_am_agree_move",
    "phase": "30d",
    "number:int": "1",
}


def _send(browser: Browser, method: str, path: str, data: dict[str, str] | None = None) -> Any:
    if method == "GET":
        return browser.get(path)
    if method == "POST":
        return browser.post(path, data or {})
    return browser.client.request(method, path, headers={"Origin": "http://testserver"}, json={"value": 1})


def _check(outcome: Outcome, res: Any, where: str) -> None:
    to_login = res.status_code == 303 and res.headers.get("location", "").startswith("/hr/login?next=")
    if outcome is Outcome.LOGIN:
        assert to_login, where
    elif outcome is Outcome.FORBIDDEN:
        assert res.status_code == 403, where
    elif outcome is Outcome.NOT_FOUND:
        assert res.status_code == 404, where
    else:
        assert res.status_code < 400 and not to_login, where


ENDING = ("/close", "/archive", "/delete", "/remove")


def _order(rule: Rule) -> tuple[bool, bool, str]:
    # signing out last (the browsers are reused); before it, what closes, archives or deletes the objects
    return (rule.path.startswith("/hr/logout"), rule.path.endswith(ENDING), rule.path)


def test_the_matrix_holds_for_every_route_and_role(app: Any, bank: Bank) -> None:
    db = app.state.db
    org_a, _ = make_org(app, "A", "owner@a.test")
    org_b, _ = make_org(app, "B", "owner@b.test")
    invited = auth.invite(db, org_a, "analyst@a.test", "analyst", utcnow(), by="test")
    auth.set_password(db, invited.token, PASSWORD, utcnow())
    cohort = cohort_with_people(app, bank, org_a, 6)
    invitation = hr.cohorts_of(db, org_a)[0].invitations[0].id
    people.add_person(db, org_a, {"name": "Linh", "email": "linh@a.test"}, utcnow())
    invitations.create_links(db, org_a, cohort, "test", utcnow(), "http://testserver")
    personal = invitations.status(db, org_a, cohort, utcnow())[0].id
    target = auth.invite(db, org_a, "target@a.test", "analyst", utcnow(), by="test").user.id
    token = api_tokens.create(db, org_a, "test", "sync", "read", 30, utcnow()).row.id
    hook = webhooks.subscribe(
        db, org_a, "test", "https://93.184.215.14/h", ["cohort.closed"], utcnow(), allow_private=False
    )
    with db.write() as session:
        webhooks.emit(session, org_a, "cohort.closed", {"cohort_id": cohort})
    values = PLACEHOLDERS | {
        "passkey_id": "pk-owner-a",
        "token_id": token,
        "webhook_id": hook.webhook.id,
        "delivery_id": webhooks.deliveries(db, org_a)[0].id,
        "cohort_id": cohort,
        "invitation_id": invitation,
        "personal_id": personal,
        "user_id": target,
    }
    FORMS["/hr/mfa/setup"] = {"secret": MFA_SECRET, "code": pyotp.TOTP(MFA_SECRET).now()}
    with db.read() as session:  # an identified participant of A (their HR page); still nobody's quiz cookie
        values["participation_id"] = session.exec(
            select(Participation.id).where(Participation.org_id == org_a, Participation.visibility == "identified")
        ).first()
    browsers = {
        "anonymous": Browser(app),
        "other_owner": signed_in(app, "owner@b.test"),
        "analyst": signed_in(app, "analyst@a.test"),
        "owner": signed_in(app, "owner@a.test"),
    }
    visitor = signed_in(app, "owner@a.test")  # an HR session of its own, for the routes HR plays no part in
    # a passkey of A's owner (after the sign-ins: with it, the password alone no longer signs in)
    owner_a = next(u for u in auth.users_of(db, org_a) if u.role == "owner")
    passkey = HrPasskey(id="pk-owner-a", user_id=owner_a.id, credential_id="AAAA", public_key=b"k", name="laptop")
    with db.write() as session:
        session.add(passkey)
    checked = 0
    for rule in sorted(MATRIX, key=_order):
        path = re.sub(r"\{([^}]+)\}", lambda m: values[m.group(1)], rule.path)
        if rule.path == "/static":
            path = "/static/css/app.css"
        data = FORMS.get(rule.path)
        if rule.anonymous is Outcome.OPEN:
            # HR sign-in changes nothing here: a signed-in HR user gets what a stranger gets
            stranger = _send(browsers["anonymous"], rule.method, path, data)
            insider = _send(visitor, rule.method, path, data)
            where = f"{rule.method} {path}"
            assert stranger.status_code == insider.status_code, where
            assert stranger.status_code != 403 and stranger.status_code < 500, where
            assert stranger.headers.get("location") == insider.headers.get("location"), where
            checked += 1
            continue
        for role in ("anonymous", "other_owner", "analyst", "owner"):  # the owner last: their action succeeds
            if rule.path == "/hr/people/import/apply":  # a previewed file is kept for the HR user who previewed it
                org = org_b if role == "other_owner" else org_a
                user = next(u for u in auth.users_of(db, org) if u.role == "owner")
                csv = b"name,email\nAn,an@example.test\n"
                data = {"staged": staged_imports.stage(db, org, user.id, csv, "people.csv", utcnow())}
            if rule.path == "/hr/passkeys" and role != "anonymous":  # an answer to this browser's own challenge
                key = SoftAuthenticator(relying_party(app.state.settings.base_url).origin)
                offered = (
                    browsers[role]
                    .client.post(
                        "/hr/passkeys/options",
                        headers={"Origin": "http://testserver", "X-CSRF-Token": browsers[role].csrf()},
                    )
                    .json()
                )
                data = {"name": f"{role} laptop", "credential": key.create(offered)}
            if rule.path == "/hr/settings/sso":  # a domain leads to one organisation: each its own
                data = FORMS[rule.path] | {"domains": f"{role.replace('_', '-')}.example.test"}
            res = _send(browsers[role], rule.method, path, data)
            _check(rule.outcome(role), res, f"{rule.method} {path} as {role}: {res.status_code}")
            checked += 1
    assert checked >= len(MATRIX)


def test_analysts_read_but_change_nothing(app: Any, bank: Bank) -> None:
    db = app.state.db
    org, _ = make_org(app)
    invited = auth.invite(db, org, "ana@acme.test", "analyst", utcnow(), by="test")
    auth.set_password(db, invited.token, PASSWORD, utcnow())
    cohort = cohort_with_people(app, bank, org, 6)
    analyst = signed_in(app, "ana@acme.test")
    for path in (f"/hr/cohorts/{cohort}", f"/hr/cohorts/{cohort}/export.csv", "/hr/dashboard", "/hr"):
        assert analyst.get(path).status_code == 200, path
    before = hr.cohorts_of(db, org)
    (row,) = before
    invitation = row.invitations[0].id
    assert analyst.post("/hr/cohorts", {"name": "Mine"}).status_code == 403
    assert analyst.post(f"/hr/cohorts/{cohort}/invitations").status_code == 403
    assert analyst.post(f"/hr/invitations/{invitation}/revoke").status_code == 403
    assert analyst.post("/hr/users", {"email": "x@acme.test", "role": "owner"}).status_code == 403
    after = hr.cohorts_of(db, org)
    assert [c.cohort.id for c in after] == [cohort]
    assert len(after[0].invitations) == len(row.invitations)
    assert all(i.revoked_at is None for i in after[0].invitations)
    assert len(auth.users_of(db, org)) == 2
    # the page shows no button the analyst cannot use
    page = analyst.get("/hr").text
    assert 'action="/hr/cohorts"' not in page
