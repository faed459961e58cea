"""How people take the quiz: completion, skipped answers, time, use of the answer scale.

- completion rate: finished / started assessments;
- skip rate: "prefer not to answer" among the orientation questions finished
  people were shown, with the most-skipped items;
- median time per answer (the time between an answer and the previous one, as
  the loader derives it from the stored answer times) and median total minutes
  of a finished assessment;
- category use: the share of each point of the 5-point statement scale, and
  the share of the middle point; :func:`midpoint_by_language` compares
  languages (chi-square test of the middle-point share, scipy).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

from analytics import minimum
from analytics.data import Response
from scoring.model import Bank


def usage(bank: Bank, responses: Sequence[Response]) -> dict[str, Any]:
    n = len(responses)
    if not minimum.shown(n, minimum.USAGE):
        return minimum.not_enough(n, minimum.USAGE)
    finished = [r for r in responses if r.finished]
    orientation = [i.id for i in bank.orientation_items]
    skipped: Counter[str] = Counter()
    shown = 0
    for r in finished:
        for item_id in orientation:
            if item_id in r.values:
                shown += 1
                if r.values[item_id] is None:
                    skipped[item_id] += 1
    per_answer = [ms for r in responses for ms in r.times_ms.values()]
    totals = [sum(r.times_ms.values()) / 60_000.0 for r in finished if r.times_ms]
    out: dict[str, Any] = {
        "started": minimum.count(n),
        "finished": minimum.count(len(finished)),
        "completion_rate": round(len(finished) / n, 3),
        "skip_rate": round(sum(skipped.values()) / shown, 3) if shown else None,
        "most_skipped": [
            {"item": item_id, "rate": round(k / len(finished), 3)} for item_id, k in skipped.most_common(3) if k
        ]
        if minimum.shown(len(finished), minimum.USAGE)
        else [],
        "median_seconds_per_answer": round(float(np.median(per_answer)) / 1000.0, 1) if per_answer else None,
        "median_minutes_total": round(float(np.median(totals)), 1)
        if minimum.shown(len(totals), minimum.USAGE)
        else None,
    }
    return out


def _likert_answers(bank: Bank, responses: Sequence[Response]) -> Counter[int]:
    likert = [i.id for i in bank.orientation_items if i.kind == "likert"]
    counts: Counter[int] = Counter()
    for r in responses:
        for item_id in likert:
            v = r.values.get(item_id)
            if isinstance(v, int):
                counts[v] += 1
    return counts


def category_use(bank: Bank, responses: Sequence[Response]) -> dict[str, Any]:
    """Share of each statement answer 1..5 (finished assessments), and of the middle point."""
    finished = [r for r in responses if r.finished]
    if not minimum.shown(len(finished), minimum.CATEGORY_USE):
        return minimum.not_enough(len(finished), minimum.CATEGORY_USE)
    counts = _likert_answers(bank, finished)
    total = sum(counts.values())
    return {
        "n": len(finished),
        "shares": {str(v): round(counts[v] / total, 3) for v in range(1, 6)},
        "midpoint": round(counts[3] / total, 3),
        "extremes": round((counts[1] + counts[5]) / total, 3),
    }


def midpoint_by_language(bank: Bank, responses: Sequence[Response]) -> dict[str, Any]:
    """Middle-point share per language, each against the reference language (ratio and chi-square p)."""
    reference = bank.languages[0]
    finished = {lang: [r for r in responses if r.finished and r.lang == lang] for lang in bank.languages}
    if not minimum.shown(len(finished[reference]), minimum.CATEGORY_USE):
        return {"reference": reference, **minimum.not_enough(len(finished[reference]), minimum.CATEGORY_USE)}
    ref = _likert_answers(bank, finished[reference])
    ref_mid, ref_total = ref[3], sum(ref.values())
    out: dict[str, Any] = {"reference": reference, "languages": {}}
    for lang, group in finished.items():
        if not minimum.shown(len(group), minimum.CATEGORY_USE):
            out["languages"][lang] = minimum.not_enough(len(group), minimum.CATEGORY_USE)
            continue
        c = _likert_answers(bank, group)
        mid, total = c[3], sum(c.values())
        row: dict[str, Any] = {"n": len(group), "midpoint": round(mid / total, 3)}
        if lang != reference:
            table = np.array([[mid, total - mid], [ref_mid, ref_total - ref_mid]])
            row["ratio"] = round((mid / total) / (ref_mid / ref_total), 2) if ref_mid else None
            row["p"] = float(f"{stats.chi2_contingency(table).pvalue:.3g}")
        out["languages"][lang] = row
    return out
