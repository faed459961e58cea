"""Live scoring uses the active calibrated parameter file (quiz, API, rescore), read once per process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.services import params as live
from scoring import ParamsError
from scoring.model import Bank
from tests.app.conftest import Browser
from tests.app.test_api import body
from tests.app.test_quiz import answer_all, start
from tests.conftest import BankCopy


def write_params(bank: Bank, folder: Path, version: str, bank_version: str | None = None) -> Path:
    dims: dict[str, Any] = {d.id: {"items": {}} for d in bank.dimensions}
    for item in bank.orientation_items:
        if item.kind in ("likert", "paired") and item.dimension is not None:
            dims[item.dimension]["items"][item.id] = {"a": 1.3, "error_sd": bank.scoring.item_error_sd}
    data = {"bank_version": bank_version or bank.version, "calibrated_on": "2026-12-02", "dimensions": dims}
    folder.mkdir(exist_ok=True)
    path = folder / f"{version}.yaml"
    path.write_text(yaml.safe_dump({"version": version, **data}), encoding="utf-8")
    return path


def test_the_active_file_scores_the_quiz_and_the_api(settings: Settings, bank: Bank, bank_copy: BankCopy) -> None:
    folder = bank_copy.root / "params"
    file = write_params(bank, folder, "live-1")
    assert live.activate(bank_copy.root, file, bank).version == "live-1"
    assert (folder / "ACTIVE").read_text(encoding="utf-8").strip() == "live-1.yaml"
    app = create_app(settings.model_copy(update={"bank_path": bank_copy.root}))
    try:
        assert app.state.params is not None and app.state.params.version == "live-1"
        b = Browser(app)
        start(b)
        answer_all(b, bank, "am")
        url = b.post("/quiz/finish").headers["location"]
        assert "calibrated parameters live-1" in b.get(url).text
        api = TestClient(app, base_url="http://testserver")
        created = api.post("/api/v1/assessments", json=body(bank, "pm")).json()
        assert created["result"]["params_version"] == "live-1"
        step = api.post(
            f"/api/v1/assessments/{created['id']}/finish",
            headers={"Authorization": f"Bearer {created['owner_token']}"},
        ).json()
        assert step["result"]["params_version"] == "live-1"
        # read once per process: a new pointer is not picked up by a running app
        (folder / "ACTIVE").write_text("", encoding="utf-8")
        again = api.post("/api/v1/assessments", json=body(bank, "am")).json()
        assert again["result"]["params_version"] == "live-1"
    finally:
        app.state.db.dispose()


def test_without_a_pointer_the_defaults_score(settings: Settings, bank: Bank, bank_copy: BankCopy) -> None:
    app = create_app(settings.model_copy(update={"bank_path": bank_copy.root}))
    try:
        assert app.state.params is None
        created = TestClient(app).post("/api/v1/assessments", json=body(bank, "am")).json()
        assert created["result"]["params_version"] is None
    finally:
        app.state.db.dispose()


def test_a_pointer_to_another_bank_version_is_ignored_a_configured_one_refused(
    settings: Settings, bank: Bank, bank_copy: BankCopy, caplog: pytest.LogCaptureFixture
) -> None:
    folder = bank_copy.root / "params"
    old = write_params(bank, folder, "old", bank_version="1.1.0")
    (folder / "ACTIVE").write_text(old.name, encoding="utf-8")
    assert live.active_params(bank_copy.root, bank) is None
    assert "is for bank 1.1.0" in caplog.text
    with pytest.raises(ParamsError, match=r"1\.1\.0"):
        live.active_params(bank_copy.root, bank, configured=old)
    with pytest.raises(ParamsError, match=r"1\.1\.0"):
        live.activate(bank_copy.root, old, bank)
    (folder / "ACTIVE").write_text("../elsewhere.yaml", encoding="utf-8")
    with pytest.raises(ParamsError, match="not a path"):
        live.active_params(bank_copy.root, bank)
    configured = write_params(bank, folder, "configured")
    assert live.active_params(bank_copy.root, bank, configured=configured) is not None
