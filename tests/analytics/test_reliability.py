"""Alpha, omega and item-rest correlations recover what a simulated factor model planted."""

from __future__ import annotations

import numpy as np

from analytics import Response, minimum
from analytics.data import keyed_matrix
from analytics.reliability import alpha, dimension_reliability, omega
from scoring.model import Bank


def factor_data(loadings: list[float], n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    lam = np.array(loadings)
    theta = rng.normal(size=(n, 1))
    return theta * lam + rng.normal(size=(n, len(lam))) * np.sqrt(1 - lam**2)


def true_omega(loadings: list[float]) -> float:
    lam = np.array(loadings)
    return float(lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum()))


def test_omega_and_alpha_recover_a_congeneric_factor_model() -> None:
    loadings = [0.3, 0.45, 0.55, 0.6, 0.7, 0.8, 0.85]
    x = factor_data(loadings, 3000, seed=1)
    truth = true_omega(loadings)  # 0.84
    assert abs(omega(x) - truth) < 0.02
    # alpha is a lower bound of reliability when loadings differ
    assert truth - 0.05 < alpha(x) < omega(x)
    fig = dimension_reliability([f"i{k}" for k in range(7)], x, boot=100)
    lo, hi = fig["omega"]["ci95"]
    assert lo < truth < hi
    assert hi - lo < 0.05
    # the weakest item has the lowest item-rest correlation
    rest = {k: v["item_rest"] for k, v in fig["items"].items()}
    assert min(rest, key=rest.__getitem__) == "i0"


def test_unreliable_items_give_low_alpha() -> None:
    x = factor_data([0.1] * 7, 2000, seed=2)
    assert alpha(x) < 0.25


def test_simulated_bank_reliability_in_a_realistic_range(bank: Bank, responses: list[Response]) -> None:
    finished = [r for r in responses if r.finished]
    for dim in bank.dimensions:
        ids, x = keyed_matrix(bank, finished, dim.id)
        fig = dimension_reliability(ids, x, boot=50)
        assert 0.6 < fig["alpha"]["value"] <= fig["omega"]["value"] < 0.92, (dim.id, fig)
        assert all(0.1 < v["item_rest"] < 0.8 for v in fig["items"].values())


def test_below_the_minimum_there_is_no_number() -> None:
    x = factor_data([0.7] * 7, minimum.RELIABILITY - 1, seed=3)
    fig = dimension_reliability([f"i{k}" for k in range(7)], x, boot=10)
    assert fig["status"] == "not_enough_data"
    assert fig["needed"] == minimum.RELIABILITY
    assert "alpha" not in fig and "omega" not in fig
    # item-rest has its own, lower minimum
    assert all("item_rest" in v for v in fig["items"].values())
    few = dimension_reliability([f"i{k}" for k in range(7)], x[:3], boot=10)
    assert few["n"] == "<5"
    assert all(v["status"] == "not_enough_data" for v in few["items"].values())
    enough = dimension_reliability([f"i{k}" for k in range(7)], factor_data([0.7] * 7, 100, 4), boot=10)
    assert isinstance(enough["alpha"]["value"], float)


def test_skipped_answers_leave_the_row_out() -> None:
    x = factor_data([0.7] * 5, 120, seed=5)
    x[:30, 2] = np.nan
    fig = dimension_reliability([f"i{k}" for k in range(5)], x, boot=10)
    assert fig["n"] == 90
