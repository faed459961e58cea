"""Dimension scores -> overall orientation, P(AM) and the AM / PM / HYBRID recommendation.

With normalised dimension weights ``w_d`` (``sum w_d = 1``):

    O    = sum_d w_d * D_d
    SE_O = sqrt(sum_d w_d^2 * SE_d^2)          (posterior errors taken as independent)
    P(AM) = Phi(O / SE_O)                       probability the true orientation is > 0

Recommendation, with band ``h`` and decision probability ``q`` from the bank:

- ``AM``  when ``O >= h`` and ``P(AM) >= q``
- ``PM``  when ``O <= -h`` and ``P(AM) <= 1 - q``
- ``HYBRID`` otherwise, leaning to the side of ``O`` (no lean when ``O == 0``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from scoring.model import Bank, DimensionScore, Recommendation, TrackId


def normal_cdf(z: float) -> float:
    """Standard normal CDF ``Phi(z) = (1 + erf(z / sqrt 2)) / 2``."""
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def decide(
    bank: Bank, dimensions: Sequence[DimensionScore]
) -> tuple[float, float, float, Recommendation, TrackId | None]:
    """Return ``(O, SE_O, P(AM), recommendation, lean)``."""
    weights = {d.id: d.weight for d in bank.dimensions}
    total = sum(weights.values())
    overall = sum(weights[d.id] / total * d.score for d in dimensions)
    overall_se = math.sqrt(sum((weights[d.id] / total) ** 2 * d.se**2 for d in dimensions))
    p_am = normal_cdf(overall / overall_se)
    band, q = bank.scoring.hybrid_band, bank.scoring.decision_probability
    recommendation: Recommendation
    if overall >= band and p_am >= q:
        recommendation = "AM"
    elif overall <= -band and p_am <= 1.0 - q:
        recommendation = "PM"
    else:
        recommendation = "HYBRID"
    lean: TrackId | None = "am" if overall > 0 else "pm" if overall < 0 else None
    return overall, overall_se, p_am, recommendation, lean
