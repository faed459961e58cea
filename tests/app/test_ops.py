"""The operator pages: granted only by the CLI, the site-wide report and the manual across organisations;
HR owners and analysts without the grant get 403, visitors the sign-in page (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from app.cli import cli
from scoring.model import Bank
from tests.app.test_hr import cohort_with_people, make_org, signed_in
from tests.app.test_psychometrics_page import cli_db  # noqa: F401 (a fixture)


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def test_only_a_granted_account_reads_the_site_wide_report_and_manual(app: Any, bank: Bank, cli_db: None) -> None:  # noqa: F811
    acme, acme_owner = make_org(app, "Acme", "owner@acme.test")
    beta, beta_owner = make_org(app, "Beta", "owner@beta.test")
    cohort_with_people(app, bank, acme, 30)
    cohort_with_people(app, bank, beta, 20)
    a, b = signed_in(app, acme_owner), signed_in(app, beta_owner)
    assert a.get("/ops/psychometrics").status_code == 403  # an owner is not the operator
    assert run("operator", "grant", "nobody@acme.test").exit_code == 2

    res = run("operator", "grant", "Owner@Acme.test")
    assert res.exit_code == 0 and "granted to 1 HR account" in res.output, res.output
    empty = a.get("/ops/psychometrics")
    assert empty.status_code == 200 and "No site-wide report has been computed yet" in empty.text
    assert run("psychometrics", "--boot", "20", "--save").exit_code == 0
    page = a.get("/ops/psychometrics")
    assert page.status_code == 200
    assert "from 50 assessments of all organisations" in page.text  # both organisations' people
    assert "Not enough data" in page.text  # 50 people: the minimum-n rules still hold
    manual = a.get("/ops/manual")
    assert manual.status_code == 200 and "/static/css/manual.css" in manual.text
    assert b.get("/ops/psychometrics").status_code == 403 and b.get("/ops/manual").status_code == 403

    assert "revoked from 1" in run("operator", "revoke", "owner@acme.test").output
    assert a.get("/ops/psychometrics").status_code == 403


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_signed_out_visitors_go_to_the_sign_in_page(app: Any) -> None:
    from tests.app.conftest import Browser

    res = Browser(app).get("/ops/psychometrics")
    assert res.status_code == 303 and "/hr/login" in res.headers["location"]
