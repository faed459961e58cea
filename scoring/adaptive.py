"""The adaptive short form: which orientation question to ask next, and when the call is settled.

Pure and deterministic: the next question depends only on the bank, the answers given so far
(in the order they were asked), and a seed (the assessment's public id). The web quiz, the
step-by-step API and the simulation all call :func:`step`; :func:`replay` rebuilds the order in
which a stored set of answers was asked, so that resume and another device need no session memory.

Stopping: a truncated sequential probability ratio test (Wald 1947; Reckase 1983; Spray & Reckase
1996) at each of the two cuts of the hybrid band ``+-h``, with an indifference region of half-width
``delta`` around each cut (Eggen 1999 for more than one cut). On the overall orientation ``O`` and
its reported error ``SE_O`` (which already widens for misfit and one-sided scale use), the log
likelihood ratio of "the true orientation is ``h + delta``" against "it is ``h - delta``" is::

    LLR_AM = ((O - (h - delta))^2 - (O - (h + delta))^2) / (2 SE_O^2) = 2 delta (O - h) / SE_O^2
    LLR_PM = 2 delta (-h - O) / SE_O^2

The form stops early with a call when ``LLR >= log((1 - beta) / alpha)`` on the call's side *and*
the engine's own rule (minimum evidence, ``P >= q``) gives the same call. It never stops early
for HYBRID: a person near the band answers the whole form (the truncation: at the full form the
engine's decision is the decision), so the stop can never force anyone to a call.

A stop also waits for: ``min_length`` questions; every dimension at its minimum number of answers;
``contradiction_min_pairs`` mirrored statement pairs complete (so the consistency check can fire);
a person-fit statistic that exists and is below the cut; no careless flag (misfit, contradictory,
straight lining, too fast). A misfitting person is never stopped early.

Selection, in this order (constrained CAT; Kingsbury & Zara 1989, van der Linden 2005):

1. a mirrored partner is due ``mirror_gap`` questions after its pair was asked, and statements with a
   mirror go first until enough pairs for the consistency check are open;
2. while a dimension is below its minimum, only questions measuring such a dimension;
3. the item kind furthest behind its share of the bank (statements, pairs, situations mixed);
4. among those, the largest drop of the overall error variance at the current estimate::

       gain = sum_d w_d^2 (1 / P_d - 1 / (P_d + I_d(theta_hat)))

   with ``P_d`` the posterior precision so far and ``I_d`` the item's information (a situation's
   nominal-response information ``beta^2 var_p(w_d)`` at the current estimate; a statement's
   ``a^2 / sigma^2``);
5. randomesque exposure control: one of the ``randomesque`` best, drawn from the seed and the
   number asked (situations and statements rotate from person to person).
"""

from __future__ import annotations

import math
import random
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache

from scoring.engine import compiled, score
from scoring.model import Answers, AnswerValue, Bank, Flag, Item, Params, Recommendation, Result

CARELESS = frozenset({"careless", "misfit", "contradictory", "straight_lining", "too_fast"})


@dataclass(frozen=True)
class Rules:
    """The adaptive form's constants (see the module docstring; chosen by ``rolefit simulate --adaptive``)."""

    min_length: int = 16
    indifference: float = 15.0  # delta, points on the -100..100 scale
    alpha: float = 0.05  # chance of stopping with a call when the truth is at h - delta
    beta: float = 0.05
    randomesque: int = 3
    mirror_gap: int = 3


RULES = Rules()


@dataclass(frozen=True)
class Step:
    """Where an adaptive form stands: the next question, or why it stopped."""

    item_id: str | None  # the next orientation question; None when stopped or every question was asked
    stopped: bool  # True when the test settled the call before the full form
    asked: int  # orientation questions asked so far (answered or skipped)
    total: int  # orientation questions in the full form
    decision: Recommendation | None  # the settled call (AM or PM) when stopped
    held: tuple[str, ...]  # what kept the form going: min_length, dimension_minimum, mirror_pairs,
    # person_fit, careless, sprt, evidence (empty when stopped or complete)


def mirrors(bank: Bank) -> dict[str, str]:
    """Each mirrored statement's partner, both ways."""
    out: dict[str, str] = {}
    for item in bank.orientation_items:
        if item.mirror is not None and bank.has_item(item.mirror):
            out[item.id] = item.mirror
            out[item.mirror] = item.id
    return out


def _weights(bank: Bank) -> dict[str, float]:
    total = sum(d.weight for d in bank.dimensions)
    return {d.id: d.weight / total for d in bank.dimensions}


def _posterior(
    bank: Bank, values: Mapping[str, AnswerValue], params: Params | None
) -> tuple[dict[str, float], dict[str, float], dict[str, int]]:
    """Posterior precision, one-step estimate and number of answers per dimension (as the engine scores)."""
    prior = 1.0 / bank.scoring.prior_sd**2
    precision = {d.id: prior for d in bank.dimensions}
    total_u = dict.fromkeys(precision, 0.0)
    count = dict.fromkeys(precision, 0)
    for item, _dims, table in compiled(bank, params):
        value = values.get(item.id)
        if value is None:
            continue
        for dim, (info, u) in table[value].items():
            precision[dim] += info
            total_u[dim] += u
            count[dim] += 1
    theta = {d: max(-1.0, min(1.0, total_u[d] / precision[d])) for d in precision}
    return precision, theta, count


@lru_cache(maxsize=16)
def _fixed_information(bank: Bank, params: Params | None) -> dict[str, dict[str, float]]:
    """A statement's or pair's information, the same at every estimate (the engine's linear model)."""
    return {
        item.id: {d: info for d, (info, _) in next(iter(table.values())).items()}
        for item, _, table in compiled(bank, params)
        if item.kind != "situational"
    }


def information(bank: Bank, item: Item, theta: Mapping[str, float], params: Params | None = None) -> dict[str, float]:
    """Fisher information of ``item`` per dimension at ``theta``."""
    if item.kind != "situational":
        return _fixed_information(bank, params)[item.id]
    beta = bank.scoring.situation_slope
    utilities = [beta * sum(w * theta[d] for d, w in o.weights.items()) for o in item.options]
    top = max(utilities)
    p = [math.exp(u - top) for u in utilities]
    norm = sum(p)
    p = [x / norm for x in p]
    out = {}
    for dim in item.loadings():
        ws = [o.weights.get(dim, 0.0) for o in item.options]
        mean = sum(pk * w for pk, w in zip(p, ws, strict=True))
        out[dim] = beta * beta * sum(pk * (w - mean) ** 2 for pk, w in zip(p, ws, strict=True))
    return out


def next_item(
    bank: Bank,
    values: Mapping[str, AnswerValue],
    seed: str,
    rules: Rules = RULES,
    params: Params | None = None,
    pool: Collection[str] | None = None,
) -> str | None:
    """The next orientation question after ``values`` (asked in their insertion order); None when all were asked.

    ``pool`` restricts the choice (used by :func:`replay`).
    """
    asked = [i for i in values if bank.has_item(i) and bank.item(i).kind not in ("proficiency", "check")]
    done = set(asked)
    remaining = [i for i in bank.orientation_items if i.id not in done and (pool is None or i.id in pool)]
    if not remaining:
        return None
    partner = mirrors(bank)
    left = {i.id for i in remaining}
    for n, item_id in enumerate(asked):
        other = partner.get(item_id)
        if other in left and other not in done and len(asked) - n - 1 >= rules.mirror_gap:
            return other
    precision, theta, count = _posterior(bank, values, params)
    minimum = bank.scoring.min_answers_per_dimension
    short = {d for d, c in count.items() if c < minimum}
    if short:
        measuring = [i for i in remaining if short & set(i.loadings())]
        remaining = measuring or remaining
    kinds = [i.kind for i in bank.orientation_items]
    asked_kinds = [bank.item(i).kind for i in asked]
    present = sorted({i.kind for i in remaining})
    behind = max(present, key=lambda k: (kinds.count(k) / len(kinds) * (len(asked) + 1) - asked_kinds.count(k), k))
    remaining = [i for i in remaining if i.kind == behind]
    wanted = min(bank.scoring.contradiction_min_pairs, len(partner) // 2)
    if sum(1 for i in asked if i in partner) < 2 * wanted:  # open the pairs the consistency check needs early
        remaining = [i for i in remaining if i.id in partner] or remaining
    weights = _weights(bank)

    def gain(item: Item) -> float:
        info = information(bank, item, theta, params)
        return sum(weights[d] ** 2 * (1.0 / precision[d] - 1.0 / (precision[d] + i)) for d, i in info.items())

    ranked = sorted(remaining, key=lambda i: (-round(gain(i), 12), i.id))
    best = ranked[: rules.randomesque]
    rng = random.Random(f"rolefit-adaptive:{seed}:{len(asked)}")  # noqa: S311 -- exposure control, not a secret
    return rng.choice(best).id


def sprt(bank: Bank, result: Result, rules: Rules = RULES) -> tuple[Recommendation | None, float]:
    """The call the truncated SPRT accepts at the nearer cut (None: keep asking) and its log likelihood ratio."""
    h, delta = bank.scoring.hybrid_band, rules.indifference
    se2 = result.overall_se**2
    if result.overall >= 0:
        llr, call = 2.0 * delta * (result.overall - h) / se2, "AM"
    else:
        llr, call = 2.0 * delta * (-h - result.overall) / se2, "PM"
    upper = math.log((1.0 - rules.beta) / rules.alpha)
    return (call if llr >= upper else None), llr  # type: ignore[return-value]


def complete_pairs(bank: Bank, values: Mapping[str, AnswerValue]) -> int:
    """Mirrored statement pairs with both statements answered."""
    return sum(1 for a, b in mirrors(bank).items() if a < b and values.get(a) is not None and values.get(b) is not None)


def step(
    bank: Bank, answers: Answers, seed: str, rules: Rules = RULES, params: Params | None = None, stop: bool = True
) -> Step:
    """Where the adaptive form stands after ``answers`` (orientation answers in the order asked).

    ``stop`` False (the person chose to continue to the full form) keeps asking until every question was asked.
    """
    values = answers.values
    total = len(bank.orientation_items)
    asked = sum(1 for i in bank.orientation_items if i.id in values)
    if asked >= total:
        return Step(None, False, asked, total, None, ())
    held: list[str] = []
    if not stop:
        held.append("continued")
    if asked < rules.min_length:
        held.append("min_length")
    _, _, count = _posterior(bank, values, None)
    if min(count.values()) < bank.scoring.min_answers_per_dimension:
        held.append("dimension_minimum")
    wanted = min(bank.scoring.contradiction_min_pairs, len(mirrors(bank)) // 2)
    if complete_pairs(bank, values) < wanted:
        held.append("mirror_pairs")
    if not held:
        result = score(bank, answers, params)
        if result.fit is None or result.fit.statistic is None or result.fit.statistic > bank.scoring.person_fit_cut:
            held.append("person_fit")
        if any(f.code in CARELESS for f in result.flags):
            held.append("careless")
        call, _ = sprt(bank, result, rules)
        if call is None:
            held.append("sprt")
        elif call != result.recommendation:
            held.append("evidence")
        if not held:
            return Step(None, True, asked, total, call, ())
    return Step(next_item(bank, values, seed, rules, params), False, asked, total, None, tuple(held))


def replay(
    bank: Bank, values: Mapping[str, AnswerValue], seed: str, rules: Rules = RULES, params: Params | None = None
) -> tuple[str, ...]:
    """The order in which the stored orientation answers ``values`` were asked, rebuilt from them and the seed.

    Each step takes the question the form would have chosen next; if an earlier answer was changed
    since and the form would now choose a question not answered, the answered question it would
    choose among those left takes its place. Every answered orientation question appears once.
    """
    pool = {i.id for i in bank.orientation_items if i.id in values}
    order: dict[str, AnswerValue] = {}
    while pool:
        chosen = next_item(bank, order, seed, rules, params)
        if chosen not in pool:
            chosen = next_item(bank, order, seed, rules, params, pool=pool)
        assert chosen is not None
        order[chosen] = values[chosen]
        pool.discard(chosen)
    return tuple(order)


def short_form_flags(bank: Bank, result: Result, values: Mapping[str, AnswerValue]) -> Result:
    """``result`` of an adaptive form with "too many skipped" judged on the questions asked, not the whole bank.

    A question the form never asked was not skipped; one asked and not answered was.
    """
    asked = [i.id for i in bank.orientation_items if i.id in values]
    skipped = [i for i in asked if values[i] is None]
    flags = tuple(f for f in result.flags if f.code != "too_many_skipped")
    if asked and len(skipped) / len(asked) > bank.scoring.max_skipped_share:
        flags += (Flag("too_many_skipped", f"{len(skipped)} of {len(asked)} questions asked were not answered"),)
    return replace(result, flags=flags)
