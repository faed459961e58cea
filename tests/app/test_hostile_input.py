"""Hostile input, generated from the app's route table: every parameter of every route gets a fixed set of
hostile values for its kind, with a real session and CSRF token so that the values reach the handler.

Asserted on SQLite and PostgreSQL: no answer >= 500; a value that the boundary must refuse (control
characters, invalid UTF-8, too long, and for numbers and dates anything but a number or date in range)
gets a 4xx and changes no row in any table. The counts tried / failed are printed and kept as a property.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from annotated_types import MaxLen
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import text, update
from sqlmodel import SQLModel, col

from app import auth
from app.inputs import clean_text
from app.models import Assessment, CheckinMailSent, HrPasskey, MailToken, utcnow
from app.security import CSRF_FIELD
from app.services import api_tokens, hr, invitations, manager_view, operators, people, progress, quiz, sharing, webhooks
from app.tokens import hash_token, new_public_id, new_token
from app.web import QUIZ_COOKIE, QuizCookie
from scoring.model import Bank
from scoring.serialize import result_from_dict
from tests.app.conftest import Browser
from tests.conftest import pattern

try:  # FastAPI >= 0.130 keeps included routers as branches of the route table
    from fastapi.routing import iter_route_contexts
except ImportError:  # pragma: no cover - older FastAPI: the table is flat
    iter_route_contexts = None

PASSWORD = "correct horse battery staple"

# refused for every string parameter, wherever it is (path, query, form): 4xx and nothing stored
UNIVERSAL: dict[str, bytes] = {
    "nul": b"a\x00b",
    "bell": b"\x07",
    "escape": b"\x1b[2J",
    "newline_in_line": b"a\nb",
    "del": b"\x7f",
    "c1": "\x85".encode(),
    "invalid_utf8": b"\xff\xfe",
    "surrogate_utf8": b"\xed\xa0\x80",
    "overlong_utf8": b"\xc0\xaf",
}
# wrong kinds of value: never a 5xx; refused (4xx, nothing stored) where the parameter is a number or a date
CONFUSION: dict[str, str] = {
    "superscript_two": "²",
    "arabic_indic_three": "٣",
    "fullwidth_seven": "７",
    "huge": "9" * 30,
    "negative": "-1",
    "zero": "0",
    "float": "1.5",
    "exponent": "1e999",
    "nan": "NaN",
    "date_overflow": "9999-12-32",
    "date_max": "9999-12-31",
    "date_zero": "0000-00-00",
    "json_like": "[]",
    "bool": "true",
    "unicode_text": "Trần 中文",
    "markup": "<script>alert(1)</script>",
    "sql": "' OR 1=1 --",
    "empty": "",
}
PDF_CONFUSION = ("superscript_two", "date_overflow", "huge", "unicode_text")  # a PDF each: a few, not all
NUMERIC = {"days", "max_participants", "value", "number", "expires_in_days"}
DATES = {"closes_on", "from", "to"}
# JSON bodies: refused everywhere (bad encoding, depth, numbers, characters)
JSON_UNIVERSAL: dict[str, bytes] = {
    "nul_string": b'"a\\u0000b"',
    "lone_surrogate": b'"\\ud800"',
    "bell_string": b'"\\u0007"',
    "digits_5000": b"9" * 5000,
    "int_31_digits": b"1" + b"0" * 30,
    "float_overflow": b"1e999",
    "nan": b"NaN",
    "minus_infinity": b"-Infinity",
    "deep_20000": b"[" * 20000,
    "invalid_utf8": b'"\xff"',
    "huge_string": b'"' + b"x" * 70_000 + b'"',
}
JSON_CONFUSION: dict[str, Any] = {
    "negative": -1,
    "zero": 0,
    "float": 1.5,
    "big": 2**40,
    "superscript_two": "²",
    "digit_string": "7",
    "true": True,
    "null": None,
    "list": [],
    "object": {},
    "nested_20": json.loads("[" * 20 + "]" * 20),
    "date_overflow": "9999-12-32",
    "unicode_text": "Trần 中文",
}
# routes whose handler ends something: their tolerated values run last (the world is gone after the first)
ENDING = ("/delete", "/withdraw/", "/revoke", "/logout", "/finish", "/set-password/", "DELETE ", "/remove",
          "/deactivate", "/archive", "/close")  # fmt: skip
# parameters read from the request by hand (not declared): sent to the routes that read them
READ_BY_HAND = {
    "/result/{assessment_id}": ["plan"],
    "/result/{assessment_id}/report.pdf": ["plan"],
    "/hr/login": ["next"],
    "/hr/cohorts/{cohort_id}": ["from", "to", "department", "level", "role"],
    "/hr/dashboard": ["from", "to", "department", "level", "role"],
    "/hr/cohorts/{cohort_id}/report.pdf": ["from", "to", "role"],
    "/hr/sso/callback": ["state", "code", "error"],
}
# a plain Starlette route (the quiz's hot path) declares nothing: its form, by hand
STARLETTE_FORMS = {("POST", "/quiz/{number:int}"): {"item_id": 48, "value": 16}}
BASE_404 = {("POST", "/resume")}  # the base request's empty resume code names no assessment
SKIP = {"/api/v1/openapi.json", "/api/docs", "/docs/oauth2-redirect"}


@dataclass
class Param:
    name: str
    where: str  # path, query, form, json
    max_length: int | None = None  # None: bounded only by the guard (4,096-byte query, 64 KiB body)
    multiline: bool = False  # a textarea: tab and line breaks are text there


@dataclass
class Target:
    method: str
    path: str  # template, e.g. /result/{assessment_id}
    params: list[Param] = field(default_factory=list)
    csrf: bool = False

    @property
    def ending(self) -> bool:
        return any(mark in f"{self.method} {self.path}" for mark in ENDING)


def _dependants(dependant: Any) -> Iterator[Any]:
    yield dependant
    for inner in dependant.dependencies:
        yield from _dependants(inner)


def _max_length(model_field: Any) -> int | None:
    return next((m.max_length for m in model_field.field_info.metadata if isinstance(m, MaxLen)), None)


def _multiline(model_field: Any) -> bool:
    return any(getattr(m, "func", None) is clean_text for m in model_field.field_info.metadata)


def route_table(app: Any) -> list[Target]:
    """Every route with every parameter it reads, from the app's own table (and the OpenAPI bodies)."""
    contexts = list(iter_route_contexts(app.routes)) if iter_route_contexts else list(app.routes)
    targets: list[Target] = []
    for context in contexts:
        route = getattr(context, "original_route", context)
        path = context.path
        if path in SKIP:
            continue
        if not isinstance(route, APIRoute):
            for method in sorted(getattr(context, "methods", None) or {"GET"}):
                if method == "HEAD":
                    continue
                params = [Param(n, "path") for n in _path_names(path)]
                for name, limit in STARLETTE_FORMS.get((method, path), {}).items():
                    params.append(Param(name, "form", limit))
                if method == "POST":  # it checks the CSRF token itself
                    params.append(Param(CSRF_FIELD, "form", 100))
                targets.append(Target(method, path, params, csrf=method == "POST"))
            continue
        dependants = list(_dependants(context.dependant))
        params = [Param(p.alias, "path") for d in dependants for p in d.path_params]
        params += [Param(p.alias, "query", _max_length(p)) for d in dependants for p in d.query_params]
        params += [Param(p.alias, "form", _max_length(p), _multiline(p)) for d in dependants for p in d.body_params]
        if "GET" in route.methods:
            params += [Param(n, "query") for n in READ_BY_HAND.get(path, [])]
        extra = (route.openapi_extra or {}).get("requestBody", {})
        schema = extra.get("content", {}).get("application/json", {}).get("schema", {})
        params += [Param(n, "json") for n in schema.get("properties", {})]
        if not path.startswith("/api/") and not any(p.name == "lang" for p in params):
            params.append(Param("lang", "query"))  # the Language middleware reads it everywhere
        csrf = any(getattr(d.call, "__name__", "") == "check_csrf" for d in dependants)
        if csrf:
            params.append(Param(CSRF_FIELD, "form", 100))
        for method in sorted(route.methods - {"HEAD"}):
            targets.append(Target(method, path, params, csrf))
    return targets


def _path_names(path: str) -> list[str]:
    return [part[1:-1].split(":")[0] for part in path.split("/") if part.startswith("{")]


# --- the world: an HR owner, a finished assessment in a cohort, an in-progress one, API objects ------


@dataclass
class World:
    owner: dict[str, str]  # cookies: HR session, CSRF, quiz cookie of a finished assessment in a cohort
    taker: dict[str, str]  # cookies: CSRF, quiz cookie of an assessment with no answer yet
    ids: dict[str, str]
    api_token: str
    item_id: str


def build_world(app: Any, bank: Bank) -> World:
    db, now = app.state.db, utcnow()
    org, invited = auth.create_org(db, "Acme", "owner@acme.test", now)
    auth.set_password(db, invited.token, PASSWORD, now)
    operators.grant(db, "owner@acme.test")  # the owner is also the operator: the /ops pages are walked too
    cohort, invitation = hr.create_cohort(db, org.id, name="Spring", departments=["Sales"], levels=["Junior"], now=now)
    owner = Browser(app)
    assert owner.post("/hr/login", {"email": "owner@acme.test", "password": PASSWORD}).status_code == 303
    joined = owner.post(
        f"/join/{invitation.token}",
        {"consent": "yes", "visibility": "identified", "display_name": "Lan", "department": "Sales",
         "level": "Junior", "lang": "en", "current_role": "pm"},
    )  # fmt: skip
    assert joined.status_code == 303, joined.text[:300]
    cookie = QuizCookie.decode(owner.client.cookies.get(QUIZ_COOKIE))
    assert cookie is not None
    assessment = quiz.get(db, cookie.assessment_id)
    assert assessment is not None
    for item_id, value in pattern(bank, "am", skills=3).values.items():
        quiz.save_answer(db, bank, assessment, item_id, value)
    quiz.finish(db, bank, assessment)
    # the finished assessment is a retake of an earlier result (the "which result counts" route acts on it)
    earlier, _ = quiz.create_scored(db, bank, {"lang": "en", "current_role": "pm", "answers": {}})
    with db.write() as session:
        session.execute(
            update(Assessment)
            .where(col(Assessment.id) == assessment.id)
            .values(previous_assessment_id=earlier.assessment.id)
        )
    share = sharing.create(db, assessment.id, "full", 7, now)
    rating = manager_view.create(
        db, assessment.id, label="Hoa", person_name="Lan", lang="en", scope="none", days=14, now=now
    )
    second = hr.new_invitation(db, org.id, cohort.id, now)
    analyst = auth.invite(db, org.id, "analyst@acme.test", "analyst", now, by=auth.users_of(db, org.id)[0].id)
    taker = Browser(app)
    assert taker.post("/start", {"lang": "en", "current_role": "pm"}).status_code == 303
    api = Browser(app).client
    created = api.post("/api/v1/assessments", json={"lang": "en", "current_role": "pm"}).json()
    api_share = api.post(
        f"/api/v1/assessments/{created['id']}/shares", headers={"Authorization": f"Bearer {created['owner_token']}"}
    ).json()
    first_item = quiz.question_order(bank)[0]
    person = {"name": "Minh", "email": "minh@acme.test", "lang": "vi"}
    people.add_person(db, org.id, person, now)
    invitations.create_links(db, org.id, cohort.id, auth.users_of(db, org.id)[0].id, now, "http://testserver/")
    personal = invitations.status(db, org.id, cohort.id, now)[0]
    stop_token = new_token()
    with db.write() as session:
        session.add(MailToken(token_hash=hash_token(stop_token), personal_invitation_id=personal.id, purpose="stop"))
    checkin_stop_token = new_token()  # a check-in reminder that was mailed (its stop link)
    with db.write() as session:
        session.add(CheckinMailSent(assessment_id=assessment.id, phase="30d", stop_hash=hash_token(checkin_stop_token)))
    hr_token = api_tokens.create(db, org.id, "test", "sync", "write", 30, now)  # for /api/v1/hr/...
    target = "https://93.184.215.14/h"  # a public address: no name to resolve
    hook = webhooks.subscribe(db, org.id, "test", target, ["cohort.closed"], now, allow_private=False)
    with db.write() as session:
        webhooks.emit(session, org.id, "cohort.closed", {"cohort_id": cohort.id})
    # a passkey of the owner's (added after their sign-in, which it would otherwise turn into two steps)
    owner_id = next(u.id for u in auth.users_of(db, org.id) if u.role == "owner")
    passkey = HrPasskey(id=new_public_id(), user_id=owner_id, credential_id="AAAA", public_key=b"k", name="laptop")
    with db.write() as session:
        session.add(passkey)
    return World(
        owner=dict(owner.client.cookies.items()),
        taker=dict(taker.client.cookies.items()),
        ids={
            "assessment_id": assessment.id,
            "share_id": share.link.id,
            "cohort_id": cohort.id,
            "invitation_id": second.invitation.id,
            "participation_id": hr.memberships(db, assessment.id)[0].participation.id,
            "personal_id": personal.id,
            "share_token": share.token,
            "rating_id": rating.rating.id,
            "manager_token": rating.token,
            "join_token": second.token,
            "password_token": analyst.token,
            "user_id": analyst.user.id,
            "stop_token": stop_token,
            "checkin_stop_token": checkin_stop_token,
            "api_assessment_id": created["id"],
            "api_share_id": api_share["id"],
            "number": "1",
            "item_id": first_item,
            "token_id": hr_token.row.id,
            "webhook_id": hook.webhook.id,
            "delivery_id": webhooks.deliveries(db, org.id)[0].id,
            "hr_api_token": hr_token.token,
            "action_id": _first_action(app, bank, assessment.id),
            "phase": "30d",
            "passkey_id": passkey.id,
        },
        api_token=created["owner_token"],
        item_id=first_item,
    )


def _first_action(app: Any, bank: Bank, assessment_id: str) -> str:
    """An action of the owner's plan (they may tick it)."""
    snapshot = quiz.result_of(app.state.db, assessment_id)
    assert snapshot is not None
    return sorted(progress.plan_actions(bank, result_from_dict(snapshot.data), "pm"))[0]


FORM_BASE = {
    "lang": "en", "current_role": "pm", "years_experience": "", "consent": "yes", "visibility": "aggregate",
    "display_name": "", "department": "Sales", "level": "Junior", "scope": "full", "days": "7", "name": "Autumn",
    "departments": "", "levels": "", "closes_on": "", "max_participants": "", "email": "new@acme.test",
    "role": "analyst", "password": PASSWORD, "confirm": PASSWORD, "code": "", "next": "/", "value": "3", "form": "full",
    "account": "Client Lead", "account_short": "CL", "delivery": "Delivery Lead", "delivery_short": "DL",
    "manager_email": "", "content": "name,email\nBa,ba@acme.test\n", "file": "", "filename": "people.csv",
    "label": "Sales, March",
    "org": "", "secret": "JBSWY3DPEHPK3PXP", "require_mfa": "", "identified_days": "365", "aggregate_days": "",
    "staged": "", "on": "yes",
    "sso": "ana@acme.test", "issuer": "https://idp.acme.test", "client_id": "rolefit", "client_secret": "s3cret",
    "domains": "acme.test", "default_role": "analyst", "create_users": "", "required": "",
    "url": "https://93.184.215.14/hook", "events": "cohort.closed",
    "counts": "this",
    "done": "1", "note": "", "plan": "",
    "credential": "",
}  # fmt: skip
JSON_BASE = {"lang": "en", "current_role": "pm", "years_experience": None, "answers": {}, "value": 3,
             "scope": "full", "expires_in_days": 7, "form": "full",
             # the HR API's bodies (cohorts, invitations, people)
             "name": "Autumn", "departments": ["Sales"], "levels": [], "closes_at": None, "max_participants": None,
             "label": "March", "email": "api@acme.test", "department": None, "level": None,
             "manager_email": None}  # fmt: skip


def _path_value(world: World, target: Target, name: str) -> str:
    api = target.path.startswith("/api/")
    if name == "token":
        prefix = target.path.split("/")[1]
        kinds = {
            "s": "share_token",
            "join": "join_token",
            "hr": "password_token",
            "stop": "stop_token",
            "m": "manager_token",
            "checkin-stop": "checkin_stop_token",
        }
        return world.ids[kinds[prefix]]
    if api and name in ("assessment_id", "share_id"):
        return world.ids[f"api_{name}"]
    return world.ids[name]


def _encode(value: bytes | str) -> str:
    return quote(value if isinstance(value, bytes) else value.encode(), safe="")


def send(client: Any, world: World, target: Target, hostile: Param | None, value: bytes | str | Any) -> Any:
    """The target's request with valid values everywhere but ``hostile``, which gets ``value``."""
    taker = target.path.startswith("/quiz")  # the quiz routes act on the assessment in progress
    client.cookies.clear()
    for name, cookie in (world.taker if taker else world.owner).items():
        client.cookies.set(name, cookie)
    path = target.path
    for param in target.params:
        if param.where == "path":
            given = value if param is hostile else _path_value(world, target, param.name)
            path = path.replace("{" + param.name + "}", _encode(given)).replace(
                "{" + param.name + ":int}", _encode(given)
            )
    query = "&".join(f"{p.name}={_encode(value)}" for p in target.params if p.where == "query" and p is hostile)
    headers = {"Origin": "http://testserver"}
    if path.startswith("/api/"):
        token = world.ids["hr_api_token"] if path.startswith("/api/v1/hr/") else world.api_token
        headers["Authorization"] = f"Bearer {token}"
    content: bytes | None = None
    json_params = [p for p in target.params if p.where == "json"]
    form_params = [p for p in target.params if p.where == "form"]
    if json_params:
        parts = []
        for p in json_params:
            raw = value if p is hostile and isinstance(value, bytes) else None
            fragment = raw if raw is not None else json.dumps(value if p is hostile else JSON_BASE[p.name]).encode()
            parts.append(json.dumps(p.name).encode() + b": " + fragment)
        content = b"{" + b", ".join(parts) + b"}"
        headers["Content-Type"] = "application/json"
    elif form_params or target.csrf:
        fields = []
        for p in form_params:
            if p is hostile:
                given: bytes | str = value
            elif p.name == CSRF_FIELD:
                given = client.cookies.get("rolefit_csrf") or ""
            elif p.name == "item_id":
                given = world.item_id
            else:
                given = FORM_BASE.get(p.name, "")
            fields.append(f"{quote(p.name)}={_encode(given)}")
        content = "&".join(fields).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    url = path + ("?" + query if query else "")
    return client.request(target.method, url, content=content, headers=headers)


def fingerprint(app: Any, without: tuple[str, ...] = ()) -> tuple[int, ...]:
    tables = [t.name for t in SQLModel.metadata.sorted_tables if t.name not in without]
    sql = "SELECT " + ", ".join(f'(SELECT count(*) FROM "{t}")' for t in tables)
    with app.state.db.engine.connect() as conn:
        return tuple(conn.execute(text(sql)).one())


@dataclass
class Case:
    target: Target
    param: Param
    label: str
    value: Any
    must_refuse: bool


def cases(targets: list[Target]) -> list[Case]:
    out: list[Case] = []
    for target in targets:
        for param in target.params:
            if param.where == "json":
                values: dict[str, Any] = dict(JSON_UNIVERSAL)
                refuse = set(values)
                values |= {f"json_{k}": v for k, v in JSON_CONFUSION.items()}
            else:
                values = dict(UNIVERSAL) | {"too_long": "x" * ((param.max_length or 4999) + 1)}
                if param.multiline:
                    del values["newline_in_line"]
                refuse = set(values)
                values |= CONFUSION if not target.path.endswith(".pdf") else {k: CONFUSION[k] for k in PDF_CONFUSION}
                if param.name in NUMERIC | DATES and target.method != "GET":
                    refuse |= set(CONFUSION) - {"empty"}
            for label, value in values.items():
                out.append(Case(target, param, label, value, label in refuse))
    # routes that end something last; first what must be refused (the world intact), then what is tolerated
    return sorted(out, key=lambda c: (c.target.ending, not c.must_refuse))


def test_hostile_values_on_every_route(app: Any, bank: Bank, record_property: Any) -> None:
    world = build_world(app, bank)
    targets = route_table(app)
    paths = {t.path for t in targets}
    assert {"/quiz/{number:int}", "/api/v1/assessments", "/hr/cohorts", "/join/{token}"} <= paths
    client = TestClient(app, base_url="http://testserver", follow_redirects=False, raise_server_exceptions=False)
    # the valid request of each route reaches its handler: not refused by CSRF, the boundary or a wrong id
    for target in targets:
        if not target.ending:
            status = send(client, world, target, None, None).status_code
            expected_404 = (target.method, target.path) in BASE_404
            assert status < 400 or (status == 404) == expected_404 or status == 422, (target, status)
            assert status not in (400, 403, 405, 413, 414, 415), (target.method, target.path, status)
    failures: list[str] = []
    tried = 0
    before = fingerprint(app)
    for case in cases(targets):
        tried += 1
        res = send(client, world, case.target, case.param, case.value)
        after = fingerprint(app)
        where = f"{case.target.method} {case.target.path} {case.param.where}:{case.param.name}={case.label}"
        if res.status_code >= 500:
            failures.append(f"{where}: {res.status_code}")
        elif case.must_refuse and not 400 <= res.status_code < 500:
            failures.append(f"{where}: {res.status_code}, not refused")
        elif case.must_refuse and after != before:
            failures.append(f"{where}: {res.status_code}, but rows changed {before} -> {after}")
        before = after
    summary = f"hostile input: {tried} tried, {len(failures)} failed, {len(targets)} routes"
    print(summary)
    record_property("hostile_input", summary)
    assert not failures, summary + "\n" + "\n".join(failures[:60])


# --- the probes of issue 16, one by one: each gave 500 before the input boundary -------------------

PROBES = [
    # (name, method, path template, form or JSON body or None, databases where it failed)
    ("quiz value ²", "POST", "/quiz/1", {"item_id": "{item}", "value": "²"}),
    ("share days ²", "POST", "/result/{assessment_id}/shares", {"scope": "full", "days": "²"}),
    ("cohort max_participants ²", "POST", "/hr/cohorts", {"name": "X", "max_participants": "²"}),
    ("cohort closes_on 9999-12-31", "POST", "/hr/cohorts", {"name": "X", "closes_on": "9999-12-31"}),
    ("cohort page ?to=9999-12-31", "GET", "/hr/cohorts/{cohort_id}?to=9999-12-31", None),
    ("dashboard ?to=9999-12-31", "GET", "/hr/dashboard?to=9999-12-31", None),
    ("team PDF ?to=9999-12-31", "GET", "/hr/cohorts/{cohort_id}/report.pdf?to=9999-12-31", None),
    ("JSON 20,000 nested [", "POST", "/api/v1/assessments", b"[" * 20000),
    ("JSON 5,000-digit number", "POST", "/api/v1/assessments", b'{"lang": "en", "current_role": ' + b"9" * 5000 + b"}"),
    ("join display name with NUL", "POST", "/join/{join_token}",
     {"consent": "yes", "visibility": "identified", "display_name": "Lan\x00", "lang": "en", "current_role": "pm",
      "department": "Sales", "level": "Junior"}),
    ("login e-mail with NUL", "POST", "/hr/login", {"email": "owner@acme.test\x00", "password": PASSWORD}),
    ("API path with NUL", "PUT", "/api/v1/assessments/abc%00/answers/x", b'{"value": 3}'),
]  # fmt: skip


def test_issue_16_probes_are_refused(app: Any, bank: Bank) -> None:
    world = build_world(app, bank)
    client = TestClient(app, base_url="http://testserver", follow_redirects=False, raise_server_exceptions=False)
    failed = []
    for name, method, template, body in PROBES:
        taker = template.startswith("/quiz")
        client.cookies.clear()
        for key, value in (world.taker if taker else world.owner).items():
            client.cookies.set(key, value)
        url = template.format(item=world.item_id, **world.ids)
        headers = {"Origin": "http://testserver"}
        if url.startswith("/api/"):
            headers["Authorization"] = f"Bearer {world.api_token}"
        before = fingerprint(app)
        if isinstance(body, dict):
            fields = {k: v.format(item=world.item_id) for k, v in body.items()}
            fields[CSRF_FIELD] = client.cookies.get("rolefit_csrf") or ""
            res = client.request(method, url, data=fields, headers=headers)
        else:
            res = client.request(method, url, content=body, headers=headers)
        if not 400 <= res.status_code < 500 or fingerprint(app) != before:
            failed.append(f"{name}: {res.status_code}")
    print(f"issue 16 probes: {len(PROBES)} tried, {len(failed)} failed")
    assert not failed


# --- hostile files on the import routes: the preview (multipart upload) and its confirmation (a staged id) -----

HEAD = b"name,email,department\n"
# (file bytes, the message the HR user must see): file-level refusals answer 422, row errors show in the preview
FILES: dict[str, tuple[bytes, str]] = {
    "invalid_utf8": (HEAD + b"\xff\xfe,bad@acme.test,Sales\n", "unreadable"),
    "overlong_utf8": (HEAD + b"\xc0\xaf,bad@acme.test,Sales\n", "unreadable"),
    "nul": (HEAD + b"A\x00B,nul@acme.test,Sales\n", "control_characters"),
    "escape_in_email": (HEAD + b"Esc,a\x1b[2J@acme.test,Sales\n", "control_characters"),
    "c1_in_department": (HEAD + "C1,c1@acme.test,Sa\x85les\n".encode(), "control_characters"),
    "bom_then_nul": (b"\xef\xbb\xbf" + HEAD + b"Bom\x00,bom@acme.test,Sales\n", "control_characters"),
    "huge_cell": (HEAD + b"x" * 200_000 + b",huge@acme.test,Sales\n", "unreadable"),
    "long_cell": (HEAD + b"x" * 5_000 + b",long@acme.test,Sales\n", "too_long"),
    "long_unread_cell": (b"name,email,notes\nLong,long@acme.test," + b"y" * 5_000 + b"\n", "too_long"),
    "formula": (HEAD + b'=HYPERLINK("http://evil.test"),formula@acme.test,Sales\n', "formula"),
    "formula_at": (HEAD + b"Ann,ann@acme.test,@SUM(A1)\n", "formula"),
    "rows_20001": (HEAD + b"".join(b"P%d,p%d@acme.test,Sales\n" % (i, i) for i in range(20_001)), "too_many_rows"),
    "columns_60": (HEAD.rstrip(b"\n") + b"".join(b",c%d" % i for i in range(57)) + b"\nA,a@acme.test\n",
                   "too_many_columns"),
    "not_xlsx": (b"PK\x03\x04" + b"\x00" * 100, "unreadable"),
    "empty": (b"", "no_header"),
}  # fmt: skip


def people_rows(app: Any) -> tuple[int, ...]:
    return fingerprint(app, without=("staged_import",))  # a previewed file is kept until confirmed


def test_hostile_files_on_the_import_routes(app: Any, bank: Bank, record_property: Any) -> None:
    """Each hostile file: no 5xx, the reason in the HR user's words, and nothing stored by the confirmation
    (a previewed file with per-row errors is kept as staged, by design; the people tables are unchanged)."""
    world = build_world(app, bank)
    client = TestClient(app, base_url="http://testserver", follow_redirects=False, raise_server_exceptions=False)
    for name, cookie in world.owner.items():
        client.cookies.set(name, cookie)
    headers = {"Origin": "http://testserver"}
    csrf = {CSRF_FIELD: client.cookies.get("rolefit_csrf") or ""}
    # the base: a valid CSV upload is previewed (nothing stored), then imported
    valid = HEAD + b"Ba,ba@acme.test,Sales\n"
    before = people_rows(app)
    res = client.post(
        "/hr/people/import", data=csrf, files={"file": ("people.csv", valid, "text/csv")}, headers=headers
    )
    # nothing stored but the previewed file itself (kept for its confirmation)
    unchanged = people_rows(app) == before
    assert res.status_code == 200 and "ba@acme.test" in res.text and unchanged, res.text[:300]
    staged = res.text.split('name="staged" value="')[1].split('"')[0]
    applied = client.post("/hr/people/import/apply", data=csrf | {"staged": staged}, headers=headers)
    assert applied.status_code == 303 and applied.headers["location"] == "/hr/people?imported=1"
    failures: list[str] = []
    tried = 0
    for label, (data, code) in FILES.items():
        for lang in ("en", "vi"):
            expected = people.describe(people.PeopleError(code), lang).split(": ")[-1]
            before = people_rows(app)
            tried += 1
            res = client.post(f"/hr/people/import?lang={lang}", data=csrf,
                              files={"file": ("people.csv", data, "text/csv")}, headers=headers)  # fmt: skip
            if res.status_code >= 500 or expected not in res.text or people_rows(app) != before:
                failures.append(
                    f"preview {label} {lang}: {res.status_code}, {expected!r} shown: {expected in res.text}"
                )
            tried += 1
            # a refused file is never staged: its confirmation can only name an unknown or used id
            res = client.post(f"/hr/people/import/apply?lang={lang}", data=csrf | {"staged": staged}, headers=headers)
            stored = people_rows(app) != before
            if res.status_code >= 500 or stored or not (400 <= res.status_code < 500 or res.status_code == 303):
                failures.append(f"apply {label} {lang}: {res.status_code}, rows changed: {stored}")
    summary = f"hostile files: {tried} tried, {len(failures)} failed"
    print(summary)
    record_property("hostile_files", summary)
    assert not failures, summary + "\n" + "\n".join(failures)
