"""Synthetic respondents with a known true profile: validation of the engine, demo data, benchmarks.

Generating model (deliberately not the scoring model, so the check is honest):

- profile: a centre ``c`` (clear AM: ``U(0.35, 0.85)``, clear PM: ``-U(0.35, 0.85)``,
  borderline: ``U(-0.08, 0.08)``; mixed: half the dimensions at ``+U(0.3, 0.6)``,
  half at ``-U(0.3, 0.6)``) and correlated dimensions
  ``theta_d = clip(c + spread * (sqrt(rho) g + sqrt(1 - rho) e_d))``, ``rho = 0.3``;
- statements and pairs: a graded response model (Samejima 1969) on the latent
  ``eta = kappa * k * theta_d`` (``k`` = +1 for the AM key, -1 for the PM key)
  with a discrimination ``alpha_i ~ U(0.3, 2.5)`` and category thresholds
  ``b_ik = b_k + N(0, 0.25)`` per item::

      P(X >= k | theta) = 1 / (1 + exp(-alpha_i * (eta - b_ik)))

- situations: a Thurstonian choice, the option with the highest utility
  ``kappa_s * sum_d w_od theta_d + N(0, 1)`` (probit noise, not the engine's logit);
- proficiency: ``round(2.5 + 1.5 * (+-theta) + N(0, 0.8))`` clipped to 1..5;
- response styles change how the latent answer becomes a response (see
  :data:`STYLES`); skips happen with probability ``skip``;
- answer times: log-normal, median 7 s for an attentive answer and 1.1 s for
  a random one (careless people answer fast: Meade & Craig 2012).

The *true position* on a dimension is the person's classical true score on the
engine's scale: the expected keyed answer ``E[y | theta]`` over the dimension's
statements and pairs had they answered attentively. The true track is the side
of the profile's centre.
"""

from __future__ import annotations

import math
import random
import re
import statistics
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from scoring import SCORING_VERSION
from scoring.engine import keyed_value, score
from scoring.model import ROLES, Answers, AnswerValue, Bank, Item, Result

Profile = Literal["am", "pm", "borderline", "mixed"]
PROFILES: tuple[Profile, ...] = ("am", "pm", "borderline", "mixed")
STYLES: dict[str, str] = {
    "attentive": "answers as the model says",
    "extreme": "uses only the ends of each scale",
    "midpoint": "answers the middle on 60% of statements, the softer option on 60% of pairs",
    "acquiescence": "agrees more with every statement (latent +0.8)",
    "careless": "answers every question at random",
    "half_careless": "attentive for the first half, at random for the second",
    "partial": "answers a random 35% of the questions",
    "skip_hard": "skips the statements and pairs with discrimination below 1",
    "faking_am": "pushes every answer towards the AM side (latent +1.0)",
    "faking_pm": "pushes every answer towards the PM side (latent -1.0)",
}
KAPPA = 2.5  # latent scale of statements and pairs
KAPPA_SITUATION = 3.0  # latent scale of situations
LIKERT_B = (-1.6, -0.5, 0.5, 1.6)
PAIRED_B = (-1.0, 0.0, 1.0)
RHO = 0.3
ATTENTIVE_MS = 7000.0  # median answer time of an attentive answer (log-normal, sd of log 0.6)
CARELESS_MS = 1100.0  # median answer time of a random answer (log-normal, sd of log 0.4)
ATTENTIVE_LAPSE = 0.03  # chance that an attentive person misses an instructed-response item (answers at random)


@dataclass(frozen=True)
class Respondent:
    profile: Profile
    theta: dict[str, float]  # latent position per dimension, -1 (PM) .. 1 (AM)
    true_overall: float  # weighted mean of the true scores, -1 .. 1
    answers: Answers
    style: str = "attentive"
    true_scores: tuple[tuple[str, float], ...] = ()  # (dimension, E[y | theta]) on the engine's -1..1 scale


def _clip(x: float, lo: float = -1.0, hi: float = 1.0) -> float:
    return max(lo, min(hi, x))


@dataclass(frozen=True)
class ItemParams:
    alpha: float
    thresholds: tuple[float, ...]


@lru_cache(maxsize=4096)
def item_params(item_id: str, kind: str) -> ItemParams:
    """Generating parameters of one item, fixed by its id (the same in every run)."""
    rng = random.Random(f"rolefit-sim:{item_id}")
    base = LIKERT_B if kind == "likert" else PAIRED_B
    return ItemParams(rng.uniform(0.3, 2.5), tuple(sorted(b + rng.gauss(0.0, 0.25) for b in base)))


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x > -700 else 0.0


def category_probs(params: ItemParams, eta: float) -> list[float]:
    """GRM probabilities of categories 1..K for latent ``eta``."""
    above = [1.0, *(_logistic(params.alpha * (eta - b)) for b in params.thresholds), 0.0]
    return [max(0.0, above[k] - above[k + 1]) for k in range(len(above) - 1)]


def _direction(item: Item) -> float:
    if item.kind == "likert":
        return 1.0 if item.key == "am" else -1.0
    assert item.a is not None
    return 1.0 if item.a.pole == "am" else -1.0


def expected_keyed(item: Item, theta: float) -> float:
    """``E[y | theta]`` of a statement or pair under the attentive generating model."""
    params = item_params(item.id, item.kind)
    k = _direction(item)
    probs = category_probs(params, KAPPA * k * theta)
    ys = [keyed_value(item, v + 1) or 0.0 for v in range(len(probs))]
    if item.kind == "paired":  # category 1 = clearly A: the GRM's top category is A's side
        ys = [keyed_value(item, len(probs) - v) or 0.0 for v in range(len(probs))]
    return sum(p * y for p, y in zip(probs, ys, strict=True))


def draw_theta(bank: Bank, profile: Profile, rng: random.Random, spread: float = 0.2) -> dict[str, float]:
    g = rng.gauss(0.0, 1.0)
    dims = [d.id for d in bank.dimensions]
    if profile == "mixed":
        signs = [1.0] * (len(dims) // 2) + [-1.0] * (len(dims) - len(dims) // 2)
        rng.shuffle(signs)
        return {d: _clip(s * rng.uniform(0.3, 0.6)) for d, s in zip(dims, signs, strict=True)}
    deviations = [spread * (math.sqrt(RHO) * g + math.sqrt(1 - RHO) * rng.gauss(0.0, 1.0)) for _ in dims]
    if profile == "borderline":  # a borderline profile is defined by its centre: the shared part stays in it
        centre = rng.uniform(-0.08, 0.08)
        mean = statistics.fmean(deviations)
        deviations = [x - mean for x in deviations]
    else:
        centre = rng.uniform(0.35, 0.85) * (1 if profile == "am" else -1)
    return {d: _clip(centre + x) for d, x in zip(dims, deviations, strict=True)}


def _grm_answer(item: Item, eta: float, rng: random.Random) -> int:
    probs = category_probs(item_params(item.id, item.kind), eta)
    category = rng.choices(range(len(probs)), weights=probs)[0]  # 0 = lowest agreement with the item's key pole
    if item.kind == "likert":
        return category + 1
    return len(probs) - category  # paired: the top category is "clearly A"


def answer_item(
    item: Item, theta: dict[str, float], rng: random.Random, style: str = "attentive", shift: float = 0.0
) -> AnswerValue:
    """One simulated answer to an orientation item; ``shift`` moves the latent towards AM (faking)."""
    if item.kind == "situational":
        utilities = [
            (
                KAPPA_SITUATION * sum(w * theta[d] for d, w in o.weights.items())
                + shift * KAPPA_SITUATION * sum(o.weights.values())
                + rng.gauss(0.0, 1.0),
                n,
                o.id,
            )
            for n, o in enumerate(item.options)
        ]
        return max(utilities)[2]
    assert item.dimension is not None
    k = _direction(item)
    eta = KAPPA * k * theta[item.dimension] + k * shift
    if style == "acquiescence" and item.kind == "likert":
        eta += 0.8
    value = _grm_answer(item, eta, rng)
    if style == "extreme":
        top = item.max_value()
        if item.kind == "likert":
            return 1 if value < 3 else top if value > 3 else rng.choice((1, top))
        return 1 if value <= 2 else top
    if style == "midpoint" and rng.random() < 0.6:
        if item.kind == "likert":
            return 3
        return 2 if value <= 2 else 3
    return value


def _random_answer(item: Item, rng: random.Random) -> AnswerValue:
    if item.kind == "situational":
        return rng.choice(item.options).id
    return rng.randint(1, item.max_value())


GRID = 400  # true-score curves are tabulated on 401 points of -1..1


@lru_cache(maxsize=16)
def _true_score_curves(bank: Bank) -> dict[str, tuple[float, ...]]:
    out: dict[str, tuple[float, ...]] = {}
    for d in bank.dimensions:
        items = [i for i in bank.orientation_items if i.kind in ("likert", "paired") and i.dimension == d.id]
        grid = [-1.0 + 2.0 * k / GRID for k in range(GRID + 1)]
        out[d.id] = tuple(statistics.fmean(expected_keyed(i, t) for i in items) if items else t for t in grid)
    return out


def true_scores(bank: Bank, theta: dict[str, float]) -> dict[str, float]:
    """The classical true score per dimension on the engine's -1..1 scale (tabulated, linear in between)."""
    curves = _true_score_curves(bank)
    out: dict[str, float] = {}
    for d, t in theta.items():
        x = (t + 1.0) / 2.0 * GRID
        k = min(GRID - 1, int(x))
        curve = curves[d]
        out[d] = curve[k] + (x - k) * (curve[k + 1] - curve[k])
    return out


def respondent(
    bank: Bank,
    profile: Profile,
    rng: random.Random,
    *,
    noise: float = 0.5,
    skip: float = 0.03,
    lang: str = "en",
    role: str | None = None,
    style: str = "attentive",
) -> Respondent:
    """One simulated person; ``noise`` (default 0.5) scales the latent spread of a borderline person's answers."""
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}")
    theta = draw_theta(bank, profile, rng, spread=0.2 * noise / 0.5)
    truth = true_scores(bank, theta)
    total = sum(d.weight for d in bank.dimensions)
    true_overall = sum(d.weight / total * truth[d.id] for d in bank.dimensions)
    shift = 1.0 if style == "faking_am" else -1.0 if style == "faking_pm" else 0.0
    items = bank.orientation_items
    keep: set[str] | None = None
    if style == "partial":
        keep = set(rng.sample([i.id for i in items], k=max(1, round(0.35 * len(items)))))
    values: dict[str, AnswerValue] = {}
    timings: dict[str, float] = {}
    for n, item in enumerate(items):
        if (
            rng.random() < skip
            or (keep is not None and item.id not in keep)
            or (style == "skip_hard" and item.kind != "situational" and item_params(item.id, item.kind).alpha < 1.0)
        ):
            values[item.id] = None
        elif style == "careless" or (style == "half_careless" and n >= len(items) // 2):
            values[item.id] = _random_answer(item, rng)
            timings[item.id] = round(rng.lognormvariate(math.log(CARELESS_MS), 0.4))
        else:
            values[item.id] = answer_item(item, theta, rng, style, shift)
            timings[item.id] = round(rng.lognormvariate(math.log(ATTENTIVE_MS), 0.6))
    checks = bank.check_items
    for k, item in enumerate(checks):  # shown at (k + 1) / (m + 1) of the orientation questions
        at = (k + 1) / (len(checks) + 1)
        if rng.random() < skip or (keep is not None and rng.random() >= 0.35):
            values[item.id] = None
        elif style == "careless" or (style == "half_careless" and at >= 0.5) or rng.random() < ATTENTIVE_LAPSE:
            values[item.id] = _random_answer(item, rng)
        else:
            assert item.expect is not None
            top = item.max_value()
            ends = 1 if item.expect < 3 else top if item.expect > 3 else 3
            values[item.id] = ends if style == "extreme" else item.expect
    for item in bank.proficiency_items:
        skill = bank.skill(item.skill or "")
        direction = 1.0 if skill.required["am"] >= skill.required["pm"] else -1.0
        level = max(1, min(5, round(2.5 + 1.5 * direction * true_overall + rng.gauss(0.0, 0.8))))
        values[item.id] = None if rng.random() < skip else level
    answers = Answers(lang=lang, current_role=role or rng.choice(ROLES), values=values, timings_ms=timings)
    return Respondent(profile, theta, true_overall, answers, style, tuple(truth.items()))


def population(
    bank: Bank,
    n: int,
    seed: int,
    mix: tuple[float, float, float] = (0.4, 0.4, 0.2),
    style: str = "attentive",
) -> Iterator[Respondent]:
    """``n`` respondents: shares ``mix`` of clear AM, clear PM and borderline profiles."""
    rng = random.Random(seed)
    profiles: list[Profile] = ["am", "pm", "borderline"]
    for _ in range(n):
        yield respondent(bank, rng.choices(profiles, weights=mix)[0], rng, style=style)


def cronbach_alpha(rows: list[list[float]]) -> float:
    """``alpha = k / (k - 1) * (1 - sum var(item) / var(total))`` over complete rows."""
    k = len(rows[0]) if rows else 0
    if k < 2 or len(rows) < 3:
        return float("nan")
    item_var = sum(statistics.pvariance([r[i] for r in rows]) for i in range(k))
    total_var = statistics.pvariance([sum(r) for r in rows])
    return k / (k - 1) * (1 - item_var / total_var) if total_var > 0 else float("nan")


CARELESS_FLAGS = frozenset({"careless", "straight_lining"})  # from the answers alone, no answer times


def _flagged(result: Result, timed: bool = False) -> bool:
    codes = CARELESS_FLAGS | {"too_fast"} if timed else CARELESS_FLAGS
    return any(f.code in codes for f in result.flags)


def _ci(result: Result, truth: float) -> bool:
    return result.overall - 1.96 * result.overall_se <= 100 * truth <= result.overall + 1.96 * result.overall_se


def calibration_error(pairs: Sequence[tuple[float, bool]], bins: int = 10) -> float | None:
    """Expected calibration error of ``P(AM)``: ``sum_b n_b / n * |mean p_b - share true AM_b|``."""
    if not pairs:
        return None
    groups: dict[int, list[tuple[float, bool]]] = {}
    for p, truth in pairs:
        groups.setdefault(min(bins - 1, int(p * bins)), []).append((p, truth))
    err = sum(
        len(g) * abs(statistics.fmean(p for p, _ in g) - sum(1 for _, t in g if t) / len(g)) for g in groups.values()
    )
    return err / len(pairs)


def condition(bank: Bank, profile: str, style: str, n: int, seed: int) -> dict[str, Any]:
    """Score ``n`` people of one profile family (``clear``, ``borderline``, ``mixed``) and style."""
    rng = random.Random(f"{seed}:{profile}:{style}")
    people: list[tuple[Respondent, Result]] = []
    for _ in range(n):
        p: Profile = rng.choice(("am", "pm")) if profile == "clear" else profile  # type: ignore[assignment]
        r = respondent(bank, p, rng, style=style)
        people.append((r, score(bank, r.answers)))

    def share(pred: Callable[[Respondent, Result], bool]) -> float:
        return round(sum(1 for r, res in people if pred(r, res)) / n, 4)

    def covered(r: Respondent, res: Result) -> float:
        truth = dict(r.true_scores)
        return sum(1 for d in res.dimensions if d.ci95[0] <= 100 * truth[d.id] <= d.ci95[1]) / len(res.dimensions)

    out: dict[str, Any] = {"profile": profile, "style": style, "n": n}
    if profile == "clear":
        out["right"] = share(lambda r, res: res.recommendation == r.profile.upper())
        out["wrong"] = share(
            lambda r, res: res.recommendation in ("AM", "PM") and res.recommendation != r.profile.upper()
        )
    else:
        out["right"] = None
        out["wrong"] = share(lambda r, res: res.recommendation in ("AM", "PM"))
    out["hybrid"] = share(lambda r, res: res.recommendation == "HYBRID")
    out["nocall"] = share(lambda r, res: res.recommendation == "NOCALL")
    out["coverage_dimension"] = round(statistics.fmean(covered(r, res) for r, res in people), 4)
    out["coverage_overall"] = share(lambda r, res: _ci(res, r.true_overall))
    out["flagged"] = share(lambda r, res: _flagged(res))
    out["flagged_timed"] = share(lambda r, res: _flagged(res, timed=True))
    out["misfit"] = share(lambda r, res: any(f.code == "misfit" for f in res.flags))
    ece = calibration_error([(res.p_am, r.true_overall > 0) for r, res in people])
    out["calibration_error"] = None if ece is None else round(ece, 4)
    return out


def simulate(
    bank: Bank,
    n: int = 1000,
    seed: int = 1,
    mix: tuple[float, float, float] = (0.4, 0.4, 0.2),
    styles: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Score simulated people under every profile family and response style; report each condition."""
    conditions = [
        condition(bank, profile, style, n, seed)
        for style in (styles or list(STYLES))
        for profile in ("clear", "borderline", "mixed")
    ]
    people = list(population(bank, n, seed, mix))
    alpha: dict[str, float | None] = {}
    for dim in bank.dimensions:
        items = [i for i in bank.orientation_items if i.kind in ("likert", "paired") and i.dimension == dim.id]
        rows = []
        for r in people:
            ys = [keyed_value(i, r.answers.values.get(i.id)) for i in items]
            if all(y is not None for y in ys):
                rows.append([y for y in ys if y is not None])
        a = cronbach_alpha(rows)
        alpha[dim.id] = None if math.isnan(a) else round(a, 3)
    return {
        "n": n,
        "seed": seed,
        "bank_version": bank.version,
        "scoring_version": SCORING_VERSION,
        "conditions": conditions,
        "cronbach_alpha": alpha,
    }


def person_fit_quantile(bank: Bank, n: int, seed: int, q: float = 0.95) -> float:
    """The cut of the person-fit statistic: the highest ``q`` quantile among the attentive profile families.

    Clear, borderline and mixed attentive people are drawn ``n`` each; with the returned cut no
    family has more than ``1 - q`` false alarms (borderline people, whose answers carry the least
    signal, set it).
    """
    cuts = []
    for profile in ("clear", "borderline", "mixed"):
        rng = random.Random(f"fit:{seed}:{profile}")
        values = []
        for _ in range(n):
            p: Profile = rng.choice(("am", "pm")) if profile == "clear" else profile  # type: ignore[assignment]
            res = score(bank, respondent(bank, p, rng).answers)
            if res.fit is not None and res.fit.statistic is not None:
                values.append(res.fit.statistic)
        values.sort()
        cuts.append(values[min(len(values) - 1, int(q * len(values)))])
    return max(cuts)


TABLE_START = "<!-- simulate:table:start -->"
TABLE_END = "<!-- simulate:table:end -->"


def _pct(x: float | None) -> str:
    return "" if x is None else f"{100 * x:.1f}%"


def table(report: dict[str, Any]) -> str:
    """The conditions as a Markdown table."""
    lines = [
        f"n = {report['n']:,} per condition, seed {report['seed']}, bank {report['bank_version']}, "
        f"scoring {report['scoring_version']}; `rolefit simulate --table docs/method.md` rewrites this block.",
        "",
        "| profile | style | right | confident wrong | HYBRID | no call | 95% CI covers (dim / overall) "
        "| flagged careless (answers / + times) | misfit | calibration error P(AM) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in report["conditions"]:
        lines.append(
            f"| {c['profile']} | {c['style']} | {_pct(c['right']) or '-'} | {_pct(c['wrong'])} | {_pct(c['hybrid'])} "
            f"| {_pct(c['nocall'])} | {_pct(c['coverage_dimension'])} / {_pct(c['coverage_overall'])} "
            f"| {_pct(c['flagged'])} / {_pct(c['flagged_timed'])} | {_pct(c['misfit'])} "
            f"| {c['calibration_error']:.3f} |"
        )
    alpha = ", ".join(f"{k} {v}" for k, v in report["cronbach_alpha"].items())
    lines += ["", f"Cronbach's alpha per dimension (clear and borderline mix, attentive): {alpha}."]
    return "\n".join(lines)


def replace_table(text: str, block: str) -> str:
    """Replace the marked block of ``text`` with ``block`` (the markers stay)."""
    pattern = re.compile(re.escape(TABLE_START) + r".*?" + re.escape(TABLE_END), re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"no {TABLE_START} ... {TABLE_END} block")
    return pattern.sub(lambda _: f"{TABLE_START}\n{block}\n{TABLE_END}", text)
