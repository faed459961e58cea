"""The decision rule: clear AM / PM only beyond the band and with high probability."""

from __future__ import annotations

from dataclasses import replace

import pytest

from scoring.fit import decide, normal_cdf
from scoring.model import Bank, DimensionScore


def dims(bank: Bank, score: float, se: float) -> list[DimensionScore]:
    return [DimensionScore(d.id, score, se, 8, 8, True, ()) for d in bank.dimensions]


def test_normal_cdf() -> None:
    assert normal_cdf(0) == 0.5
    assert normal_cdf(1.959964) == pytest.approx(0.975, abs=1e-6)
    assert normal_cdf(-1.959964) == pytest.approx(0.025, abs=1e-6)


@pytest.mark.parametrize(
    ("score", "se", "expected", "lean"),
    [
        (60, 15, "AM", "am"),
        (-60, 15, "PM", "pm"),
        (15, 5, "HYBRID", "am"),  # certain about the side, but inside the hybrid band
        (-15, 5, "HYBRID", "pm"),
        (30, 60, "HYBRID", "am"),  # beyond the band but too uncertain
        (0, 15, "HYBRID", None),
    ],
)
def test_decision(bank: Bank, score: float, se: float, expected: str, lean: str | None) -> None:
    overall, overall_se, p_am, rec, got_lean = decide(bank, dims(bank, score, se))
    assert overall == pytest.approx(score)
    assert overall_se == pytest.approx(se / len(bank.dimensions) ** 0.5)
    assert rec == expected and got_lean == lean
    assert (p_am > 0.5) == (score > 0) or score == 0


def test_weights_are_normalised(bank: Bank) -> None:
    heavy = replace(bank, dimensions=tuple(replace(d, weight=3.0 if d.id == "scope" else 1.0) for d in bank.dimensions))
    scores = [DimensionScore(d.id, 80.0 if d.id == "scope" else 0.0, 10.0, 8, 8, True, ()) for d in heavy.dimensions]
    overall = decide(heavy, scores)[0]
    assert overall == pytest.approx(80 * 3 / 8)
