"""Calibration recovers the loadings a simulation planted, writes a versioned file, counts changed calls."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import yaml

from analytics import Response, Simulation, minimum, simulate_people
from analytics.calibration import CalibrationError, calibrate, call_changes, params_path, write_params
from analytics.simulate import ATTENTIVE_ONLY
from scoring import params_from_dict, score
from scoring.model import Answers, Bank


@pytest.fixture(scope="module")
def attentive(bank: Bank) -> Simulation:
    return simulate_people(bank, 2000, seed=11, styles=ATTENTIVE_ONLY, unfinished_share=0, retake_share=0)


def test_recovers_generating_loadings_at_n_2000(bank: Bank, attentive: Simulation) -> None:
    params = calibrate(bank, attentive.responses(), today=date(2026, 12, 1))
    assert params["n"] == 2000 and params["read_by_engine"] is True
    est, truth = [], []
    for dim in params["dimensions"].values():
        for item_id, fig in dim["items"].items():
            est.append(fig["loading"])
            truth.append(attentive.truth.standardised_loading(item_id))
            assert fig["information"] == pytest.approx(fig["loading"] ** 2 / fig["uniqueness"], abs=0.01)
    assert len(est) == sum(1 for i in bank.orientation_items if i.kind in ("likert", "paired"))
    assert np.corrcoef(est, truth)[0, 1] >= 0.9
    # the calibrated loadings keep the engine's scale: mean a of a dimension is 1
    for dim in params["dimensions"].values():
        assert np.mean([f["a"] for f in dim["items"].values()]) == pytest.approx(1.0, abs=0.01)


def test_refuses_below_the_minimum(bank: Bank, attentive: Simulation) -> None:
    rows = attentive.responses()[: minimum.CALIBRATION - 1]
    with pytest.raises(CalibrationError, match=f"needs {minimum.CALIBRATION}"):
        calibrate(bank, rows)
    other = [Response(**{**r.__dict__, "bank_version": "0.9.0"}) for r in attentive.responses()]
    with pytest.raises(CalibrationError):
        calibrate(bank, other)  # answers to another bank version do not calibrate this one


def test_parameter_file_next_to_the_bank(bank: Bank, attentive: Simulation, tmp_path: Path) -> None:
    params = calibrate(bank, attentive.responses(), today=date(2026, 12, 1))
    path = write_params(params_path(tmp_path, params), params)
    assert path == tmp_path / "params" / f"{bank.version}-2026-12-01.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# rolefit item calibration")
    assert yaml.safe_load(text) == params


def test_call_changes(bank: Bank, attentive: Simulation) -> None:
    rows = attentive.responses()
    params = calibrate(bank, rows)
    identity = copy.deepcopy(params)
    for dim in identity["dimensions"].values():
        for fig in dim["items"].values():
            fig["a"], fig["error_sd"] = 1.0, bank.scoring.item_error_sd
    assert call_changes(bank, rows, identity)["changed_by_calibration"] == 0
    out = call_changes(bank, rows, params)
    assert out["results"] == 2000
    assert out["changed_by_calibration"] == sum(out["moves"].values())
    assert 0 < out["changed_share"] < 0.25
    stored = [Response(**{**r.__dict__, "stored_call": "AM"}) for r in rows]
    marked = call_changes(bank, stored, params)
    assert marked["with_stored_snapshot"] == 2000
    assert 0 < marked["differ_from_stored_snapshot"] < 2000


def test_what_if_is_the_engine_with_the_parameter_file(bank: Bank, attentive: Simulation) -> None:
    """The counted calls are the engine's own: stored calls made by ``scoring.score`` differ in none."""
    rows = attentive.responses()[:300]
    params = calibrate(bank, attentive.responses())
    engine_params = params_from_dict(params, bank)
    calls = [
        score(bank, Answers(r.lang, r.current_role, dict(r.values), timings_ms=dict(r.times_ms)), engine_params)
        for r in rows
    ]
    assert {c.params_version for c in calls} == {f"{bank.version}-{params['calibrated_on']}"}
    stored = [Response(**{**r.__dict__, "stored_call": c.recommendation}) for r, c in zip(rows, calls, strict=True)]
    out = call_changes(bank, stored, params)
    assert out["with_stored_snapshot"] == 300 and out["differ_from_stored_snapshot"] == 0
