"""Differential item functioning across languages: does an item work the same in en, zh-Hans and vi?

For every statement and paired preference, people of the reference language
(the bank's first, English) and of each other language are compared *at the
same level of the dimension*: the matching score is the (prorated) sum of the
keyed scores of the dimension's other items.

Model: proportional-odds (cumulative logit) regression of the answer category
``c`` (AM direction) on the standardised matching score ``m`` and a dummy per
focal language ``g``::

    logit P(c >= k) = tau_k + b * m + beta_g

fitted as stacked binary logits (one row per person and cut point ``k``) with
standard errors clustered by person (statsmodels ``Logit``, ``cov_type="cluster"``).
``beta_g`` is the log of the cumulative common odds ratio that the Mantel-Haenszel
family estimates (Liu & Agresti 1996); on the ETS delta scale ``D = -2.35 * beta_g``.

ETS classes (Zwick 2012): **A** (negligible) when ``|D| < 1`` or ``D`` is not
significantly different from 0 at 5 %; **C** (large) when ``|D| >= 1.5`` and
``|D|`` is significantly larger than 1 (one-sided 5 %); **B** (moderate)
otherwise. B and C are flagged.

Purification (two stages): items flagged in the first pass are left out of the
matching score of the other items in the second, so that a biased item does not
bias the yardstick for the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import statsmodels.api as sm

from analytics import minimum
from analytics.data import Response, ordinal, scale_items
from scoring.model import Bank

DELTA_PER_LOGIT = -2.35


def classify(delta: float, se: float) -> str:
    """ETS A / B / C for a delta ``D`` with standard error ``se``."""
    if abs(delta) < 1.0 or abs(delta) / se <= 1.96:
        return "A"
    if abs(delta) >= 1.5 and (abs(delta) - 1.0) / se > 1.645:
        return "C"
    return "B"


def _fit(c: np.ndarray, match: np.ndarray, dummies: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative-logit coefficients and clustered standard errors of the language dummies."""
    cuts = np.unique(c)[1:]
    n = len(c)
    y = (c[None, :] >= cuts[:, None]).astype(float).ravel()
    intercepts = np.kron(np.eye(len(cuts)), np.ones((n, 1)))
    z = np.tile(np.column_stack([(match - match.mean()) / match.std(), dummies]), (len(cuts), 1))
    groups = np.tile(np.arange(n), len(cuts))
    res = sm.Logit(y, np.column_stack([intercepts, z])).fit(
        disp=False, cov_type="cluster", cov_kwds={"groups": groups}, maxiter=100
    )
    k = len(cuts) + 1
    return np.asarray(res.params)[k:], np.asarray(res.bse)[k:]


def dif(bank: Bank, responses: Sequence[Response], *, reference: str | None = None) -> dict[str, Any]:
    """DIF of every scale item, each other language against ``reference`` (default: the bank's first)."""
    reference = reference or bank.languages[0]
    focal = [lang for lang in bank.languages if lang != reference]
    counts = {lang: sum(1 for r in responses if r.lang == lang) for lang in bank.languages}
    if not minimum.shown(counts[reference], minimum.DIF_GROUP):
        return {"reference": reference, **minimum.not_enough(counts[reference], minimum.DIF_GROUP)}
    shown = [lang for lang in focal if minimum.shown(counts[lang], minimum.DIF_GROUP)]
    out: dict[str, Any] = {
        "reference": reference,
        "n": {lang: minimum.count(counts[lang]) for lang in bank.languages},
        "method": "cumulative logit on the rest score, ETS delta = -2.35 * log odds ratio",
        "items": {},
        "flagged": [],
    }
    for lang in focal:
        if lang not in shown:
            out.setdefault("not_enough", {})[lang] = minimum.not_enough(counts[lang], minimum.DIF_GROUP)
    if not shown:
        return out
    people = [r for r in responses if r.lang in (reference, *shown)]
    lang_of = np.array([r.lang for r in people])
    dummies = np.column_stack([(lang_of == lang).astype(float) for lang in shown])
    for dim in bank.dimensions:
        items = scale_items(bank, dim.id)
        cats = np.array(
            [[np.nan if (c := ordinal(i, r.values.get(i.id))) is None else c for i in items] for r in people],
            dtype=float,
        )
        keyed = cats / np.array([i.max_value() - 1 for i in items])  # 0..1 per item
        flagged: set[int] = set()
        results: dict[int, dict[str, Any]] = {}
        for stage in (1, 2):
            stage_flags: set[int] = set()
            for col in range(len(items)):
                anchors = [c for c in range(len(items)) if c != col and (stage == 1 or c not in flagged)]
                rest = keyed[:, anchors]
                answered = (~np.isnan(rest)).sum(axis=1)
                ok = ~np.isnan(cats[:, col]) & (answered >= max(1, len(anchors) // 2))
                match = np.nanmean(np.where(answered[:, None] > 0, rest, 0.0), axis=1) * len(anchors)
                if ok.sum() < minimum.DIF_GROUP or len(np.unique(cats[ok, col])) < 2:
                    continue
                beta, se = _fit(cats[ok, col].astype(int), match[ok], dummies[ok])
                row: dict[str, Any] = {}
                for g, lang in enumerate(shown):
                    delta, d_se = DELTA_PER_LOGIT * beta[g], abs(DELTA_PER_LOGIT) * se[g]
                    cls = classify(delta, d_se)
                    row[lang] = {"delta": round(float(delta), 2), "se": round(float(d_se), 2), "class": cls}
                    if cls != "A":
                        stage_flags.add(col)
                results[col] = row
            flagged = stage_flags
        for col, row in results.items():
            out["items"][items[col].id] = row
            for lang, fig in row.items():
                if fig["class"] != "A":
                    out["flagged"].append({"item": items[col].id, "lang": lang, **fig})
    return out
