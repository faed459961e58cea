"""The psychometrics page: the CLI stores the report, the page shows the newest of the owner's own
organisation, in three languages; another organisation sees none of it (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from app.cli import cli
from app.config import Settings, get_settings
from app.models import PsychometricsReport
from scoring.model import Bank
from tests.app.test_hr import cohort_with_people, make_org, signed_in


def psychometrics(*args: str) -> Any:
    return CliRunner().invoke(cli, ["psychometrics", "--boot", "20", *args])


def stored_reports(app: Any) -> int:
    with app.state.db.read() as session:
        return int(session.execute(select(func.count()).select_from(PsychometricsReport)).scalar_one())


@pytest.fixture
def cli_db(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("ROLEFIT_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_owner_sees_only_their_organisations_stored_report(app: Any, bank: Bank, cli_db: None) -> None:
    acme, acme_owner = make_org(app, "Acme", "owner@acme.test")
    beta, beta_owner = make_org(app, "Beta", "owner@beta.test")
    cohort_with_people(app, bank, acme, 40)
    cohort_with_people(app, bank, beta, 25)
    a, b = signed_in(app, acme_owner), signed_in(app, beta_owner)
    assert "No report has been computed" in a.get("/hr/psychometrics").text

    res = psychometrics("--save", "--org", acme, "--format", "json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["filters"]["org"] == acme
    assert psychometrics("--save").exit_code == 0  # the whole installation's report, for the operator
    assert stored_reports(app) == 2

    page = a.get("/hr/psychometrics")
    assert page.status_code == 200
    assert "from 40 assessments of your organisation" in page.text
    assert "Not enough data" in page.text  # 40 people: reliability and DIF stay suppressed
    assert "Of these, from the full form: 40; from the adaptive short form: 0." in page.text  # apart (issue 20)
    assert "65" not in page.text.split("<main")[-1].split("Computed on")[1][:80]
    other = b.get("/hr/psychometrics").text
    assert "No report has been computed" in other and "40 assessments" not in other

    # a new report replaces the shown one; an unknown organisation stores nothing
    cohort_with_people(app, bank, acme, 5)
    assert psychometrics("--save", "--org", acme).exit_code == 0
    assert "from 45 assessments" in a.get("/hr/psychometrics").text
    refused = psychometrics("--save", "--org", "no-such-org")
    assert refused.exit_code == 2 and "no organisation 'no-such-org'" in refused.output
    assert stored_reports(app) == 3


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("lang", "heading", "computed"),
    [
        ("en", "Psychometrics: evidence from your organisation", "Computed on"),
        ("zh-Hans", "心理测量：来自贵组织作答的证据", "计算于"),
        ("vi", "Đo lường tâm lý: bằng chứng từ câu trả lời của tổ chức bạn", "Được tính vào"),
    ],
)
def test_the_page_in_three_languages(
    app: Any, bank: Bank, cli_db: None, lang: str, heading: str, computed: str
) -> None:
    acme, owner = make_org(app)
    cohort_with_people(app, bank, acme, 30)
    assert psychometrics("--save", "--org", acme).exit_code == 0
    a = signed_in(app, owner)
    a.client.headers["accept-language"] = lang
    text = a.get("/hr/psychometrics").text
    assert heading in text and computed in text
