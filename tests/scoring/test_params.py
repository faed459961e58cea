"""Calibrated parameter files: checked against the bank, used by the engine, named in the result."""

from __future__ import annotations

from typing import Any

import pytest

from scoring import ParamsError, params_from_dict, score
from scoring.model import Answers, Bank, Params
from scoring.serialize import result_from_dict, result_to_dict
from tests.conftest import pattern


def file_for(bank: Bank, a: float = 1.0, error_sd: float | None = None) -> dict[str, Any]:
    """A parameter file in the shape ``rolefit calibrate`` writes, every statement and pair at ``a``."""
    sd = bank.scoring.item_error_sd if error_sd is None else error_sd
    dims: dict[str, Any] = {d.id: {"n": 500, "items": {}} for d in bank.dimensions}
    for item in bank.orientation_items:
        if item.kind in ("likert", "paired"):
            assert item.dimension is not None
            dims[item.dimension]["items"][item.id] = {"loading": 0.6, "a": a, "error_sd": sd}
    return {"bank_version": bank.version, "calibrated_on": "2026-12-01", "n": 500, "dimensions": dims}


def answers(values: dict[str, Any]) -> Answers:
    return Answers(lang="en", current_role="other", values=values)


def test_the_default_weights_as_a_file_change_nothing_but_the_named_version(bank: Bank) -> None:
    params = params_from_dict(file_for(bank), bank)
    assert params.version == f"{bank.version}-2026-12-01"
    middle = answers({i.id: 3 for i in bank.orientation_items if i.kind == "likert"})
    for given in (pattern(bank, "am"), pattern(bank, "pm"), middle):
        plain = score(bank, given)
        calibrated = score(bank, given, params)
        assert calibrated.params_version == params.version and plain.params_version is None
        assert calibrated.recommendation == plain.recommendation
        assert calibrated.overall == pytest.approx(plain.overall)
        assert calibrated.fit is not None and plain.fit is not None
        assert calibrated.fit.statistic == pytest.approx(plain.fit.statistic)


def test_a_stronger_item_outweighs_a_weaker_one(bank: Bank) -> None:
    values = {"lk_scope_am_1": 5, "lk_scope_pm_1": 5}  # opposite statements, both agreed with
    assert score(bank, answers(values)).dimension("scope").score == pytest.approx(0.0)
    data = file_for(bank)
    data["dimensions"]["scope"]["items"]["lk_scope_am_1"]["a"] = 2.0
    strong_am = score(bank, answers(values), params_from_dict(data, bank))
    assert strong_am.dimension("scope").score > 10
    data["dimensions"]["scope"]["items"]["lk_scope_am_1"]["a"] = 1.0
    data["dimensions"]["scope"]["items"]["lk_scope_pm_1"]["error_sd"] = 2 * bank.scoring.item_error_sd
    noisy_pm = score(bank, answers(values), params_from_dict(data, bank))
    assert noisy_pm.dimension("scope").score > 10  # the noisier PM statement counts less


def test_the_version_survives_a_stored_snapshot(bank: Bank) -> None:
    data = {**file_for(bank), "version": "cal-7"}
    result = score(bank, pattern(bank, "am"), params_from_dict(data, bank))
    assert result_from_dict(result_to_dict(result)).params_version == "cal-7"
    old = result_to_dict(score(bank, pattern(bank, "am")))
    del old["params_version"]  # a snapshot stored before parameter files existed
    assert result_from_dict(old).params_version is None


def test_parameters_of_another_bank_cannot_score(bank: Bank) -> None:
    other = Params(version="x", bank_version="0.0.1", items={})
    with pytest.raises(ValueError, match="cannot score bank"):
        score(bank, answers({}), other)


def _broken(bank: Bank, change: str) -> Any:
    data = file_for(bank)
    scope = data["dimensions"]["scope"]["items"]
    first = next(iter(scope))
    if change == "not a mapping":
        return ["bank_version"]
    if change == "other bank":
        data["bank_version"] = "0.0.1"
    elif change == "no dimensions":
        data["dimensions"] = {}
    elif change == "dimension without items":
        data["dimensions"]["scope"] = {"n": 3}
    elif change == "unknown item":
        scope["no_such_item"] = {"a": 1.0, "error_sd": 1.0}
    elif change == "situation":
        sj = next(i for i in bank.orientation_items if i.kind == "situational")
        scope[sj.id] = {"a": 1.0, "error_sd": 1.0}
    elif change == "other dimension":
        data["dimensions"]["career"]["items"][first] = scope[first]
    elif change == "item not a mapping":
        scope[first] = 1.0
    elif change == "text loading":
        scope[first]["a"] = "high"
    elif change == "boolean loading":
        scope[first]["a"] = True
    elif change == "infinite error":
        scope[first]["error_sd"] = float("inf")
    elif change == "zero error":
        scope[first]["error_sd"] = 0.0
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("not a mapping", "a parameter file is a mapping"),
        ("other bank", "the parameters are for bank '0.0.1'"),
        ("no dimensions", "no dimensions"),
        ("dimension without items", "dimension 'scope': no items"),
        ("unknown item", "no_such_item: no such item"),
        ("situation", "not a statement or pair of dimension scope"),
        ("other dimension", "not a statement or pair of dimension career"),
        ("item not a mapping", "expected a and error_sd"),
        ("text loading", "expected a finite number, got 'high'"),
        ("boolean loading", "expected a finite number, got True"),
        ("infinite error", "expected a finite number, got inf"),
        ("zero error", "error_sd: must be positive"),
    ],
)
def test_a_broken_file_says_what_is_wrong(bank: Bank, change: str, message: str) -> None:
    with pytest.raises(ParamsError, match=message):
        params_from_dict(_broken(bank, change), bank)
