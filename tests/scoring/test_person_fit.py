"""Minimum evidence, person fit and response styles: when the engine calls, and how sure it says it is."""

from __future__ import annotations

import random

import pytest

from scoring import score
from scoring.engine import keyed_value
from scoring.model import Answers, AnswerValue, Bank
from scoring.serialize import result_from_dict, result_to_dict
from tests.conftest import pattern


def answers(values: dict[str, AnswerValue]) -> Answers:
    return Answers(lang="en", current_role="other", values=values)


def without(bank: Bank, dims: set[str]) -> dict[str, AnswerValue]:
    """The strong AM pattern with every question that measures ``dims`` left out."""
    values = dict(pattern(bank, "am").values)
    for item in bank.orientation_items:
        if set(item.loadings()) & dims:
            values[item.id] = None
    return values


def test_one_dimension_left_out_still_allows_a_call_two_do_not(bank: Bank) -> None:
    one = score(bank, answers(without(bank, {"scope"})))
    assert one.recommendation == "AM"
    assert one.evidence is not None and one.evidence.enough and one.evidence.overall_model_se <= 20
    two = score(bank, answers(without(bank, {"scope", "career"})))
    assert two.recommendation == "NOCALL"
    assert two.evidence is not None and two.evidence.overall_model_se > bank.scoring.max_overall_se
    assert two.lean == "am"  # the side so far is kept (the plan follows it)
    flag = next(f for f in two.flags if f.code == "not_enough")
    assert "more question" in flag.detail


def test_more_answers_counts_what_is_missing(bank: Bank) -> None:
    first = [i for i in bank.orientation_items if i.kind == "likert"][:2]
    result = score(bank, answers({i.id: 5 for i in first}))
    assert result.evidence is not None
    assert result.evidence.more_answers == 10  # 12 answers overall; four dimensions at 3 each also need 10
    assert result.evidence.answered == 2
    assert set(result.evidence.short) == {d.id for d in bank.dimensions}


def careless(bank: Bank, seed: int) -> dict[str, AnswerValue]:
    rng = random.Random(seed)
    return {
        i.id: rng.choice([o.id for o in i.options]) if i.kind == "situational" else rng.randint(1, i.max_value())
        for i in bank.orientation_items
    }


def test_random_answers_misfit_more_often_than_consistent_ones(bank: Bank) -> None:
    misfits = sum(
        1 for seed in range(40) if "misfit" in {f.code for f in score(bank, answers(careless(bank, seed))).flags}
    )
    assert misfits >= 12  # about half of random responders, from the statistic alone
    consistent = score(bank, answers(dict(pattern(bank, "am").values)))
    assert consistent.fit is not None and consistent.fit.statistic is not None
    assert consistent.fit.statistic < bank.scoring.person_fit_cut
    assert consistent.fit.dispersion == 1.0


def test_misfit_widens_the_error_but_never_moves_the_score(bank: Bank) -> None:
    seed = next(s for s in range(100) if "misfit" in {f.code for f in score(bank, answers(careless(bank, s))).flags})
    result = score(bank, answers(careless(bank, seed)))
    assert result.fit is not None and result.fit.dispersion > 1 and result.fit.widening > 1
    for d in result.dimensions:
        assert d.model_se is not None and d.se > d.model_se


def middle_heavy(bank: Bank, share: float) -> dict[str, AnswerValue]:
    values = dict(pattern(bank, "am").values)
    likert = [i for i in bank.orientation_items if i.kind == "likert"]
    for item in likert[: round(share * len(likert))]:
        values[item.id] = 3
    return values


def test_middle_answers_widen_the_error_in_proportion_to_the_score(bank: Bank) -> None:
    result = score(bank, answers(middle_heavy(bank, 0.7)))
    assert "midpoint_style" in {f.code for f in result.flags}
    assert result.fit is not None and result.fit.midpoint_share == pytest.approx(0.7, abs=0.02)
    for d in result.dimensions:
        assert d.model_se is not None
        assert d.se > d.model_se if abs(d.score) > 1 else d.se >= d.model_se
    plain = score(bank, answers(middle_heavy(bank, 0.2)))
    assert "midpoint_style" not in {f.code for f in plain.flags}
    # a neutral person answering the middle everywhere is not widened: nothing is hidden at 0
    neutral = score(bank, answers({i.id: 3 for i in bank.orientation_items if i.kind == "likert"}))
    assert neutral.overall == 0 and all(d.se == d.model_se for d in neutral.dimensions)


def test_end_answers_widen_the_error_and_keep_the_call(bank: Bank) -> None:
    result = score(bank, answers(dict(pattern(bank, "am").values)))
    assert "extreme_style" in {f.code for f in result.flags}
    assert result.recommendation == "AM" and result.p_am > 0.99
    assert result.fit is not None and result.fit.extreme_share == 1.0 and result.fit.widening > 1


def test_person_fit_needs_enough_statements(bank: Bank) -> None:
    few = {i.id: 5 for i in bank.orientation_items if i.kind == "likert"}
    few = dict(list(few.items())[: bank.scoring.person_fit_min_items - 1])
    result = score(bank, answers(few))
    assert result.fit is not None and result.fit.statistic is None and result.fit.dispersion == 1.0
    assert not {"misfit", "extreme_style"} & {f.code for f in result.flags}


def test_keyed_values_of_skills_are_none(bank: Bank) -> None:
    assert keyed_value(bank.proficiency_items[0], 3) is None


def test_results_round_trip_and_1x_snapshots_still_load(bank: Bank) -> None:
    result = score(bank, answers(careless(bank, 1)))
    assert result_from_dict(result_to_dict(result)) == result
    old = result_to_dict(result)
    for key in ("evidence", "fit"):
        del old[key]
    for d in old["dimensions"]:
        del d["model_se"], d["information"]
    old["scoring_version"] = "1.0.0"
    loaded = result_from_dict(old)
    assert loaded.evidence is None and loaded.fit is None
    assert all(d.model_se is None and d.information == 0 for d in loaded.dimensions)
