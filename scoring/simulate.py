"""Synthetic respondents with a known true profile: validation of the engine, demo data, benchmarks.

Generative model (deliberately not the scoring model, so the check is honest):

- profile: a centre ``c`` (clear AM: ``U(0.35, 0.85)``, clear PM: ``-U(0.35, 0.85)``,
  borderline: ``U(-0.08, 0.08)``) and ``theta_d = clip(c + N(0, spread))`` per dimension;
- likert: agreement ``z = k * theta_d + bias + N(0, noise)`` with the person's
  acquiescence ``bias ~ N(0, 0.15)``, answered ``round(3 + 2 z)`` clipped to 1..5;
- paired: ``z = s * theta_d + N(0, noise)`` cut at ``+-2/3`` and ``0`` into 1..4;
- situational: the option with the highest utility ``sum_d w_od theta_d + N(0, noise)``;
- proficiency: ``round(2.5 + 1.5 * (+-theta) + N(0, 0.8))`` clipped to 1..5,
  ``+`` for AM skills and ``-`` for PM skills (by which track requires more);
- each item is skipped with probability ``skip``.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from scoring import SCORING_VERSION
from scoring.engine import keyed, score
from scoring.model import ROLES, Answers, AnswerValue, Bank, Item, Result

Profile = Literal["am", "pm", "borderline"]


@dataclass(frozen=True)
class Respondent:
    profile: Profile
    theta: dict[str, float]  # true position per dimension, -1 (PM) .. 1 (AM)
    true_overall: float  # weighted mean of theta, -1 .. 1
    answers: Answers


def _clip(x: float, lo: float = -1.0, hi: float = 1.0) -> float:
    return max(lo, min(hi, x))


def draw_theta(bank: Bank, profile: Profile, rng: random.Random, spread: float = 0.2) -> dict[str, float]:
    if profile == "borderline":
        centre = rng.uniform(-0.08, 0.08)
    else:
        centre = rng.uniform(0.35, 0.85) * (1 if profile == "am" else -1)
    return {d.id: _clip(centre + rng.gauss(0.0, spread)) for d in bank.dimensions}


def answer_item(item: Item, theta: dict[str, float], bias: float, noise: float, rng: random.Random) -> AnswerValue:
    """One simulated answer to an orientation item."""
    if item.kind == "likert":
        assert item.dimension is not None
        k = 1.0 if item.key == "am" else -1.0
        z = k * theta[item.dimension] + bias + rng.gauss(0.0, noise)
        return max(1, min(5, round(3 + 2 * z)))
    if item.kind == "paired":
        assert item.dimension is not None and item.a is not None
        s = 1.0 if item.a.pole == "am" else -1.0
        z = s * theta[item.dimension] + rng.gauss(0.0, noise)
        return 1 if z > 2 / 3 else 2 if z > 0 else 3 if z > -2 / 3 else 4
    utilities = [
        (sum(w * theta[d] for d, w in o.weights.items()) + rng.gauss(0.0, noise), n, o.id)
        for n, o in enumerate(item.options)
    ]
    return max(utilities)[2]


def respondent(
    bank: Bank,
    profile: Profile,
    rng: random.Random,
    *,
    noise: float = 0.5,
    skip: float = 0.03,
    lang: str = "en",
    role: str | None = None,
) -> Respondent:
    theta = draw_theta(bank, profile, rng)
    total = sum(d.weight for d in bank.dimensions)
    true_overall = sum(d.weight / total * theta[d.id] for d in bank.dimensions)
    bias = rng.gauss(0.0, 0.15)
    values: dict[str, AnswerValue] = {}
    for item in bank.orientation_items:
        values[item.id] = None if rng.random() < skip else answer_item(item, theta, bias, noise, rng)
    for item in bank.proficiency_items:
        skill = bank.skill(item.skill or "")
        direction = 1.0 if skill.required["am"] >= skill.required["pm"] else -1.0
        level = max(1, min(5, round(2.5 + 1.5 * direction * true_overall + rng.gauss(0.0, 0.8))))
        values[item.id] = None if rng.random() < skip else level
    answers = Answers(lang=lang, current_role=role or rng.choice(ROLES), values=values)
    return Respondent(profile, theta, true_overall, answers)


def population(
    bank: Bank, n: int, seed: int, mix: tuple[float, float, float] = (0.4, 0.4, 0.2)
) -> Iterator[Respondent]:
    """``n`` respondents: shares ``mix`` of clear AM, clear PM and borderline profiles."""
    rng = random.Random(seed)
    profiles: list[Profile] = ["am", "pm", "borderline"]
    for _ in range(n):
        yield respondent(bank, rng.choices(profiles, weights=mix)[0], rng)


def cronbach_alpha(rows: list[list[float]]) -> float:
    """``alpha = k / (k - 1) * (1 - sum var(item) / var(total))`` over complete rows."""
    k = len(rows[0]) if rows else 0
    if k < 2 or len(rows) < 3:
        return float("nan")
    item_var = sum(statistics.pvariance([r[i] for r in rows]) for i in range(k))
    total_var = statistics.pvariance([sum(r) for r in rows])
    return k / (k - 1) * (1 - item_var / total_var) if total_var > 0 else float("nan")


def simulate(
    bank: Bank, n: int = 1000, seed: int = 1, mix: tuple[float, float, float] = (0.4, 0.4, 0.2)
) -> dict[str, Any]:
    """Score ``n`` simulated respondents and report how well the engine recovers their truth."""
    people: list[tuple[Respondent, Result]] = [(r, score(bank, r.answers)) for r in population(bank, n, seed, mix)]
    clear = [(r, res) for r, res in people if r.profile != "borderline"]
    border = [(r, res) for r, res in people if r.profile == "borderline"]

    def share(pairs: list[tuple[Respondent, Result]], pred: Any) -> float | None:
        return round(sum(1 for p in pairs if pred(*p)) / len(pairs), 4) if pairs else None

    alpha: dict[str, float | None] = {}
    for dim in bank.dimensions:
        items = [i for i in bank.orientation_items if i.kind in ("likert", "paired") and i.dimension == dim.id]
        rows = []
        for r, _ in people:
            ys = [keyed(i, r.answers.values.get(i.id)).get(dim.id) for i in items]
            if all(y is not None for y in ys):
                rows.append([y[1] for y in ys if y is not None])
        a = cronbach_alpha(rows)
        alpha[dim.id] = None if math.isnan(a) else round(a, 3)
    inside = sum(1 for r, res in people for d in res.dimensions if d.ci95[0] <= 100 * r.theta[d.id] <= d.ci95[1])
    return {
        "n": n,
        "seed": seed,
        "bank_version": bank.version,
        "scoring_version": SCORING_VERSION,
        "clear": {
            "n": len(clear),
            "accuracy": share(clear, lambda r, res: res.recommendation == r.profile.upper()),
            "hybrid_rate": share(clear, lambda r, res: res.recommendation == "HYBRID"),
            "wrong_track_rate": share(clear, lambda r, res: res.recommendation not in ("HYBRID", r.profile.upper())),
        },
        "borderline": {
            "n": len(border),
            "hybrid_rate": share(border, lambda r, res: res.recommendation == "HYBRID"),
        },
        "cronbach_alpha": alpha,
        "ci95_coverage": round(inside / (len(people) * len(bank.dimensions)), 4) if people else None,
        "mean_dimension_se": round(statistics.fmean(d.se for _, res in people for d in res.dimensions), 2)
        if people
        else None,
        "mean_overall_se": round(statistics.fmean(res.overall_se for _, res in people), 2) if people else None,
    }
