"""Validation by simulation: the engine recovers known profiles."""

from __future__ import annotations

import random

import pytest

from scoring import score
from scoring.model import Bank
from scoring.simulate import cronbach_alpha, population, respondent, simulate


def test_clear_profiles_are_recovered(bank: Bank) -> None:
    report = simulate(bank, n=1000, seed=7, mix=(0.5, 0.5, 0.0))
    assert report["clear"]["n"] == 1000
    assert report["clear"]["accuracy"] >= 0.95
    assert report["clear"]["wrong_track_rate"] <= 0.01


def test_borderline_profiles_are_mostly_hybrid(bank: Bank) -> None:
    report = simulate(bank, n=400, seed=11, mix=(0.0, 0.0, 1.0))
    assert report["borderline"]["n"] == 400
    assert report["borderline"]["hybrid_rate"] > 0.6


def test_report_has_alpha_for_every_dimension(bank: Bank) -> None:
    report = simulate(bank, n=300, seed=3)
    assert set(report["cronbach_alpha"]) == {d.id for d in bank.dimensions}
    assert all(0.6 < a < 1 for a in report["cronbach_alpha"].values())
    assert 0.8 < report["ci95_coverage"] <= 1


def test_pure_noise_respondents_are_not_called_clear(bank: Bank) -> None:
    rng = random.Random(5)
    calls = [score(bank, respondent(bank, "borderline", rng, noise=1.5).answers).recommendation for _ in range(200)]
    assert calls.count("HYBRID") / len(calls) > 0.5


def test_population_is_reproducible(bank: Bank) -> None:
    a = [r.answers for r in population(bank, 5, seed=9)]
    b = [r.answers for r in population(bank, 5, seed=9)]
    assert a == b


def test_cronbach_alpha_formula() -> None:
    # perfectly parallel items -> alpha 1; too few rows -> nan
    assert cronbach_alpha([[1, 1], [2, 2], [3, 3]]) == pytest.approx(1.0)
    assert cronbach_alpha([[1, 2]]) != cronbach_alpha([[1, 2]])  # nan
    assert cronbach_alpha([[1, 1], [1, 1], [1, 1]]) != cronbach_alpha([[1, 1], [1, 1], [1, 1]])  # zero variance
