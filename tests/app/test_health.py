"""/healthz on a real database, and when the database is gone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from scoring import SCORING_VERSION
from scoring.model import Bank


def test_healthz_reports_versions_and_database(app: Any, bank: Bank) -> None:
    res = TestClient(app).get("/healthz")
    assert res.status_code == 200
    assert res.json() == {
        "status": "ok",
        "bank_version": bank.version,
        "scoring_version": SCORING_VERSION,
        "database": "ok",
    }
    assert res.headers["cache-control"] == "no-store"


def test_healthz_says_when_the_database_is_down(tmp_path: Path) -> None:
    # a folder where the database file should be: SQLite cannot open it
    res = TestClient(create_app(Settings(database_url=f"sqlite:///{tmp_path}"))).get("/healthz")
    assert res.status_code == 503
    assert res.json()["database"] == "unavailable"
