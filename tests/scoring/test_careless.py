"""Careless answering without answer times: instructed-response items and person fit (scoring 2.1.0)."""

from __future__ import annotations

import random

from scoring import score
from scoring.engine import careless_evidence, failed_checks
from scoring.model import Answers, AnswerValue, Bank
from scoring.simulate import condition
from tests.conftest import pattern


def with_checks(bank: Bank, base: Answers, *checks: AnswerValue) -> Answers:
    values = dict(base.values)
    for item, v in zip(bank.check_items, checks, strict=True):
        values[item.id] = v
    return Answers(lang="en", current_role="other", values=values)


def codes(bank: Bank, answers: Answers) -> set[str]:
    return {f.code for f in score(bank, answers).flags}


def test_the_bank_has_two_instructed_items_that_measure_nothing(bank: Bank) -> None:
    checks = bank.check_items
    assert [(i.id, i.expect) for i in checks] == [("ck_read_disagree", 2), ("ck_read_agree", 4)]
    assert not {i.id for i in checks} & {i.id for i in bank.orientation_items}
    assert all("“" in i.text["en"] and i.text["zh-Hans"] and i.text["vi"] for i in checks)


def test_an_answer_on_the_asked_side_passes_the_other_side_or_the_middle_fails(bank: Bank) -> None:
    disagree, agree = bank.check_items
    assert failed_checks(bank, {disagree.id: 1, agree.id: 5}) == ()  # the ends of the asked side pass
    assert failed_checks(bank, {disagree.id: 2, agree.id: 4}) == ()
    assert failed_checks(bank, {disagree.id: 3, agree.id: 4}) == (disagree.id,)
    assert failed_checks(bank, {disagree.id: 4, agree.id: 2}) == (disagree.id, agree.id)
    assert failed_checks(bank, {disagree.id: None}) == ()  # a skipped check is not a failure


def test_the_checks_never_change_a_score(bank: Bank) -> None:
    base = pattern(bank, "am")
    right = score(bank, with_checks(bank, base, 2, 4))
    wrong = score(bank, with_checks(bank, base, 5, 1))
    assert [d.score for d in right.dimensions] == [d.score for d in wrong.dimensions]
    assert right.recommendation == wrong.recommendation == "AM"
    assert right.overall_se == wrong.overall_se


def test_two_missed_checks_flag_careless_on_their_own(bank: Bank) -> None:
    base = pattern(bank, "am")
    assert "careless" not in codes(bank, with_checks(bank, base, 2, 4))
    assert "careless" not in codes(bank, with_checks(bank, base, 4, 4))  # one miss, the answers fit: no flag
    flagged = score(bank, with_checks(bank, base, 4, 2))
    flag = next(f for f in flagged.flags if f.code == "careless")
    assert flag.items == ("ck_read_disagree", "ck_read_agree")


def test_one_missed_check_flags_only_with_poor_fit(bank: Bank) -> None:
    rng = random.Random(3)
    values: dict[str, AnswerValue] = {}
    for item in bank.orientation_items:  # random answers: the person-fit statistic is high
        top = item.max_value()
        values[item.id] = rng.choice(item.options).id if item.kind == "situational" else rng.randint(1, top)
    noisy = Answers(lang="en", current_role="other", values=values)
    result = score(bank, noisy)
    assert result.fit is not None and result.fit.statistic is not None
    z = result.fit.statistic
    assert z > bank.scoring.careless_fit_cut
    missed_one = with_checks(bank, noisy, 4, 4)
    assert "careless" in codes(bank, missed_one)
    assert careless_evidence(bank, missed_one.values, result.fit) is not None
    # the same answers with both checks passed: the person read the instructions, and a poor fit alone is no
    # proof of carelessness (people who answer only at the ends of the scale fit poorly too); misfit may say so
    passed = with_checks(bank, noisy, 2, 4)
    assert "careless" not in codes(bank, passed)
    # with the checks left out (a one-shot API call), a very poor fit is the only route
    assert ("careless" in codes(bank, noisy)) == (z > bank.scoring.careless_fit_alone_cut)


def test_without_the_checks_only_a_very_poor_fit_flags(bank: Bank) -> None:
    base = pattern(bank, "pm")
    assert careless_evidence(bank, base.values, None) is None
    result = score(bank, base)
    assert result.fit is not None and result.fit.statistic is not None
    assert result.fit.statistic <= bank.scoring.careless_fit_alone_cut
    assert "careless" not in {f.code for f in result.flags}


def test_random_answering_is_flagged_at_least_80_percent_and_attentive_people_at_most_5(bank: Bank) -> None:
    """The target of issue 13, on a smaller seeded run than the table (answer times not used)."""
    for family in ("clear", "borderline", "mixed"):
        assert condition(bank, family, "attentive", 300, seed=11)["flagged"] <= 0.05, family
        # answering only at the ends of the scale is a style, not carelessness
        assert condition(bank, family, "extreme", 300, seed=11)["flagged"] <= 0.05, family
    assert condition(bank, "clear", "careless", 300, seed=11)["flagged"] >= 0.8
