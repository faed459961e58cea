"""Answers -> dimension scores with standard errors, person fit, readiness and quality flags.

Measurement model (see docs/method.md). Every answered orientation item adds,
on each dimension ``d`` it measures, an information ``I`` and a score ``u``
(the gradient of its log-likelihood at the prior mean, positive = AM pole):

- likert, keyed AM: ``y = (v - 3) / 2``; keyed PM: ``y = -(v - 3) / 2``;
  paired (1 = clearly A .. 4 = clearly B): ``y = (1, 1/3, -1/3, -1)[v - 1]``,
  sign flipped when A is the PM side. Linear model ``y = theta_d + e``,
  ``e ~ N(0, sigma^2)``: ``I = 1 / sigma^2``, ``u = y / sigma^2``.
- situational: a nominal-response (multinomial logit) choice model
  (Bock 1972) with option slopes ``beta * w_od``::

      P(o | theta) = exp(beta * sum_d w_od theta_d) / sum_k exp(beta * sum_d w_kd theta_d)

  Its score and Fisher information at ``theta = 0`` (every option equally
  likely) are ``u_d = beta * (w_chosen,d - mean_o w_od)`` and
  ``I_d = beta^2 * var_o(w_od)``: an option informs a dimension only through
  how it differs from the other options on it. A dimension all options weigh
  alike gets nothing; choosing an option that does not weigh ``d`` while others
  do is evidence against the pole those others carry.

With prior ``theta_d ~ N(0, tau^2)``, one Fisher-scoring step from the prior
mean gives the posterior

    precision_d = sum_i I_i + 1 / tau^2
    theta_hat_d = sum_i u_i / precision_d
    model_se_d  = 1 / sqrt(precision_d)

reported as ``D_d = 100 * clip(theta_hat_d, -1, 1)`` (the one-step estimate of a
situation-heavy answer pattern can pass the end of the scale). The model error depends only on which
items were answered: fewer answers never shrink it.

Person fit (Drasgow et al. 1985; Meade & Craig 2012) is a standardised
chi-square under this model: the residuals of the statements and pairs,
``r_i = y_i - theta_hat_d``, and the Pearson residual of every situation under
the choice model at ``theta_hat`` (``p_c`` = probability of the chosen option,
``K`` options; its expectation is ``K - 1`` whatever ``theta``)::

    chi2 = sum_i r_i^2 / sigma^2 + sum_s (1 - p_c) / p_c
    df   = n - k + sum_s (K_s - 1)       (n statements and pairs, k dimensions with such answers)
    z    = ((chi2 / df)^(1/3) - (1 - 2 / (9 df))) / sqrt(2 / (9 df))    (Wilson-Hilferty)

``z`` above ``person_fit_cut`` flags a misfit. The reported error widens with
the dispersion ``phi = max(1, chi2 / df)`` and with a style term ``s`` for
people who use mostly the middle (share ``m`` of "3") or mostly the ends of
the scale (share ``e`` of "1" or "5"). Middle answers shrink a score towards 0
and end answers stretch it, in proportion to the score itself, so the style
term is a share ``g`` of the score::

    excess(x, t) = max(0, (x - t) / (1 - t))
    g    = max(midpoint_widening * excess(m, midpoint_style_share) / (1 - min(m, 0.9)),
               extreme_widening * excess(e, extreme_style_share))
    s_d  = g * |theta_hat_d|
    se_d = 100 * min(tau, sqrt(phi * model_se_d^2 + s_d^2))

The scores themselves never change with fit or style: only how sure we are.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache

from scoring import SCORING_VERSION
from scoring.fit import decide, evidence
from scoring.model import (
    TRACKS,
    Answers,
    AnswerValue,
    Bank,
    Contribution,
    DimensionScore,
    Flag,
    Item,
    Params,
    PersonFit,
    Result,
    SkillReadiness,
    TrackId,
)

PAIRED_X = (1.0, 1.0 / 3.0, -1.0 / 3.0, -1.0)


def keyed_value(item: Item, value: AnswerValue) -> float | None:
    """The keyed score ``y`` in ``[-1, 1]`` of a statement or pair answer (None otherwise)."""
    if value is None or item.kind not in ("likert", "paired"):
        return None
    assert isinstance(value, int)
    if item.kind == "likert":
        y = (value - 3) / 2.0
        return y if item.key == "am" else -y
    assert item.a is not None
    x = PAIRED_X[value - 1]
    return x if item.a.pole == "am" else -x


def item_params(bank: Bank, item: Item, params: Params | None) -> tuple[float, float]:
    """``(a, sigma)`` of a statement or pair: calibrated if ``params`` names it, else ``(1, item_error_sd)``."""
    p = params.items.get(item.id) if params is not None else None
    return (p.a, p.error_sd) if p is not None else (1.0, bank.scoring.item_error_sd)


def _observation(
    item: Item, value: AnswerValue, bank: Bank, params: Params | None = None
) -> dict[str, tuple[float, float]]:
    c = bank.scoring
    if item.kind in ("likert", "paired"):
        assert item.dimension is not None
        y = keyed_value(item, value)
        assert y is not None
        a, sigma = item_params(bank, item, params)
        inv = 1.0 / sigma**2
        return {item.dimension: (a * a * inv, a * y * inv)}
    chosen = next(o for o in item.options if o.id == value)
    beta = c.situation_slope
    out: dict[str, tuple[float, float]] = {}
    for dim, spread in item.loadings().items():
        mean = sum(o.weights.get(dim, 0.0) for o in item.options) / len(item.options)
        out[dim] = (beta * beta * spread * spread, beta * (chosen.weights.get(dim, 0.0) - mean))
    return out


Table = dict[AnswerValue, dict[str, tuple[float, float]]]


@lru_cache(maxsize=16)
def compiled(bank: Bank, params: Params | None = None) -> tuple[tuple[Item, tuple[str, ...], Table], ...]:
    """Per orientation item: its dimensions and ``{value: {dimension: (I, u)}}`` for every possible answer.

    Built once per bank and parameter file (both read-only and compared by identity).
    """
    out = []
    for item in bank.orientation_items:
        values: list[AnswerValue] = (
            [o.id for o in item.options] if item.kind == "situational" else list(range(1, item.max_value() + 1))
        )
        out.append((item, tuple(item.loadings()), {v: _observation(item, v, bank, params) for v in values}))
    return tuple(out)


def keyed(item: Item, value: AnswerValue, bank: Bank, params: Params | None = None) -> dict[str, tuple[float, float]]:
    """Return ``{dimension: (I, u)}`` for one answer (empty for a skipped or proficiency item)."""
    if value is None or item.kind == "proficiency":
        return {}
    return _observation(item, value, bank, params)


def _excess(share: float, threshold: float) -> float:
    return max(0.0, (share - threshold) / (1.0 - threshold))


def person_fit(
    bank: Bank, values: dict[str, AnswerValue], theta: dict[str, float], params: Params | None = None
) -> PersonFit:
    """Standardised chi-square of the statement, pair and situation residuals, dispersion and scale use.

    With calibrated ``params`` a statement's residual is ``y - a * theta`` over its own ``sigma``.
    """
    c = bank.scoring
    chi2, n, dims = 0.0, 0, set()
    likert: list[int] = []
    for item in bank.orientation_items:
        y = keyed_value(item, values.get(item.id))
        if y is None:
            continue
        assert item.dimension is not None
        a, sigma = item_params(bank, item, params)
        chi2 += (y - a * theta[item.dimension]) ** 2 / sigma**2
        n += 1
        dims.add(item.dimension)
        if item.kind == "likert":
            v = values[item.id]
            assert isinstance(v, int)
            likert.append(v)
    beta = c.situation_slope
    for item in bank.orientation_items:
        value = values.get(item.id)
        if item.kind != "situational" or value is None:
            continue
        utilities = [beta * sum(w * theta[d] for d, w in o.weights.items()) for o in item.options]
        top = max(utilities)
        weights = [math.exp(u - top) for u in utilities]
        p_chosen = weights[[o.id for o in item.options].index(str(value))] / sum(weights)
        chi2 += (1.0 - p_chosen) / p_chosen  # Pearson chi-square of one choice
        n += len(item.options) - 1
    df = n - len(dims)
    statistic: float | None = None
    dispersion = 1.0
    if n >= c.person_fit_min_items and df > 0:
        ratio = chi2 / df
        h = 2.0 / (9.0 * df)
        statistic = (ratio ** (1.0 / 3.0) - (1.0 - h)) / math.sqrt(h)
        dispersion = max(1.0, ratio)
    mid = sum(1 for v in likert if v == 3) / len(likert) if likert else 0.0
    ends = sum(1 for v in likert if v in (1, 5)) / len(likert) if likert else 0.0
    return PersonFit(
        statistic=statistic,
        items=n,
        dispersion=dispersion,
        midpoint_share=mid,
        extreme_share=ends,
        widening=1.0,
    )


def style_factor(bank: Bank, fit: PersonFit) -> float:
    """The style factor ``g``: the share of a dimension score that one-sided scale use may hide or add."""
    c = bank.scoring
    if fit.items < c.person_fit_min_items:
        return 0.0
    mid = _excess(fit.midpoint_share, c.midpoint_style_share) / (1.0 - min(fit.midpoint_share, 0.9))
    ends = _excess(fit.extreme_share, c.extreme_style_share)
    return max(c.midpoint_widening * mid, c.extreme_widening * ends)


def score_dimensions(
    bank: Bank, values: dict[str, AnswerValue], params: Params | None = None
) -> tuple[tuple[DimensionScore, ...], PersonFit]:
    """Posterior mean, model and reported error of every dimension (formulas in the module docstring)."""
    c = bank.scoring
    prior_precision = 1.0 / c.prior_sd**2
    sum_u: dict[str, float] = {d.id: 0.0 for d in bank.dimensions}
    sum_i: dict[str, float] = dict.fromkeys(sum_u, 0.0)
    answered: Counter[str] = Counter()
    total: Counter[str] = Counter()
    contributions: dict[str, list[Contribution]] = {d: [] for d in sum_u}
    sigma2 = c.item_error_sd**2
    for item, dims, table in compiled(bank, params):
        total.update(dims)
        value = values.get(item.id)
        if value is None:
            continue
        for dim, (info, u) in table[value].items():
            sum_u[dim] += u
            sum_i[dim] += info
            answered[dim] += 1
            contributions[dim].append(Contribution(item.id, u * sigma2))
    theta = {d: max(-1.0, min(1.0, sum_u[d] / (sum_i[d] + prior_precision))) for d in sum_u}
    fit = person_fit(bank, values, theta, params)
    g = style_factor(bank, fit)
    out = []
    for d in bank.dimensions:
        variance = 1.0 / (sum_i[d.id] + prior_precision)
        s = g * abs(theta[d.id])
        reported = min(c.prior_sd, math.sqrt(fit.dispersion * variance + s * s))
        contribs = sorted(contributions[d.id], key=lambda x: (-abs(x.value), x.item_id))
        out.append(
            DimensionScore(
                id=d.id,
                score=100.0 * theta[d.id],
                se=100.0 * reported,
                answered=answered[d.id],
                items=total[d.id],
                sufficient=answered[d.id] >= c.min_answers_per_dimension and sum_i[d.id] >= c.min_dimension_information,
                contributions=tuple(contribs),
                model_se=100.0 * math.sqrt(variance),
                information=sum_i[d.id],
            )
        )
    return tuple(out), fit


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


def failed_checks(bank: Bank, values: Mapping[str, AnswerValue]) -> tuple[str, ...]:
    """The instructed-response items answered on the wrong side of the scale.

    An answer passes when it is on the side the text asks for (``expect`` 2 = "Disagree": 1 or 2;
    4 = "Agree": 4 or 5; 3: only 3), so that a reader who uses the ends of the scale passes.
    A skipped check is neither passed nor failed.
    """
    out = []
    for item in bank.check_items:
        v = values.get(item.id)
        if isinstance(v, int) and item.expect is not None:
            side = (v > 3) - (v < 3)
            if side != (item.expect > 3) - (item.expect < 3):
                out.append(item.id)
    return tuple(out)


def careless_evidence(
    bank: Bank, values: Mapping[str, AnswerValue], fit: PersonFit | None
) -> tuple[str, tuple[str, ...]] | None:
    """The careless-answering rule (docs/method.md), without answer times; None when it does not fire.

    With ``f`` instructed-response items failed and person-fit ``z``: careless when ``f >= 2``, or
    ``f == 1`` and ``z > careless_fit_cut``, or, when no check was answered at all (a one-shot API call
    that leaves them out), ``z > careless_fit_alone_cut``. A person who passed the checks read them: a
    poor fit alone (as answering only at the ends of the scale gives) is the misfit warning, not this
    one. Returns the reason and the items.
    """
    c = bank.scoring
    failed = failed_checks(bank, values)
    z = fit.statistic if fit is not None else None
    if len(failed) >= 2:
        return f"{len(failed)} instructed answers were not given", failed
    if failed and z is not None and z > c.careless_fit_cut:
        return f"an instructed answer was not given and the answers fit poorly (z = {z:.2f})", failed
    answered = [i for i in bank.check_items if values.get(i.id) is not None]
    if not answered and z is not None and z > c.careless_fit_alone_cut:
        return f"the answers fit the model very poorly (person-fit z = {z:.2f})", failed
    return None


def quality_flags(
    bank: Bank, answers: Answers, dimensions: Iterable[DimensionScore], fit: PersonFit | None = None
) -> tuple[Flag, ...]:
    """Warnings about the response itself; they never change a score (misfit and style widen the error)."""
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
    careless = careless_evidence(bank, values, fit)
    if careless is not None:
        flags.append(Flag("careless", careless[0], careless[1]))
    if fit is not None and fit.statistic is not None:
        if fit.statistic > c.person_fit_cut:
            flags.append(
                Flag("misfit", f"the answers fit the model poorly (person-fit z = {fit.statistic:.2f}); error widened")
            )
        if _excess(fit.midpoint_share, c.midpoint_style_share) > 0:
            flags.append(Flag("midpoint_style", f"{fit.midpoint_share:.0%} of statements answered in the middle"))
        if _excess(fit.extreme_share, c.extreme_style_share) > 0:
            flags.append(Flag("extreme_style", f"{fit.extreme_share:.0%} of statements answered at the ends"))
    return tuple(flags)


def score(bank: Bank, answers: Answers, params: Params | None = None) -> Result:
    """Score a validated response. Pure: same bank, answers and parameters, same result.

    ``params`` (from :func:`scoring.params_from_dict`): calibrated loadings and errors of the statements and
    pairs it names, in place of the bank's ``a = 1`` and ``item_error_sd``; the result names its version.
    """
    if params is not None and params.bank_version != bank.version:
        raise ValueError(f"parameters for bank {params.bank_version} cannot score bank {bank.version}")
    values = dict(answers.values)
    dimensions, fit = score_dimensions(bank, values, params)
    orientation_answered = sum(1 for i in bank.orientation_items if values.get(i.id) is not None)
    enough = evidence(bank, dimensions, orientation_answered)
    weights = {d.id: d.weight for d in bank.dimensions}
    total = sum(weights.values())
    style = style_factor(bank, fit) * sum(weights[d.id] / total * abs(d.score) / 100.0 for d in dimensions)
    overall, overall_se, p_am, recommendation, lean = decide(bank, dimensions, fit, style, enough)
    model_overall_se = math.sqrt(sum((weights[d.id] / total) ** 2 * (d.model_se or 0.0) ** 2 for d in dimensions))
    fit = PersonFit(
        statistic=fit.statistic,
        items=fit.items,
        dispersion=fit.dispersion,
        midpoint_share=fit.midpoint_share,
        extreme_share=fit.extreme_share,
        widening=overall_se / model_overall_se,
    )
    skills, track = readiness(bank, values)
    answered = sum(1 for i in bank.items if values.get(i.id) is not None)
    flags = quality_flags(bank, answers, dimensions, fit)
    if not enough.enough:
        flags += (
            Flag(
                "not_enough",
                f"not enough answers to call a track: answer at least {enough.more_answers} more question(s)"
                + (f" on {', '.join(enough.short)}" if enough.short else ""),
                enough.short,
            ),
        )
    return Result(
        dimensions=dimensions,
        overall=overall,
        overall_se=overall_se,
        p_am=p_am,
        recommendation=recommendation,
        lean=lean,
        readiness=skills,
        track_readiness=track,
        flags=flags,
        answered=answered,
        items=len(bank.items),
        bank_version=bank.version,
        scoring_version=SCORING_VERSION,
        evidence=enough,
        fit=fit,
        params_version=params.version if params is not None else None,
    )
