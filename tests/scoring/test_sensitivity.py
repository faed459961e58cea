"""What would change my result: the levers are the answers that moved the result, re-scored exactly."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import load_bank, score
from scoring.model import Answers, AnswerValue, Bank
from scoring.sensitivity import classify, levers, reproduces
from tests.conftest import BANK_DIR, pattern

BANK = load_bank(BANK_DIR)


def _borderline(bank: Bank, lean: str) -> tuple[Answers, Answers]:
    """A clear ``lean`` pattern turned answer by answer towards the other side: (last clear call, first non-call)."""
    other = "pm" if lean == "am" else "am"
    values = dict(pattern(bank, lean).values)
    towards = pattern(bank, other).values
    last = Answers(lang="en", current_role="other", values=dict(values))
    for item in bank.orientation_items:
        values[item.id] = towards[item.id]
        now = Answers(lang="en", current_role="other", values=dict(values))
        if score(bank, now).recommendation != lean.upper():
            return last, now
        last = now
    raise AssertionError("the pattern never left its call")  # pragma: no cover


def test_classify_is_honest_about_uncertainty() -> None:
    assert classify("AM", "AM") == "same"
    assert classify("AM", "HYBRID") == "less_sure"  # not a flip to the other track
    assert classify("PM", "HYBRID") == "less_sure"
    assert classify("AM", "PM") == "flip"
    assert classify("PM", "AM") == "flip"
    assert classify("HYBRID", "AM") == "call"
    assert classify("NOCALL", "AM") == "same"  # a NOCALL stays NOCALL
    assert classify("AM", "NOCALL") == "same"


def test_a_clear_result_names_three_levers_that_change_nothing_alone(bank: Bank) -> None:
    found = levers(bank, pattern(bank, "am"))
    assert len(found) == 3
    assert all(lv.pull > 0 for lv in found)  # every answer of an AM pattern pulls towards AM
    assert [abs(lv.pull) for lv in found] == sorted((abs(lv.pull) for lv in found), reverse=True)
    for lv in found:
        assert lv.neutral.change == "same" and lv.opposite.change == "same"
        assert lv.neutral.recommendation == "AM"
        base = score(bank, pattern(bank, "am")).overall
        assert lv.opposite.overall < lv.neutral.overall <= base  # the opposite answer moves it further


def test_top_is_respected(bank: Bank) -> None:
    assert len(levers(bank, pattern(bank, "pm"), top=2)) == 2


@pytest.mark.parametrize("lean", ["am", "pm"])
def test_a_borderline_call_names_an_answer_that_would_unsettle_it(bank: Bank, lean: str) -> None:
    clear, _ = _borderline(bank, lean)
    found = levers(bank, clear)
    assert score(bank, clear).recommendation == lean.upper()
    assert any(lv.opposite.change in ("less_sure", "flip") for lv in found)
    for lv in found:
        if lv.opposite.change == "less_sure":
            assert lv.opposite.recommendation == "HYBRID"


def test_a_hybrid_names_an_answer_that_would_make_a_call(bank: Bank) -> None:
    _, hybrid = _borderline(bank, "am")
    assert score(bank, hybrid).recommendation == "HYBRID"
    found = levers(bank, hybrid, top=len(bank.orientation_items))
    assert any(lv.opposite.change == "call" for lv in found)


def test_nocall_stays_nocall(bank: Bank) -> None:
    few = dict(list(pattern(bank, "am").values.items())[:6])
    answers = Answers(lang="en", current_role="other", values=few)
    assert score(bank, answers).recommendation == "NOCALL"
    found = levers(bank, answers)
    assert found
    assert all(lv.neutral.change == lv.opposite.change == "same" for lv in found)
    assert all(lv.opposite.recommendation == "NOCALL" for lv in found)


def test_no_answers_no_levers(bank: Bank) -> None:
    assert levers(bank, Answers(lang="en", current_role="other", values={})) == ()


def test_situations_flip_to_the_reaction_that_pulls_the_other_way(bank: Bank) -> None:
    for lean in ("am", "pm"):
        values: dict[str, AnswerValue] = {
            i.id: v
            for i in bank.orientation_items
            if i.kind == "situational"
            for v in [pattern(bank, lean).values[i.id]]
        }
        answers = Answers(lang="en", current_role="other", values=values)
        for lv in levers(bank, answers):
            assert bank.item(lv.item_id).kind == "situational"
            assert lv.neutral.value is None  # a situation has no middle: neutral is unanswered
            assert lv.opposite.value != lv.value
            assert (lv.opposite.overall - score(bank, answers).overall) * lv.pull < 0


def _random_answers(bank: Bank, seed: int) -> Answers:
    rng = random.Random(seed)
    values: dict[str, AnswerValue] = {}
    for item in bank.orientation_items:
        if rng.random() < 0.1:
            continue
        if item.kind == "situational":
            values[item.id] = rng.choice(item.options).id
        else:
            values[item.id] = rng.randint(1, item.max_value())
    return Answers(lang="en", current_role="other", values=values)


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=0, max_value=10_000))
def test_every_counterfactual_is_the_engine_s_own_score(seed: int) -> None:
    bank = BANK
    answers = _random_answers(bank, seed)
    base = score(bank, answers)
    for lv in levers(bank, answers):
        assert answers.values[lv.item_id] == lv.value
        for cf in (lv.neutral, lv.opposite):
            other = score(bank, replace(answers, values={**answers.values, lv.item_id: cf.value}))
            assert other.overall == pytest.approx(cf.overall)
            assert other.recommendation == cf.recommendation
            assert cf.change == classify(base.recommendation, other.recommendation)
        # the first-order pull points the way the answer moved the result
        assert (base.overall - lv.neutral.overall) * lv.pull >= -1e-9 or bank.item(lv.item_id).kind == "likert"


def test_a_result_is_reproduced_by_its_own_answers_and_bank() -> None:
    answers = pattern(BANK, "am")
    stored = score(BANK, answers)
    assert reproduces(BANK, answers, stored)


def test_a_result_of_a_wording_only_bank_change_is_reproduced() -> None:
    # a patch version changes wording only: the stored result of 1.2.x is what the current bank scores
    answers = pattern(BANK, "pm")
    stored = replace(score(BANK, answers), bank_version="0.0.1")
    assert reproduces(BANK, answers, stored)


def test_a_result_that_scoring_afresh_does_not_give_is_not_explained_by_levers() -> None:
    answers = pattern(BANK, "am")
    stored = score(BANK, answers)
    assert not reproduces(BANK, answers, replace(stored, recommendation="PM"))
    assert not reproduces(BANK, answers, replace(stored, overall=stored.overall + 1))
    assert not reproduces(BANK, answers, replace(stored, p_am=stored.p_am - 0.01))
    assert not reproduces(BANK, answers, replace(stored, scoring_version="1.0.0"))  # never across engines
