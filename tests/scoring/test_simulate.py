"""Validation by simulation: the engine recovers known profiles under a model it does not share."""

from __future__ import annotations

import random

import pytest

from scoring import score
from scoring.model import Bank
from scoring.simulate import (
    STYLES,
    TABLE_END,
    TABLE_START,
    calibration_error,
    condition,
    cronbach_alpha,
    item_params,
    person_fit_quantile,
    population,
    replace_table,
    respondent,
    simulate,
    table,
)


def test_clear_attentive_profiles_are_recovered(bank: Bank) -> None:
    c = condition(bank, "clear", "attentive", 300, seed=7)
    assert c["right"] >= 0.97
    assert c["wrong"] == 0  # no confident wrong call among attentive people
    assert c["coverage_overall"] >= 0.9


@pytest.mark.slow
def test_borderline_and_mixed_profiles_are_almost_always_hybrid(bank: Bank) -> None:
    for profile in ("borderline", "mixed"):
        c = condition(bank, profile, "attentive", 200, seed=11)
        assert c["hybrid"] >= 0.9, c
        assert c["right"] is None


@pytest.mark.slow
def test_careless_answering_is_flagged_at_few_false_alarms(bank: Bank) -> None:
    careless = condition(bank, "clear", "careless", 200, seed=5)
    assert careless["flagged"] >= 0.8
    assert careless["misfit"] >= 0.45  # the person-fit statistic alone, without answer times
    half = condition(bank, "clear", "half_careless", 150, seed=5)
    assert half["misfit"] >= 0.7  # attentive statements, situations at random: the choice residuals show it
    attentive = [score(bank, r.answers) for r in population(bank, 400, seed=5)]
    false_alarms = sum(1 for res in attentive if {f.code for f in res.flags} & {"misfit", "contradictory", "too_fast"})
    assert false_alarms / len(attentive) <= 0.06


@pytest.mark.slow
def test_intervals_stay_honest_under_midpoint_and_extreme_styles(bank: Bank) -> None:
    for style in ("midpoint", "extreme"):
        c = condition(bank, "clear", style, 200, seed=3)
        assert c["coverage_overall"] >= 0.9, c
        assert c["coverage_dimension"] >= 0.9, c
        assert c["wrong"] <= 0.01


def test_the_person_fit_cut_sits_near_five_percent_of_attentive_people(bank: Bank) -> None:
    q95 = person_fit_quantile(bank, 100, seed=2)
    assert abs(q95 - bank.scoring.person_fit_cut) < 0.5


def test_partial_answers_are_not_called(bank: Bank) -> None:
    c = condition(bank, "clear", "partial", 200, seed=4)
    assert c["nocall"] >= 0.15  # about 23 % in the table (docs/method.md)
    assert c["wrong"] == 0


def test_every_style_runs_and_the_table_names_it(bank: Bank) -> None:
    report = simulate(bank, n=4, seed=1)
    assert len(report["conditions"]) == 3 * len(STYLES)
    text = table(report)
    for style in STYLES:
        assert f"| {style} |" in text
    assert set(report["cronbach_alpha"]) == {d.id for d in bank.dimensions}
    doc = f"before\n{TABLE_START}\nOLD-CONTENT\n{TABLE_END}\nafter"
    new = replace_table(doc, text)
    assert new.startswith("before\n") and new.endswith("\nafter") and "OLD-CONTENT" not in new and text in new
    with pytest.raises(ValueError, match="block"):
        replace_table("no markers", text)
    with pytest.raises(ValueError, match="style"):
        respondent(bank, "am", random.Random(1), style="sleepy")


def test_alpha_is_realistic_in_a_population(bank: Bank) -> None:
    report = simulate(bank, n=150, seed=3, styles=["attentive"])
    assert all(a is not None and 0.4 < a < 0.95 for a in report["cronbach_alpha"].values())


def test_item_parameters_are_fixed_by_the_item(bank: Bank) -> None:
    item = bank.item("lk_scope_am_1")
    assert item_params(item.id, item.kind) == item_params(item.id, item.kind)
    assert 0.3 <= item_params(item.id, item.kind).alpha <= 2.5


def test_population_is_reproducible(bank: Bank) -> None:
    a = [r.answers for r in population(bank, 5, seed=9)]
    b = [r.answers for r in population(bank, 5, seed=9)]
    assert a == b


def test_calibration_error() -> None:
    assert calibration_error([]) is None
    assert calibration_error([(0.95, True), (0.05, False)]) == pytest.approx(0.05)
    assert calibration_error([(0.9, False)]) == pytest.approx(0.9)


def test_cronbach_alpha_formula() -> None:
    # perfectly parallel items -> alpha 1; too few rows -> nan
    assert cronbach_alpha([[1, 1], [2, 2], [3, 3]]) == pytest.approx(1.0)
    assert cronbach_alpha([[1, 2]]) != cronbach_alpha([[1, 2]])  # nan
    assert cronbach_alpha([[1, 1], [1, 1], [1, 1]]) != cronbach_alpha([[1, 1], [1, 1], [1, 1]])  # zero variance
