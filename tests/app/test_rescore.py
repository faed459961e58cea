"""`rolefit rescore` on a seeded demo dataset: every earlier snapshot kept and still rendered as it was scored,
the result page, PDF and API name the parameter file (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from typer.testing import CliRunner

import analytics.minimum
from app.cli import cli
from app.config import Settings, get_settings
from app.db import Database
from app.models import NormPoint, ResultHistory, ResultSnapshot
from app.services import norms, quiz, results
from app.services.rescore import as_snapshot, history
from scoring import SCORING_VERSION
from scoring.model import Bank
from tests.app.conftest import Browser
from tests.app.test_api import body
from tests.app.test_pdf import poppler
from tests.app.test_quiz import answer_all, start
from tests.conftest import BankCopy

PEOPLE, SEED = 120, 5


@pytest.fixture
def demo_db(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("ROLEFIT_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    res = CliRunner().invoke(cli, ["demo", "--people", str(PEOPLE), "--seed", str(SEED)])
    assert res.exit_code == 0, res.output
    db = Database(settings.database_url)
    yield db
    db.dispose()
    get_settings.cache_clear()


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def count(db: Database, model: Any) -> int:
    with db.read() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def snapshots(db: Database) -> dict[str, ResultSnapshot]:
    with db.read() as session:
        return {s.assessment_id: s for s in session.execute(select(ResultSnapshot)).scalars()}


def calibrated(bank_copy: BankCopy, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(analytics.minimum, "CALIBRATION", 60)  # the statistics are tested at n = 2,000
    res = run("calibrate", "--path", str(bank_copy.root))
    assert res.exit_code == 0, res.output
    (written,) = (bank_copy.root / "params").glob("*.yaml")
    return written


def test_rescore_keeps_every_snapshot_and_counts_changed_calls(
    demo_db: Database, bank: Bank, bank_copy: BankCopy, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = demo_db
    params_file = calibrated(bank_copy, monkeypatch)
    version = params_file.stem
    before = snapshots(db)
    finished = len(before)
    assert finished > 60 and count(db, ResultHistory) == 0
    # one result as an older engine stored it: another call and version
    old_id = sorted(before)[0]
    old_data = {**before[old_id].data, "recommendation": "AM", "scoring_version": "1.2.0", "p_am": 0.97}
    with db.write() as session:
        session.execute(
            update(ResultSnapshot)
            .where(ResultSnapshot.assessment_id == old_id)  # type: ignore[arg-type]
            .values(scoring_version="1.2.0", data=old_data)
        )

    # the installed engine's defaults: only the 1.2.0 snapshot is re-scored
    res = run("rescore", "--to", SCORING_VERSION)
    assert res.exit_code == 0, res.output
    assert f"re-scored 1 of {finished} stored results" in res.output
    assert f"{finished - 1} were already scored so" in res.output
    (kept,) = history(db, old_id)
    assert (kept.scoring_version, kept.params_version, kept.data) == ("1.2.0", None, old_data)
    new = snapshots(db)[old_id]
    assert new.scoring_version == SCORING_VERSION and new.data == before[old_id].data
    changed = 0 if before[old_id].data["recommendation"] == "AM" else 1
    assert f"{changed} of 1 changed their call" in res.output

    # with the calibrated parameter file: every result again, each earlier snapshot kept (7 per transaction)
    res = run(
        "rescore", "--to", SCORING_VERSION, "--params", str(params_file), "--path", str(bank_copy.root), "--batch", "7"
    )
    assert res.exit_code == 0, res.output
    assert f"re-scored {finished} of {finished} stored results" in res.output
    assert f"with parameters {version}" in res.output
    after = snapshots(db)
    assert {s.params_version for s in after.values()} == {version}
    assert all(s.data["params_version"] == version for s in after.values())
    moved = sum(after[a].data["recommendation"] != before[a].data["recommendation"] for a in after)
    assert f"{moved} of {finished} changed their call" in res.output  # against the snapshot each replaced
    assert count(db, ResultHistory) == finished + 1
    assert all(s.data["form"] == "full" for s in after.values())  # the form a result came from stays with it
    # the comparison counts (result page) follow the new scores: each result's buckets are its new ones
    with db.read() as session:
        points = {(p.assessment_id, p.dimension): p.bucket for p in session.exec(select(NormPoint)).scalars()}
    for aid, snap in list(after.items())[:20]:
        for d in snap.data["dimensions"]:
            if d["sufficient"] and snap.data["recommendation"] != "NOCALL":
                assert points[(aid, d["id"])] == norms.bucket_of(d["score"]), (aid, d["id"])
    assert [h.scoring_version for h in history(db, old_id)] == ["1.2.0", SCORING_VERSION]
    # the 2.0.0 snapshots kept are the ones the demo stored, byte for byte
    for aid in sorted(before)[1:6]:
        (h,) = history(db, aid)
        assert h.data == before[aid].data and h.params_version is None

    # the kept 1.2.0 snapshot still renders as it was scored
    page = results.build(bank, as_snapshot(history(db, old_id)[0]), {}, lang="en", current_role="pm")
    assert (page.recommendation, page.scoring_version, page.params_version) == ("AM", "1.2.0", None)
    assert page.p_am == pytest.approx(0.97)

    # a second run changes nothing
    res = run("rescore", "--to", SCORING_VERSION, "--params", str(params_file), "--path", str(bank_copy.root))
    assert f"re-scored 0 of {finished} stored results" in res.output
    assert count(db, ResultHistory) == finished + 1

    # deleting an assessment erases its history too
    assert quiz.delete_assessment(db, old_id)
    assert history(db, old_id) == []


def test_rescore_refuses_what_it_cannot_do_and_changes_nothing(
    demo_db: Database, bank: Bank, bank_copy: BankCopy, tmp_path: Path
) -> None:
    db = demo_db
    before = snapshots(db)
    res = run("rescore", "--to", "9.9.9")
    assert res.exit_code == 2 and f"only the installed scoring engine can re-score: {SCORING_VERSION}" in res.output
    broken = tmp_path / "params.yaml"
    broken.write_text(yaml.safe_dump({"bank_version": "0.0.1", "dimensions": {}}), encoding="utf-8")
    res = run("rescore", "--to", SCORING_VERSION, "--params", str(broken))
    assert res.exit_code == 2 and "the parameters are for bank '0.0.1'" in res.output
    broken.write_text("dimensions: [", encoding="utf-8")
    assert run("rescore", "--to", SCORING_VERSION, "--params", str(broken)).exit_code == 2
    assert count(db, ResultHistory) == 0
    assert {a: s.data for a, s in snapshots(db).items()} == {a: s.data for a, s in before.items()}


def test_result_page_pdf_and_api_name_the_parameter_file(
    app: Any, bank: Bank, bank_copy: BankCopy, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    version = f"{bank.version}-2026-12-01"
    b = Browser(app)
    start(b)
    answer_all(b, bank, "am")
    url = b.post("/quiz/finish").headers["location"]
    assert "defaults (not calibrated)" in b.get(url).text
    api = TestClient(app, base_url="http://testserver")
    created = api.post("/api/v1/assessments", json=body(bank, "pm")).json()
    assert created["result"]["params_version"] is None

    params_file = bank_copy.root / "params" / f"{version}.yaml"
    params_file.parent.mkdir()
    dims: dict[str, Any] = {d.id: {"items": {}} for d in bank.dimensions}
    for item in bank.orientation_items:
        if item.kind in ("likert", "paired") and item.dimension is not None:
            dims[item.dimension]["items"][item.id] = {"a": 1.2, "error_sd": bank.scoring.item_error_sd}
    data = {"bank_version": bank.version, "calibrated_on": "2026-12-01", "dimensions": dims}
    params_file.write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.setenv("ROLEFIT_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    res = run("rescore", "--to", SCORING_VERSION, "--params", str(params_file), "--path", str(bank_copy.root))
    get_settings.cache_clear()
    assert res.exit_code == 0 and "re-scored 2 of 2" in res.output, res.output

    page = b.get(url).text
    assert f"calibrated parameters {version}" in page and f"scoring {SCORING_VERSION}" in page
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b.get(url + "/report.pdf").content)
    text = " ".join(poppler("pdftotext", pdf).split())
    assert f"calibrated parameters {version}" in text
    got = api.get(f"/api/v1/assessments/{created['id']}", headers={"Authorization": f"Bearer {created['owner_token']}"})
    assert got.json()["result"]["params_version"] == version
    assert got.json()["result"]["scoring_version"] == SCORING_VERSION
