"""The skeleton app: /healthz and the start page on a real SQLite file."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from scoring import SCORING_VERSION
from scoring.model import Bank


def client(tmp_path: Path, url: str | None = None) -> TestClient:
    settings = Settings(database_url=url or f"sqlite:///{tmp_path / 'test.sqlite3'}")
    return TestClient(create_app(settings))


def test_healthz_reports_versions_and_database(tmp_path: Path, bank: Bank) -> None:
    res = client(tmp_path).get("/healthz")
    assert res.status_code == 200
    assert res.json() == {
        "status": "ok",
        "bank_version": bank.version,
        "scoring_version": SCORING_VERSION,
        "database": "ok",
    }
    assert (tmp_path / "test.sqlite3").exists()


def test_healthz_says_when_the_database_is_down(tmp_path: Path) -> None:
    # a folder where the database file should be: SQLite cannot open it
    res = client(tmp_path, f"sqlite:///{tmp_path}").get("/healthz")
    assert res.status_code == 503
    assert res.json()["database"] == "unavailable"


def test_start_page(tmp_path: Path, bank: Bank) -> None:
    res = client(tmp_path).get("/")
    assert res.status_code == 200
    assert "Account Manager or Project Manager?" in res.text
    for dim in bank.dimensions:
        assert dim.name["en"] in res.text
