"""The evidence loop on a real database: `rolefit demo --people` stores it, the loader reads it back,
`rolefit psychometrics` and `rolefit calibrate` run on it (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import statistics
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

import analytics.minimum
from analytics import simulate_people
from app.cli import cli
from app.config import Settings, get_settings
from app.db import Database
from app.services.evidence import stored_responses
from app.services.quiz import question_order
from scoring.model import Bank
from tests.conftest import BankCopy

PEOPLE, SEED = 120, 3


@pytest.fixture
def demo_db(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("ROLEFIT_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    res = CliRunner().invoke(cli, ["demo", "--people", str(PEOPLE), "--seed", str(SEED)])
    assert res.exit_code == 0, res.output
    db = Database(settings.database_url)
    yield db, res.output
    db.dispose()
    get_settings.cache_clear()


def test_demo_people_are_read_back_as_simulated(bank: Bank, demo_db: Any) -> None:
    db, output = demo_db
    sim = simulate_people(bank, PEOPLE, SEED, order=question_order(bank))
    rows = stored_responses(db)
    assert f"{len(sim.people)} assessments" in output
    assert len(rows) == len(sim.people)
    # the same answers, languages, roles and finished state, person by person
    key = lambda lang, role, finished, values: (lang, role, finished, tuple(sorted(values.items())))  # noqa: E731
    assert Counter(key(r.lang, r.current_role, r.finished, r.values) for r in rows) == Counter(
        key(p.lang, p.role, p.finished, p.values) for p in sim.people
    )
    assert sum(not r.finished for r in rows) == sum(not p.finished for p in sim.people) > 0
    assert all(r.stored_call in ("AM", "PM", "HYBRID", "NOCALL") for r in rows if r.finished)
    assert all(r.stored_call is None for r in rows if not r.finished)
    # answer times come back from answered_at (to the millisecond)
    simulated = sorted(ms for p in sim.people for ms in p.times_ms.values())
    loaded = sorted(ms for r in rows for ms in r.times_ms.values())
    assert len(loaded) == len(simulated)
    assert max(abs(a - b) for a, b in zip(loaded, simulated, strict=True)) < 1.0
    assert 3000 < statistics.median(loaded) < 8000
    # a retake carries its first take's person key and comes later
    by_id = {r.assessment_id: r for r in rows}
    retakes = [r for r in rows if r.person != r.assessment_id]
    assert len(retakes) == sum(p.take == 2 for p in sim.people) > 0
    for r in retakes:
        first = by_id[r.person]
        assert first.person == first.assessment_id and first.lang == r.lang
        assert r.taken_at is not None and first.taken_at is not None and r.taken_at > first.taken_at
    # filters
    assert {r.lang for r in stored_responses(db, lang="vi")} == {"vi"}
    assert stored_responses(db, bank_version="0.0.1") == []


def test_psychometrics_command(demo_db: Any) -> None:
    res = CliRunner().invoke(cli, ["psychometrics", "--format", "json", "--boot", "20"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    (version,) = report["versions"]
    assert [g["lang"] for g in version["groups"]] == ["all", "en", "zh-Hans", "vi"]
    everyone = version["groups"][0]
    assert everyone["usage"]["started"] == version["n"]
    assert 0.8 < everyone["usage"]["completion_rate"] < 1
    # 120 people: nothing reaches the reliability minimum of 100 complete answer sets per language,
    # and no figure is shown as a number where it does not
    for group in version["groups"][1:]:
        for fig in group["reliability"].values():
            assert fig["status"] == "not_enough_data" and "alpha" not in fig
        assert group["retest"]["status"] == "not_enough_data"
    assert version["dif"]["status"] == "not_enough_data"
    table = CliRunner().invoke(cli, ["psychometrics", "--lang", "zh-Hans", "--boot", "20"])
    assert table.exit_code == 0, table.output
    assert "language: zh-Hans" in table.output and "language: en" not in table.output
    assert "not enough data" in table.output
    other = CliRunner().invoke(cli, ["psychometrics", "--org", "no-such-org", "--format", "json"])
    assert other.exit_code == 0 and json.loads(other.output)["versions"] == []
    assert "no stored responses match" in CliRunner().invoke(cli, ["psychometrics", "--org", "no-such-org"]).output
    html = CliRunner().invoke(cli, ["psychometrics", "--format", "html", "--ui-lang", "vi", "--boot", "20"])
    assert html.exit_code == 0, html.output
    assert '<html lang="vi">' in html.output and "Chưa đủ dữ liệu" in html.output
    assert CliRunner().invoke(cli, ["psychometrics", "--format", "html", "--ui-lang", "fr"]).exit_code == 2
    assert CliRunner().invoke(cli, ["psychometrics", "--lang", "fr"]).exit_code == 2
    assert CliRunner().invoke(cli, ["psychometrics", "--format", "xml"]).exit_code == 2


def test_calibrate_command(demo_db: Any, bank_copy: BankCopy, monkeypatch: pytest.MonkeyPatch) -> None:
    refused = CliRunner().invoke(cli, ["calibrate", "--path", str(bank_copy.root)])
    assert refused.exit_code == 1
    assert f"needs {analytics.minimum.CALIBRATION} finished" in refused.output
    assert not (bank_copy.root / "params").exists()
    # the statistics are tested at n = 2,000 in tests/analytics; here the command's wiring, on fewer people
    monkeypatch.setattr(analytics.minimum, "CALIBRATION", 60)
    res = CliRunner().invoke(cli, ["calibrate", "--path", str(bank_copy.root)])
    assert res.exit_code == 0, res.output
    assert "stored results would change their call" in res.output
    (written,) = (bank_copy.root / "params").glob("*.yaml")
    params = yaml.safe_load(written.read_text(encoding="utf-8"))
    assert written.name == f"{params['bank_version']}-{params['calibrated_on']}.yaml"
    assert params["read_by_engine"] is True
    assert len(params["dimensions"]) == 6
    dry = CliRunner().invoke(cli, ["calibrate", "--dry-run", "--path", str(bank_copy.root)])
    assert dry.exit_code == 0 and "wrote" not in dry.output
    assert len(list(Path(bank_copy.root / "params").glob("*.yaml"))) == 1


def test_loader_scopes_by_organisation_and_skips_idle_gaps(bank: Bank, settings: Settings) -> None:
    from app.models import utcnow
    from app.services.demo import DemoPerson, create_demo
    from tests.conftest import pattern

    values = dict(pattern(bank, "am").values)
    times = dict.fromkeys(values, 4000.0)
    idle_item = next(iter(values))
    times[idle_item] = 2 * 3600 * 1000.0  # walked away for two hours before the first answer
    mine = [
        DemoPerson(0, 1, "vi", "am", values, times, True, 30),
        DemoPerson(0, 2, "vi", "am", values, dict.fromkeys(values, 3000.0), True, 2),
        DemoPerson(1, 1, "en", "pm", values, times, False, 10),
    ]
    theirs = [DemoPerson(0, 1, "en", "pm", values, times, True, 5)]
    db = Database(settings.database_url)
    ours = create_demo(db, bank, now=utcnow(), people=mine)
    create_demo(db, bank, now=utcnow(), people=theirs)
    assert len(stored_responses(db)) == 4
    rows = stored_responses(db, org_id=ours.org_id)
    assert sorted((r.lang, r.finished) for r in rows) == [("en", False), ("vi", True), ("vi", True)]
    first, retake = sorted((r for r in rows if r.lang == "vi"), key=lambda r: r.taken_at)  # type: ignore[arg-type, return-value]
    assert retake.person == first.person == first.assessment_id  # the retake is in the scope through its first take
    assert idle_item not in first.times_ms and len(first.times_ms) == len(values) - 1
    assert set(first.times_ms.values()) == {4000.0}
    assert set(retake.times_ms.values()) == {3000.0}
    assert first.stored_call == "AM"
    db.dispose()
