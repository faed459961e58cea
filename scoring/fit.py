"""Dimension scores -> minimum evidence, overall orientation, P(AM) and the recommendation.

With normalised dimension weights ``w_d`` (``sum w_d = 1``), the dispersion
``phi`` and style term ``s`` of :mod:`scoring.engine`:

    O        = sum_d w_d * D_d
    SE_model = sqrt(sum_d w_d^2 * model_se_d^2)        (posterior errors taken as independent)
    SE_O     = min(100 tau, sqrt(phi * SE_model^2 + (100 s)^2))
    P(AM)    = Phi(O / SE_O)                            probability the true orientation is > 0

The style term ``s = sum_d w_d * s_d`` enters the overall error in full (not
divided over the dimensions): a response style biases every dimension the same way.

Minimum evidence (constants from the bank): a call needs at least
``min_answers`` orientation answers, at least ``min_dimensions`` dimensions
with ``min_answers_per_dimension`` answers and information
``sum I >= min_dimension_information`` each, and ``SE_model <= max_overall_se``.
Below it the recommendation is ``NOCALL``.

Recommendation, with band ``h`` and decision probability ``q`` from the bank:

- ``NOCALL`` when the evidence is not enough (see above);
- ``AM``  when ``O >= h`` and ``P(AM) >= q``;
- ``PM``  when ``O <= -h`` and ``P(AM) <= 1 - q``;
- ``HYBRID`` otherwise. The lean is the side of ``O`` (none when ``O == 0``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from scoring.model import Bank, DimensionScore, Evidence, PersonFit, Recommendation, TrackId


def normal_cdf(z: float) -> float:
    """Standard normal CDF ``Phi(z) = (1 + erf(z / sqrt 2)) / 2``."""
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def _weights(bank: Bank) -> dict[str, float]:
    total = sum(d.weight for d in bank.dimensions)
    return {d.id: d.weight / total for d in bank.dimensions}


def evidence(bank: Bank, dimensions: Sequence[DimensionScore], answered: int) -> Evidence:
    """Apply the minimum-evidence rule; ``answered`` counts the orientation questions answered.

    ``more_answers`` is a lower bound on the answers still needed: the larger of
    the answers missing overall and the answers missing on the short dimensions
    closest to the per-dimension minimum.
    """
    c = bank.scoring
    weights = _weights(bank)
    model_se = math.sqrt(sum(weights[d.id] ** 2 * (d.model_se or d.se) ** 2 for d in dimensions))
    ready = sum(1 for d in dimensions if d.sufficient)
    short = tuple(d.id for d in dimensions if not d.sufficient)
    deficits = sorted(max(1, c.min_answers_per_dimension - d.answered) for d in dimensions if not d.sufficient)
    per_dimension = sum(deficits[: max(0, c.min_dimensions - ready)])
    enough = answered >= c.min_answers and ready >= c.min_dimensions and model_se <= c.max_overall_se
    more = 0 if enough else max(1, c.min_answers - answered, per_dimension)
    return Evidence(
        enough=enough,
        answered=answered,
        min_answers=c.min_answers,
        dimensions_ready=ready,
        min_dimensions=c.min_dimensions,
        overall_model_se=model_se,
        max_overall_se=c.max_overall_se,
        short=short,
        more_answers=more,
    )


def decide(
    bank: Bank,
    dimensions: Sequence[DimensionScore],
    fit: PersonFit | None = None,
    style: float = 0.0,
    enough: Evidence | None = None,
) -> tuple[float, float, float, Recommendation, TrackId | None]:
    """Return ``(O, SE_O, P(AM), recommendation, lean)``.

    Without ``fit`` the dispersion is 1; without ``enough`` the evidence is not checked.
    """
    weights = _weights(bank)
    overall = sum(weights[d.id] * d.score for d in dimensions)
    model_se = math.sqrt(sum(weights[d.id] ** 2 * (d.model_se or d.se) ** 2 for d in dimensions))
    overall_se = min(
        100.0 * bank.scoring.prior_sd, math.sqrt((fit.dispersion if fit else 1.0) * model_se**2 + (100.0 * style) ** 2)
    )
    p_am = normal_cdf(overall / overall_se)
    band, q = bank.scoring.hybrid_band, bank.scoring.decision_probability
    recommendation: Recommendation
    if enough is not None and not enough.enough:
        recommendation = "NOCALL"
    elif overall >= band and p_am >= q:
        recommendation = "AM"
    elif overall <= -band and p_am <= 1.0 - q:
        recommendation = "PM"
    else:
        recommendation = "HYBRID"
    lean: TrackId | None = "am" if overall > 0 else "pm" if overall < 0 else None
    return overall, overall_se, p_am, recommendation, lean
