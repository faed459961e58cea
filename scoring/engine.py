"""Answers -> dimension scores with standard errors, readiness and quality flags.

Measurement model (see docs/method.md). Each answered orientation item ``i``
gives, on every dimension ``d`` it measures, a keyed score ``y_i`` in
``[-a_i, a_i]`` (positive = AM pole) and a loading ``a_i``:

- likert, keyed AM: ``y = (v - 3) / 2``; keyed PM: ``y = -(v - 3) / 2``; ``a = 1``
- paired (1 = clearly A .. 4 = clearly B): ``x = (1, 1/3, -1/3, -1)[v - 1]``,
  ``y = x`` when A is the AM side, ``-x`` otherwise; ``a = 1``
- situational: ``y = w_{chosen, d}`` (0 when the chosen option does not weigh
  ``d``); ``a = max_o |w_{o, d}|``

The linear model ``y_i = a_i * theta_d + e_i`` with ``e_i ~ N(0, sigma^2)`` and
prior ``theta_d ~ N(0, tau^2)`` gives the posterior

    precision_d = sum_i a_i^2 / sigma^2 + 1 / tau^2
    theta_hat_d = (sum_i a_i * y_i / sigma^2) / precision_d
    se_d        = 1 / sqrt(precision_d)

reported as ``D_d = 100 * theta_hat_d`` and ``SE_d = 100 * se_d``. Because
``|y_i| <= a_i``, ``|D_d| < 100``. The error depends on which items were
answered, never on how: every extra answer adds precision, a skipped one
removes it, so fewer answers never shrink the error.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable

from scoring import SCORING_VERSION
from scoring.fit import decide
from scoring.model import (
    TRACKS,
    Answers,
    AnswerValue,
    Bank,
    Contribution,
    DimensionScore,
    Flag,
    Item,
    Result,
    SkillReadiness,
    TrackId,
)

PAIRED_X = (1.0, 1.0 / 3.0, -1.0 / 3.0, -1.0)


def keyed(item: Item, value: AnswerValue) -> dict[str, tuple[float, float]]:
    """Return ``{dimension: (a, y)}`` for one answer (empty for a skipped or proficiency item)."""
    if value is None or item.kind == "proficiency":
        return {}
    if item.kind == "likert":
        assert item.dimension is not None and isinstance(value, int)
        y = (value - 3) / 2.0
        return {item.dimension: (1.0, y if item.key == "am" else -y)}
    if item.kind == "paired":
        assert item.dimension is not None and item.a is not None and isinstance(value, int)
        x = PAIRED_X[value - 1]
        return {item.dimension: (1.0, x if item.a.pole == "am" else -x)}
    chosen = next(o for o in item.options if o.id == value)
    return {dim: (a, chosen.weights.get(dim, 0.0)) for dim, a in item.loadings().items()}


def score_dimensions(bank: Bank, values: dict[str, AnswerValue]) -> tuple[DimensionScore, ...]:
    """Posterior mean and SD of every dimension (formulas in the module docstring)."""
    sigma2 = bank.scoring.item_error_sd**2
    prior_precision = 1.0 / bank.scoring.prior_sd**2
    sum_ay: dict[str, float] = {d.id: 0.0 for d in bank.dimensions}
    sum_aa: dict[str, float] = dict.fromkeys(sum_ay, 0.0)
    answered: Counter[str] = Counter()
    total: Counter[str] = Counter()
    contributions: dict[str, list[Contribution]] = {d: [] for d in sum_ay}
    for item in bank.orientation_items:
        loadings = item.loadings()
        total.update(loadings.keys())
        for dim, (a, y) in keyed(item, values.get(item.id)).items():
            sum_ay[dim] += a * y
            sum_aa[dim] += a * a
            answered[dim] += 1
            contributions[dim].append(Contribution(item.id, a * y))
    out = []
    for d in bank.dimensions:
        precision = sum_aa[d.id] / sigma2 + prior_precision
        mean = (sum_ay[d.id] / sigma2) / precision
        contribs = sorted(contributions[d.id], key=lambda c: (-abs(c.value), c.item_id))
        out.append(
            DimensionScore(
                id=d.id,
                score=100.0 * mean,
                se=100.0 / math.sqrt(precision),
                answered=answered[d.id],
                items=total[d.id],
                sufficient=answered[d.id] >= bank.scoring.min_answers_per_dimension,
                contributions=tuple(contribs),
            )
        )
    return tuple(out)


def readiness(
    bank: Bank, values: dict[str, AnswerValue]
) -> tuple[tuple[SkillReadiness, ...], dict[TrackId, float | None]]:
    """Self-rated level per skill against each track's required level.

    ``gap_t = max(0, required_t - level)``; a track's readiness is
    ``100 * sum(min(level, required_t)) / sum(required_t)`` over the rated skills.
    """
    by_skill = {i.skill: i for i in bank.proficiency_items}
    rows = []
    met: dict[TrackId, float] = dict.fromkeys(TRACKS, 0.0)
    need: dict[TrackId, float] = dict.fromkeys(TRACKS, 0.0)
    for skill in bank.skills:
        raw = values.get(by_skill[skill.id].id)
        level = raw if isinstance(raw, int) else None
        gap: dict[TrackId, int | None] = {}
        for t in TRACKS:
            req = skill.required[t]
            gap[t] = None if level is None else max(0, req - level)
            if level is not None:
                met[t] += min(level, req)
                need[t] += req
        rows.append(SkillReadiness(skill=skill.id, level=level, required=dict(skill.required), gap=gap))
    track: dict[TrackId, float | None] = {t: (100.0 * met[t] / need[t] if need[t] else None) for t in TRACKS}
    return tuple(rows), track


def quality_flags(bank: Bank, answers: Answers, dimensions: Iterable[DimensionScore]) -> tuple[Flag, ...]:
    """Warnings about the response itself; they never change a score."""
    c = bank.scoring
    values = answers.values
    flags: list[Flag] = []
    likert = [i for i in bank.orientation_items if i.kind == "likert" and values.get(i.id) is not None]
    if len(likert) >= c.straight_line_min_items:
        value, count = Counter(values[i.id] for i in likert).most_common(1)[0]
        if count / len(likert) >= c.straight_line_share:
            flags.append(
                Flag(
                    "straight_lining",
                    f"{count} of {len(likert)} statements got the same answer ({value})",
                    tuple(sorted(i.id for i in likert if values[i.id] == value)),
                )
            )
    contradictions = []
    for item in likert:
        if item.key == "am" and item.mirror is not None:
            v, w = values.get(item.id), values.get(item.mirror)
            if isinstance(v, int) and isinstance(w, int) and ((v >= 4 and w >= 4) or (v <= 2 and w <= 2)):
                contradictions.append((item.id, item.mirror))
    if len(contradictions) >= c.contradiction_min_pairs:
        flags.append(
            Flag(
                "contradictory",
                f"{len(contradictions)} pairs of opposite statements got the same answer",
                tuple(x for pair in contradictions for x in pair),
            )
        )
    orientation = bank.orientation_items
    skipped = [i.id for i in orientation if values.get(i.id) is None]
    if orientation and len(skipped) / len(orientation) > c.max_skipped_share:
        flags.append(Flag("too_many_skipped", f"{len(skipped)} of {len(orientation)} questions were not answered"))
    thin = tuple(d.id for d in dimensions if not d.sufficient)
    if thin:
        flags.append(Flag("thin_dimension", f"too few answers to trust: {', '.join(thin)}", thin))
    timed = [ms for item_id, ms in answers.timings_ms.items() if values.get(item_id) is not None]
    if len(timed) >= 10 and statistics.median(timed) < c.fast_median_ms:
        flags.append(Flag("too_fast", f"median {statistics.median(timed):.0f} ms per answer"))
    return tuple(flags)


def score(bank: Bank, answers: Answers) -> Result:
    """Score a validated response. Pure: same bank and answers, same result."""
    values = dict(answers.values)
    dimensions = score_dimensions(bank, values)
    overall, overall_se, p_am, recommendation, lean = decide(bank, dimensions)
    skills, track = readiness(bank, values)
    answered = sum(1 for i in bank.items if values.get(i.id) is not None)
    return Result(
        dimensions=dimensions,
        overall=overall,
        overall_se=overall_se,
        p_am=p_am,
        recommendation=recommendation,
        lean=lean,
        readiness=skills,
        track_readiness=track,
        flags=quality_flags(bank, answers, dimensions),
        answered=answered,
        items=len(bank.items),
        bank_version=bank.version,
        scoring_version=SCORING_VERSION,
    )
