"""Validity evidence from the answers: known groups and test-retest.

Known groups: people whose *current role* is Account Manager should, on
average, score towards the AM pole, and Project Managers towards the PM pole.
Per dimension and overall: Hedges' ``g = J * (mean_AM - mean_PM) / s_pooled``
with ``J = 1 - 3 / (4 (n1 + n2) - 9)`` and the large-sample 95 % interval
``g +- 1.96 * sqrt((n1 + n2) / (n1 n2) + g^2 / (2 (n1 + n2)))``; and how often
the call matches the role (an AM called AM, a PM called PM; HYBRID and
"not enough evidence" count as no match).

Test-retest: people who finished twice. A retake started from a result is
linked to it, and every take of a chain shares the first take's ``person`` key;
each person gives one pair: the first two consecutive finished takes that were
scored with the same major bank version and taken ``RETEST_DAYS`` (2 to 90)
days apart. Fewer than 2 days measures memory of the answers more than a
stable disposition; past 90 days (the transition plan's 3-month phase) real
development is expected, which is what the retake's reliable-change section
looks for, not measurement noise. Pairs without dates are kept (simulated
rows). Pearson ``r`` per dimension with its Fisher-z 95 % interval (scipy), and
how often the call is the same both times; shown from ``minimum.RETEST`` pairs.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Any

import numpy as np
from scipy import stats

from analytics import minimum
from analytics.data import Response, Scored
from scoring.model import Bank

Rescore = Callable[[Response], Scored]


def hedges_g(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    n1, n2 = len(a), len(b)
    pooled = math.sqrt(((n1 - 1) * a.var(ddof=1) + (n2 - 1) * b.var(ddof=1)) / (n1 + n2 - 2))
    g = (1 - 3 / (4 * (n1 + n2) - 9)) * (a.mean() - b.mean()) / pooled if pooled > 0 else float("nan")
    se = math.sqrt((n1 + n2) / (n1 * n2) + g * g / (2 * (n1 + n2)))
    return g, g - 1.96 * se, g + 1.96 * se


def known_groups(bank: Bank, responses: Sequence[Response], rescore: Rescore) -> dict[str, Any]:
    finished = [r for r in responses if r.finished]
    groups = {role: [rescore(r) for r in finished if r.current_role == role] for role in ("am", "pm")}
    sizes = {role: len(s) for role, s in groups.items()}
    if not all(minimum.shown(n, minimum.KNOWN_GROUP) for n in sizes.values()):
        return {
            "status": "not_enough_data",
            "n": {role: minimum.count(n) for role, n in sizes.items()},
            "needed": minimum.KNOWN_GROUP,
        }
    effects: dict[str, Any] = {}
    for key in [d.id for d in bank.dimensions] + ["overall"]:
        am = np.array([s.overall if key == "overall" else s.dimensions[key] for s in groups["am"]])
        pm = np.array([s.overall if key == "overall" else s.dimensions[key] for s in groups["pm"]])
        g, lo, hi = hedges_g(am, pm)
        effects[key] = {"g": round(g, 2), "ci95": [round(lo, 2), round(hi, 2)]}
    calls = {
        role: {
            "n": sizes[role],
            "called_am": round(sum(s.call == "AM" for s in scored) / sizes[role], 3),
            "called_pm": round(sum(s.call == "PM" for s in scored) / sizes[role], 3),
        }
        for role, scored in groups.items()
    }
    matched = sum(s.call == "AM" for s in groups["am"]) + sum(s.call == "PM" for s in groups["pm"])
    return {
        "n": sizes,
        "effect_am_minus_pm": effects,
        "calls": calls,
        "call_matches_role": round(matched / (sizes["am"] + sizes["pm"]), 3),
    }


#: the interval between a take and its retake that counts for test-retest, in days (module docstring)
RETEST_DAYS = (2, 90)


def retest_pair(takes: Sequence[Response]) -> tuple[Response, Response] | None:
    """The first two consecutive finished takes of one person that count for test-retest (module docstring)."""
    ordered = sorted((r for r in takes if r.finished), key=lambda r: (r.taken_at is None, r.taken_at, r.assessment_id))
    for a, b in pairwise(ordered):
        if a.bank_version.split(".", 1)[0] != b.bank_version.split(".", 1)[0]:
            continue
        if a.taken_at is not None and b.taken_at is not None:
            days = (b.taken_at - a.taken_at).total_seconds() / 86400.0
            if not RETEST_DAYS[0] <= days <= RETEST_DAYS[1]:
                continue
        return a, b
    return None


def retest(bank: Bank, responses: Sequence[Response], rescore: Rescore) -> dict[str, Any]:
    takes: dict[str, list[Response]] = defaultdict(list)
    for r in responses:
        if r.finished:
            takes[r.person].append(r)
    pairs = []
    for person_takes in takes.values():
        found = retest_pair(person_takes)
        if found is not None:
            pairs.append((rescore(found[0]), rescore(found[1])))
    if not minimum.shown(len(pairs), minimum.RETEST):
        return minimum.not_enough(len(pairs), minimum.RETEST)
    out: dict[str, Any] = {"pairs": len(pairs), "days": list(RETEST_DAYS), "r": {}}
    for key in [d.id for d in bank.dimensions] + ["overall"]:
        first = np.array([a.overall if key == "overall" else a.dimensions[key] for a, _ in pairs])
        second = np.array([b.overall if key == "overall" else b.dimensions[key] for _, b in pairs])
        res = stats.pearsonr(first, second)
        ci = res.confidence_interval(0.95)
        out["r"][key] = {"r": round(float(res.statistic), 2), "ci95": [round(ci.low, 2), round(ci.high, 2)]}
    out["same_call"] = round(sum(a.call == b.call for a, b in pairs) / len(pairs), 3)
    return out
