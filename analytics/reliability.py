"""Internal consistency per dimension: Cronbach's alpha, McDonald's omega, item-rest correlations.

All three are computed on the keyed scores (``[-1, 1]``, AM direction) of a
dimension's statements and paired preferences, over the people who answered
every one of them (complete cases).

- alpha: ``k / (k - 1) * (1 - sum_i var(x_i) / var(sum_i x_i))``;
- omega (total): from a one-factor model fitted to the item correlations
  (statsmodels ``Factor``, principal axis), standardised loadings ``l_i`` and
  uniquenesses ``u_i``: ``(sum l_i)^2 / ((sum l_i)^2 + sum u_i)``;
- both with percentile bootstrap 95 % intervals (people resampled with replacement);
- item-rest: Pearson correlation of an item with the sum of the *other* items
  of its dimension (scipy ``pearsonr``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats
from statsmodels.multivariate.factor import Factor

from analytics import minimum


def complete(x: np.ndarray) -> np.ndarray:
    """The rows without a skipped item."""
    rows: np.ndarray = x[~np.isnan(x).any(axis=1)]
    return rows


def alpha(x: np.ndarray) -> float:
    k = x.shape[1]
    total = x.sum(axis=1).var(ddof=1)
    if k < 2 or total <= 0:
        return float("nan")
    return float(k / (k - 1) * (1.0 - x.var(axis=0, ddof=1).sum() / total))


def one_factor(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Standardised loadings and uniquenesses of a one-factor model (signed so that the sum is positive)."""
    fit = Factor(x, 1, method="pa").fit()
    loadings = np.asarray(fit.loadings).ravel()
    if loadings.sum() < 0:
        loadings = -loadings
    return loadings, np.asarray(fit.uniqueness).ravel()


def omega(x: np.ndarray) -> float:
    if x.shape[1] < 3 or np.any(x.std(axis=0) == 0):
        return float("nan")
    loadings, uniqueness = one_factor(x)
    common = loadings.sum() ** 2
    return float(common / (common + uniqueness.sum()))


def _interval(values: list[float]) -> list[float] | None:
    clean = [v for v in values if np.isfinite(v)]
    if len(clean) < 0.9 * len(values):
        return None
    lo, hi = np.percentile(clean, [2.5, 97.5])
    return [round(float(lo), 3), round(float(hi), 3)]


def _r(v: float) -> float | None:
    return None if not np.isfinite(v) else round(float(v), 3)


def dimension_reliability(
    item_ids: list[str], x: np.ndarray, *, boot: int = 200, rng: np.random.Generator | None = None
) -> dict[str, Any]:
    """Alpha and omega with bootstrap intervals, and item-rest correlations, for one dimension."""
    rows = complete(x)
    n = len(rows)
    if not minimum.shown(n, minimum.RELIABILITY):
        out = minimum.not_enough(n, minimum.RELIABILITY)
        out["items"] = {i: minimum.not_enough(n, minimum.ITEM_REST) for i in item_ids}
        if minimum.shown(n, minimum.ITEM_REST):
            out["items"] = item_rest(item_ids, rows)
        return out
    rng = rng or np.random.default_rng(0)
    a_boot: list[float] = []
    o_boot: list[float] = []
    for _ in range(boot):
        sample = rows[rng.integers(0, n, n)]
        a_boot.append(alpha(sample))
        try:
            o_boot.append(omega(sample))
        except (np.linalg.LinAlgError, ValueError):  # pragma: no cover - a degenerate resample
            o_boot.append(float("nan"))
    return {
        "n": n,
        "alpha": {"value": _r(alpha(rows)), "ci95": _interval(a_boot)},
        "omega": {"value": _r(omega(rows)), "ci95": _interval(o_boot)},
        "items": item_rest(item_ids, rows),
    }


def item_rest(item_ids: list[str], rows: np.ndarray) -> dict[str, Any]:
    out: dict[str, Any] = {}
    total = rows.sum(axis=1)
    for c, item_id in enumerate(item_ids):
        col = rows[:, c]
        rest = total - col
        if col.std() == 0 or rest.std() == 0:
            out[item_id] = {"item_rest": None, "n": len(rows)}
            continue
        r = stats.pearsonr(col, rest).statistic
        out[item_id] = {"item_rest": _r(float(r)), "n": len(rows)}
    return out
