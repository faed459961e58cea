"""HR: accounts and sessions, cross-organisation isolation, consent and withdrawal, k<5 suppression,
differencing, exports with hostile names. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import random
import re
from datetime import timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from app import auth
from app.cli import cli
from app.models import utcnow
from app.services import hr, quiz
from app.services.demo import add_simulated
from scoring.model import Bank
from tests.app.conftest import Browser
from tests.conftest import pattern

PASSWORD = "correct horse battery staple"


def make_org(app: Any, name: str = "Acme", email: str = "owner@acme.test") -> tuple[str, str]:
    org, invited = auth.create_org(app.state.db, name, email, utcnow())
    auth.set_password(app.state.db, invited.token, PASSWORD, utcnow())
    return org.id, email


def signed_in(app: Any, email: str, password: str = PASSWORD) -> Browser:
    b = Browser(app)
    res = b.post("/hr/login", {"email": email, "password": password, "next": "/hr"})
    assert res.status_code == 303, res.text[:300]
    return b


def cohort_with_people(app: Any, bank: Bank, org_id: str, n: int, **kw: Any) -> str:
    cohort, _ = hr.create_cohort(
        app.state.db,
        org_id,
        name="Cohort",
        departments=["Sales", "Delivery"],
        levels=["Junior", "Senior"],
        now=utcnow(),
        **kw,
    )
    add_simulated(app.state.db, bank, org_id, cohort.id, n=n, rng=random.Random(n), now=utcnow())
    return cohort.id


def new_link(b: Browser, path: str, prefix: str) -> str:
    page = b.get(path).text
    found = re.search(
        r'<textarea id="new-[a-z]+-url" readonly[^>]*>http://testserver(' + prefix + r"[^<]+)</textarea>", page
    )
    assert found is not None, "the new link, in full, in a read-only text area"
    return found.group(1)


# --- accounts ------------------------------------------------------------------------------------


def test_org_create_cli_prints_a_one_time_link(app: Any, settings: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("ROLEFIT_DATABASE_URL", settings.database_url)
    from app.config import get_settings

    get_settings.cache_clear()
    res = CliRunner().invoke(cli, ["org", "create", "Globex", "--owner", "Boss@Globex.test"])
    get_settings.cache_clear()
    assert res.exit_code == 0, res.output
    path = res.output.strip().splitlines()[-1].removeprefix("http://127.0.0.1:8000")
    b = Browser(app)
    assert "boss@globex.test" in b.get(path).text
    assert b.post(path, {"password": "short", "confirm": "short"}).status_code == 422
    assert b.post(path, {"password": PASSWORD, "confirm": PASSWORD + "x"}).status_code == 422
    assert b.post(path, {"password": PASSWORD, "confirm": PASSWORD}).status_code == 303
    assert b.get(path).status_code == 404  # one time only
    signed_in(app, "boss@globex.test")
    again = CliRunner().invoke(cli, ["org", "create", "Globex 2", "--owner", "not-an-email"])
    assert again.exit_code == 2


def test_password_is_argon2id(app: Any) -> None:
    org, _ = make_org(app)
    (user,) = auth.users_of(app.state.db, org)
    assert user.password_hash is not None and user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_sessions_expire_and_log_out_everywhere(app: Any) -> None:
    make_org(app)
    b = signed_in(app, "owner@acme.test")
    other = signed_in(app, "owner@acme.test")
    assert b.get("/hr").status_code == 200
    real = app.state.clock
    app.state.clock = lambda: real() + timedelta(minutes=31)  # idle too long
    assert b.get("/hr").status_code == 303
    app.state.clock = real
    assert other.get("/hr").status_code == 200  # each browser has its own session
    c, d = signed_in(app, "owner@acme.test"), signed_in(app, "owner@acme.test")
    step = real()
    for minutes in range(25, 12 * 60, 25):  # active all along, but past the absolute limit of 12 h
        app.state.clock = lambda m=minutes: step + timedelta(minutes=m)
        c.get("/hr")
    app.state.clock = lambda: step + timedelta(hours=12, minutes=5)
    assert c.get("/hr").status_code == 303
    app.state.clock = real
    assert d.get("/hr").status_code == 200
    assert d.post("/hr/logout-everywhere").status_code == 303
    assert d.get("/hr").status_code == 303
    e = signed_in(app, "owner@acme.test")
    assert e.post("/hr/logout").status_code == 303 and e.get("/hr").status_code == 303


def test_hr_cookie_is_host_prefixed_behind_https(app: Any) -> None:
    from fastapi.testclient import TestClient

    make_org(app)
    client = TestClient(app, base_url="https://testserver", follow_redirects=False)
    client.get("/hr/login")
    token = client.cookies.get("rolefit_csrf")
    res = client.post(
        "/hr/login",
        data={"csrf_token": token, "email": "owner@acme.test", "password": PASSWORD},
        headers={"Origin": "https://testserver"},
    )
    cookie = next(h for h in res.headers.get_list("set-cookie") if h.startswith("__Host-rolefit_hr="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "Path=/" in cookie and "Domain" not in cookie


def test_analysts_cannot_manage_users(app: Any) -> None:
    org, _ = make_org(app)
    owner = signed_in(app, "owner@acme.test")
    res = owner.post("/hr/users", {"email": "ana@acme.test", "role": "analyst"})
    assert res.status_code == 200
    start = res.text.index("/hr/set-password/")
    path = res.text[start : res.text.index('"', start)]
    Browser(app).post(path, {"password": PASSWORD, "confirm": PASSWORD})
    analyst = signed_in(app, "ana@acme.test")
    assert analyst.get("/hr").status_code == 200
    assert analyst.get("/hr/users").status_code == 403
    assert analyst.post("/hr/users", {"email": "x@acme.test", "role": "owner"}).status_code == 403
    assert len(auth.users_of(app.state.db, org)) == 2  # nothing was added by the analyst
    assert owner.post("/hr/users", {"email": "ana@acme.test", "role": "analyst"}).status_code == 422


# --- isolation -----------------------------------------------------------------------------------


def test_every_hr_route_is_404_for_another_organisation(app: Any, bank: Bank) -> None:
    org_a, _ = make_org(app, "A", "a@a.test")
    make_org(app, "B", "b@b.test")
    cohort = cohort_with_people(app, bank, org_a, 6)
    invitation = hr.cohorts_of(app.state.db, org_a)[0].invitations[0].id
    intruder = signed_in(app, "b@b.test")
    gets = [
        f"/hr/cohorts/{cohort}",
        f"/hr/cohorts/{cohort}?department=Sales",
        f"/hr/cohorts/{cohort}/export.csv",
        f"/hr/cohorts/{cohort}/export.xlsx",
        f"/hr/cohorts/{cohort}/report.pdf",
    ]
    posts = [f"/hr/cohorts/{cohort}/invitations", f"/hr/invitations/{invitation}/revoke"]
    for path in gets:
        assert intruder.get(path).status_code == 404, path
        assert intruder.get(path, htmx=True).status_code == 404, path
    for path in posts:
        assert intruder.post(path).status_code == 404, path
    # B's own views never count A's people
    assert "6 people" not in intruder.get("/hr/dashboard").text
    assert intruder.get("/hr").text.count("/hr/cohorts/") == 0
    # and the owner of A still sees everything
    owner = signed_in(app, "a@a.test")
    for path in gets:
        assert owner.get(path).status_code == 200, path
    # every HR route answers a stranger who is not signed in with the sign-in page, never data
    stranger = Browser(app)
    for path in [*gets, "/hr", "/hr/dashboard", "/hr/users"]:
        res = stranger.get(path)
        assert res.status_code == 303 and res.headers["location"].startswith("/hr/login"), path


# --- consent, joining, withdrawal ----------------------------------------------------------------


def join_link(app: Any, org_id: str, **kw: Any) -> tuple[str, str]:
    cohort, invitation = hr.create_cohort(app.state.db, org_id, name="Spring", now=utcnow(), **kw)
    return cohort.id, f"/join/{invitation.token}"


def take_part(
    app: Any, bank: Bank, path: str, visibility: str = "identified", name: str = "Lan Tran", **extra: str
) -> Browser:
    b = Browser(app)
    data = {
        "consent": "yes",
        "visibility": visibility,
        "display_name": name,
        "lang": "en",
        "current_role": "pm",
    } | extra
    res = b.post(path, data)
    assert res.status_code == 303 and res.headers["location"] == "/quiz/1", res.text[:500]
    for n, item_id in enumerate(quiz.question_order(bank), start=1):
        b.post(f"/quiz/{n}", {"item_id": item_id, "value": str(pattern(bank, "am", skills=2).values[item_id])})
    b.post("/quiz/finish")
    return b


def test_consent_page_shows_what_hr_sees_before_any_question(app: Any) -> None:
    org, _ = make_org(app)
    _, path = join_link(app, org, departments=["Sales"])
    page = Browser(app).get(path).text
    for phrase in (
        "If you are identified",
        "If you are aggregate-only",
        "never sees your individual answers",
        "withdraw",
    ):
        assert phrase in page
    assert "question" not in page.split("<form")[0].lower() or "Question 1" not in page


def test_no_consent_no_participation(app: Any) -> None:
    org, _ = make_org(app)
    _, path = join_link(app, org)
    b = Browser(app)
    before = quiz.count_rows(app.state.db)
    for data in (
        {"visibility": "identified", "display_name": "X", "current_role": "pm"},  # no consent box
        {"consent": "yes", "visibility": "identified", "display_name": "", "current_role": "pm"},  # identified, no name
        {"consent": "yes", "visibility": "everyone", "current_role": "pm"},
        {"consent": "yes", "visibility": "aggregate", "current_role": "ceo"},
    ):
        assert b.post(path, data).status_code == 422
    assert quiz.count_rows(app.state.db) == before
    assert "No consent, no participation" in b.post(path, {"visibility": "aggregate", "current_role": "pm"}).text


def test_departments_and_levels_are_asked_when_the_cohort_wants_them(app: Any) -> None:
    org, _ = make_org(app)
    _, path = join_link(app, org, departments=["Sales", "Delivery"], levels=["Junior"])
    b = Browser(app)
    base = {"consent": "yes", "visibility": "aggregate", "current_role": "pm"}
    assert b.post(path, base | {"department": "Finance", "level": "Junior"}).status_code == 422
    assert b.post(path, base | {"department": "Sales", "level": "CEO"}).status_code == 422
    assert b.post(path, base | {"department": "Sales", "level": "Junior"}).status_code == 303


def test_max_participants_and_closing_and_revoking(app: Any, bank: Bank) -> None:
    org, _ = make_org(app)
    _, path = join_link(app, org, max_participants=2)
    data = {"consent": "yes", "visibility": "aggregate", "current_role": "pm"}
    assert Browser(app).post(path, data).status_code == 303
    assert Browser(app).post(path, data).status_code == 303
    assert Browser(app).post(path, data).status_code == 404  # full
    assert Browser(app).get(path).status_code == 404
    _, closing = join_link(app, org, closes_at=utcnow() + timedelta(days=2))
    real = app.state.clock
    app.state.clock = lambda: real() + timedelta(days=3)
    assert Browser(app).get(closing).status_code == 404
    app.state.clock = real
    owner = signed_in(app, "owner@acme.test")
    cohort_id, revoked = join_link(app, org)
    inv = next(r for r in hr.cohorts_of(app.state.db, org) if r.cohort.id == cohort_id).invitations[0]
    assert owner.post(f"/hr/invitations/{inv.id}/revoke").status_code == 303
    assert Browser(app).get(revoked).status_code == 404


def test_identified_and_aggregate_and_withdrawal(app: Any, bank: Bank) -> None:
    org, _ = make_org(app)
    cohort, path = join_link(app, org)
    people = [take_part(app, bank, path, "identified", f"Person {i}") for i in range(3)]
    hidden = [take_part(app, bank, path, "aggregate", "Secret Name") for _ in range(3)]
    owner = signed_in(app, "owner@acme.test")
    page = owner.get(f"/hr/cohorts/{cohort}").text
    assert "6 people" in page
    assert "Secret Name" not in page
    rows = list(csv.DictReader(io.StringIO(owner.get(f"/hr/cohorts/{cohort}/export.csv").text.lstrip("\ufeff"))))
    assert sorted(r["Name"] for r in rows) == ["Person 0", "Person 1", "Person 2"]
    # the participant sees the cohort on their result page and withdraws
    result_url = people[0].post("/quiz/finish").headers["location"]
    mine = people[0].get(result_url).text
    assert "Shared with HR" in mine and "Withdraw from this cohort" in mine
    pid = mine.split("/withdraw/")[1].split('"')[0]
    assert hidden[0].post(f"{result_url}/withdraw/{pid}").status_code == 404  # not theirs
    assert people[0].post(f"{result_url}/withdraw/{pid}").status_code == 303
    assert "5 people" in owner.get(f"/hr/cohorts/{cohort}").text
    rows = list(csv.DictReader(io.StringIO(owner.get(f"/hr/cohorts/{cohort}/export.csv").text.lstrip("\ufeff"))))
    assert "Person 0" not in [r["Name"] for r in rows]
    assert people[0].get(result_url).status_code == 200  # their own result stays theirs


# --- suppression and differencing ----------------------------------------------------------------


def test_small_groups_show_fewer_than_5(app: Any, bank: Bank) -> None:
    org, _ = make_org(app)
    cohort = cohort_with_people(app, bank, org, 4)
    owner = signed_in(app, "owner@acme.test")
    page = owner.get(f"/hr/cohorts/{cohort}").text
    assert "describes fewer than 5 people" in page
    board = hr.dashboard(app.state.db, bank, org, cohort, hr.Filters())
    assert board.n is None and board.blocked == "small" and board.distribution == {}


def test_suppression_is_secondary_when_one_cell_could_be_subtracted() -> None:
    assert hr.suppress({"AM": 10, "PM": 9, "HYBRID": 3}) == {"AM": 10, "PM": None, "HYBRID": None}
    assert hr.suppress({"AM": 10, "PM": 9, "HYBRID": 0}) == {"AM": 10, "PM": 9, "HYBRID": None}
    assert hr.suppress({"a": 2, "b": 3, "c": 7}) == {"a": None, "b": None, "c": 7}
    assert hr.suppress({"a": 12, "b": 6}) == {"a": 12, "b": 6}


def test_dashboard_numbers_hide_small_cells(app: Any, bank: Bank) -> None:
    org, _ = make_org(app)
    cohort = cohort_with_people(app, bank, org, 40)
    board = hr.dashboard(app.state.db, bank, org, cohort, hr.Filters())
    assert board.n == 40
    # "not enough answers" is a bucket of its own, or it could be read off the total by subtraction
    assert set(board.distribution) == {"AM", "PM", "HYBRID", "NOCALL"}
    shown = [v for v in board.distribution.values() if v is not None]
    assert all(v >= hr.K for v in shown)
    hidden_total = 40 - sum(shown)
    assert hidden_total == 0 or hidden_total >= hr.K  # nothing recoverable by subtraction
    for group in board.heatmap:
        assert group.count is None or group.count >= hr.K
        if group.count is None:
            assert all(v is None for v in group.means.values())
    for track in ("am", "pm"):
        vals = [v for v in board.bench[track].values() if v is not None]
        assert all(v >= hr.K for v in vals)
    assert all(g.count is None or g.count >= hr.K for g in board.gaps)
    assert board.candidates is None or len(board.candidates) >= hr.K


def test_filters_cannot_be_subtracted_to_reveal_one_person(app: Any, bank: Bank) -> None:
    org, _ = make_org(app)
    cohort = cohort_with_people(app, bank, org, 30)
    # make exactly one Junior in Sales among the Sales people
    with app.state.db.write() as session:
        from sqlmodel import select

        from app.models import Participation

        people = list(session.exec(select(Participation).where(Participation.cohort_id == cohort)))
        # ten in Sales whatever the simulation drew (its draws change with the question bank)
        sales = people[:10]
        for p in people:
            p.department = "Sales" if p in sales else "Delivery"
            session.add(p)
        for p in sales:
            p.level = "Senior"
            session.add(p)
        sales[0].level = "Junior"
        session.add(sales[0])
    n_sales = len(sales)
    assert n_sales - 1 >= hr.K
    everyone = hr.dashboard(app.state.db, bank, org, cohort, hr.Filters(department="Sales"))
    assert everyone.n == n_sales
    seniors = hr.dashboard(app.state.db, bank, org, cohort, hr.Filters(department="Sales", level="Senior"))
    # Sales minus Sales-Senior would be the one Junior: refused
    assert seniors.blocked == "differencing" and seniors.n is None
    owner = signed_in(app, "owner@acme.test")
    page = owner.get(f"/hr/cohorts/{cohort}?department=Sales&level=Senior", htmx=True)
    assert page.status_code == 200 and "could single someone out" in page.text and "<html" not in page.text
    # a date filter that leaves out 1..4 people is refused the same way
    with app.state.db.read() as session:
        dates = sorted(
            p.finished_at for p in session.exec(select(Participation).where(Participation.cohort_id == cohort))
        )
    cut = dates[2] + timedelta(seconds=1)  # leaves out the first three
    late = hr.dashboard(app.state.db, bank, org, cohort, hr.Filters(date_from=cut))
    assert late.blocked == "differencing"


def test_bad_filters_are_refused_clearly(app: Any, bank: Bank) -> None:
    org, _ = make_org(app)
    cohort = cohort_with_people(app, bank, org, 10)
    owner = signed_in(app, "owner@acme.test")
    res = owner.get(f"/hr/cohorts/{cohort}?role=astronaut&from=yesterday")
    assert res.status_code == 422 and "Please choose your current role" in res.text


# --- exports -------------------------------------------------------------------------------------

# a tab or CR at a name's start is refused at the input boundary (tests/app/test_hostile_input.py);
# spreadsheet_safe still neutralises them in older data (tests/app/test_inputs.py)
HOSTILE = ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", "Lan Trần"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_exports_neutralise_formulas(app: Any, bank: Bank) -> None:
    org, _ = make_org(app)
    cohort, path = join_link(app, org)
    for name in HOSTILE:
        take_part(app, bank, path, "identified", name)
    take_part(app, bank, path, "aggregate", "=NEVER")
    owner = signed_in(app, "owner@acme.test")
    res = owner.get(f"/hr/cohorts/{cohort}/export.csv")
    assert res.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(res.text.lstrip("\ufeff"))))
    names = sorted(r["Name"] for r in rows)
    assert "Lan Trần" in names and "=NEVER" not in res.text
    for r in rows:
        assert r["Name"][:1] not in ("=", "+", "-", "@", "\t", "\r"), r["Name"]
    assert "'=HYPERLINK(" in res.text
    xlsx = owner.get(f"/hr/cohorts/{cohort}/export.xlsx")
    book = load_workbook(io.BytesIO(xlsx.content))
    sheet = book.active
    values = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(values) == len(HOSTILE)
    for cell in sheet["A"][1:]:
        assert cell.data_type == "s"
        assert str(cell.value)[:1] not in ("=", "+", "-", "@", "\t", "\r")
    pdf = owner.get(f"/hr/cohorts/{cohort}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_demo_command(app: Any, settings: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("ROLEFIT_DATABASE_URL", settings.database_url)
    from app.config import get_settings

    get_settings.cache_clear()
    res = CliRunner().invoke(cli, ["demo", "--n", "30"])
    get_settings.cache_clear()
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    email = next(x for x in lines if "e-mail:" in x).split()[-1]
    password = next(x for x in lines if "password:" in x).split()[-1]
    dashboard = next(x for x in lines if x.startswith("dashboard:")).split()[-1].removeprefix("http://127.0.0.1:8000")
    b = signed_in(app, email, password)
    assert "30 people" in b.get(dashboard).text
