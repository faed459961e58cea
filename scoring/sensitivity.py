"""What would change my result: the answers that moved the overall orientation most, and their counterfactuals.

An answered orientation item ``i`` adds a score ``u_id`` to each dimension ``d`` it measures
(:mod:`scoring.engine`). With the posterior precision ``P_d = sum I + 1 / tau^2`` of the answers given
and the normalised dimension weights ``w_d``, its first-order pull on the overall orientation is

    pull_i = 100 * sum_d w_d * u_id / P_d

(positive = towards AM). The ``top`` items by ``|pull_i|`` are the levers. Each lever is then re-scored
exactly, with the full engine, twice:

- **neutral**: a statement answered "neither" (3); a pair or situation, which have no middle, left
  unanswered ("prefer not to answer");
- **opposite**: a statement mirrored (``6 - v``), a pair mirrored (``5 - v``), a situation answered with
  the reaction that pulls the overall orientation furthest the other way.

Each counterfactual reports the new overall orientation and the new recommendation, and how the call
changes, honestly:

- ``same``: the recommendation does not change;
- ``less_sure``: a clear call (AM or PM) would become HYBRID: not a flip to the other track;
- ``flip``: a clear call would become the other track's;
- ``call``: a HYBRID would become a clear call;
- a NOCALL stays NOCALL (changing an answer given never adds evidence), so it is always ``same``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

from scoring import SCORING_VERSION
from scoring.engine import compiled, score
from scoring.fit import _weights
from scoring.model import Answers, AnswerValue, Bank, Item, Params, Recommendation, Result

Change = Literal["same", "less_sure", "flip", "call"]


@dataclass(frozen=True)
class Counterfactual:
    """The result had one answer been ``value`` (None: unanswered)."""

    value: AnswerValue
    overall: float
    recommendation: Recommendation
    change: Change


@dataclass(frozen=True)
class Lever:
    """One answer that moved the overall orientation, and what changing it would do."""

    item_id: str
    value: AnswerValue  # the answer given
    pull: float  # first-order pull on the overall orientation, points (positive = towards AM)
    neutral: Counterfactual
    opposite: Counterfactual


def classify(before: Recommendation, after: Recommendation) -> Change:
    """How a recommendation changes: see the module docstring."""
    if before == after or "NOCALL" in (before, after):
        return "same"
    if before == "HYBRID":
        return "call"
    return "less_sure" if after == "HYBRID" else "flip"


def _neutral(item: Item, value: AnswerValue) -> AnswerValue:
    return 3 if item.kind == "likert" else None


def _opposite(
    item: Item, value: AnswerValue, table: Mapping[AnswerValue, Mapping[str, tuple[float, float]]]
) -> AnswerValue:
    if item.kind == "likert":
        assert isinstance(value, int)
        return 6 - value
    if item.kind == "paired":
        assert isinstance(value, int)
        return 5 - value
    mine = sum(u for _, u in table[value].values())
    # the reaction whose summed pull lies furthest from the chosen one's, on the other side
    return min(table, key=lambda v: (sum(u for _, u in table[v].values()) * (1 if mine >= 0 else -1), str(v)))


def reproduces(bank: Bank, answers: Answers, stored: Result, params: Params | None = None) -> bool:
    """Whether scoring ``answers`` afresh gives the stored result, as shown: so its levers explain that result.

    True for a result of this bank version; for one of an earlier bank whose change was wording only
    (a patch version), the fresh score matches too. Compared at what the result shows: the call, the overall
    orientation to the point and the probability to the per-mille; never across scoring versions.
    """
    if stored.scoring_version != SCORING_VERSION:
        return False
    fresh = score(bank, answers, params)
    return (
        fresh.recommendation == stored.recommendation
        and abs(fresh.overall - stored.overall) < 0.5
        and abs(fresh.p_am - stored.p_am) < 0.0005
    )


def levers(bank: Bank, answers: Answers, params: Params | None = None, top: int = 3) -> tuple[Lever, ...]:
    """The ``top`` answers with the largest pull on the overall orientation, each re-scored neutral and opposite.

    The baseline is the answers scored afresh (the same as a stored result of this bank and scoring version).
    """
    result = score(bank, answers, params)
    values = dict(answers.values)
    weights = _weights(bank)
    prior_precision = 1.0 / bank.scoring.prior_sd**2
    precision = {d.id: prior_precision + (d.information or 0.0) for d in result.dimensions}
    candidates: list[tuple[float, Item, AnswerValue, Mapping[AnswerValue, Mapping[str, tuple[float, float]]]]] = []
    for item, _, table in compiled(bank, params):
        value = values.get(item.id)
        if value is None:
            continue
        pull = 100.0 * sum(weights[d] * u / precision[d] for d, (_, u) in table[value].items())
        if pull:
            candidates.append((pull, item, value, table))
    candidates.sort(key=lambda c: (-abs(c[0]), c[1].id))

    def rescore(item: Item, value: AnswerValue) -> Counterfactual:
        changed = replace(answers, values={**values, item.id: value})
        other = score(bank, changed, params)
        return Counterfactual(
            value, other.overall, other.recommendation, classify(result.recommendation, other.recommendation)
        )

    return tuple(
        Lever(
            item_id=item.id,
            value=value,
            pull=pull,
            neutral=rescore(item, _neutral(item, value)),
            opposite=rescore(item, _opposite(item, value, table)),
        )
        for pull, item, value, table in candidates[:top]
    )
