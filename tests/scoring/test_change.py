"""Reliable change between two results: the index, its direction and when a dimension cannot be compared."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from scoring import score
from scoring.change import RCI_CUT, SKILL_SE, compare, major, rci
from scoring.model import Answers, Bank
from tests.conftest import pattern


def test_rci_is_the_difference_over_the_error_of_a_difference() -> None:
    s_diff, index = rci(10.0, 40.0, 9.0, 12.0)
    assert s_diff == pytest.approx(15.0)  # sqrt(81 + 144)
    assert index == pytest.approx(2.0)
    with pytest.raises(ValueError):
        rci(1.0, 2.0, 0.0, 0.0)


def test_major_version() -> None:
    assert major("1.2.0") == "1"
    assert major("2") == "2"


def test_the_same_answers_twice_show_no_change(bank: Bank) -> None:
    r = score(bank, pattern(bank, "am", skills=3))
    change = compare(r, r)
    assert change.reliable == 0
    assert len(change.dimensions) == len(bank.dimensions)
    assert all(c.reason == "comparable" and c.change == 0 and c.direction == "none" for c in change.dimensions)
    assert all(c.rci == 0 and not c.reliable for c in change.skills)


def test_a_swing_from_pm_to_am_is_a_reliable_change_towards_am(bank: Bank) -> None:
    before, after = score(bank, pattern(bank, "pm", skills=1)), score(bank, pattern(bank, "am", skills=4))
    change = compare(before, after)
    for c in change.dimensions:
        d1, d2 = before.dimension(c.id), after.dimension(c.id)
        assert c.s_diff == pytest.approx(math.sqrt(d1.se**2 + d2.se**2))
        assert c.rci == pytest.approx((d2.score - d1.score) / c.s_diff)
        assert c.direction == "am" and c.reliable and c.rci > RCI_CUT
    back = compare(after, before)
    assert all(c.direction == "pm" and c.reliable for c in back.dimensions)
    assert all(c.direction == "up" and c.change == 3 and c.reliable for c in change.skills)
    assert all(c.direction == "down" for c in back.skills)
    assert change.reliable == len(bank.dimensions) + len(bank.skills)


def test_one_skill_level_is_within_error_two_are_not(bank: Bank) -> None:
    one = compare(score(bank, pattern(bank, "am", skills=2)), score(bank, pattern(bank, "am", skills=3)))
    two = compare(score(bank, pattern(bank, "am", skills=2)), score(bank, pattern(bank, "am", skills=4)))
    assert all(c.s_diff == pytest.approx(SKILL_SE * math.sqrt(2)) for c in one.skills)
    assert not any(c.reliable for c in one.skills)
    assert all(c.reliable for c in two.skills)


def test_what_cannot_be_compared_says_why(bank: Bank) -> None:
    full = score(bank, pattern(bank, "am", skills=3))
    skipped = dict(pattern(bank, "am").values)
    first_dim = bank.dimensions[0].id
    for item in bank.orientation_items:
        if first_dim in item.loadings():
            skipped[item.id] = None
    thin = score(bank, Answers(lang="en", current_role="other", values=skipped))
    assert not thin.dimension(first_dim).sufficient
    change = compare(thin, full)
    row = next(c for c in change.dimensions if c.id == first_dim)
    assert row.reason == "too_few_answers" and row.rci is None and not row.reliable
    assert all(c.reason == "not_rated" and c.rci is None for c in change.skills)  # skills not rated in `thin`

    other_major = replace(full, bank_version="9.0.0")
    assert all(c.reason == "different_bank" and c.rci is None for c in compare(other_major, full).dimensions)
    minor = replace(full, bank_version=full.bank_version + ".1")
    assert all(c.reason == "comparable" for c in compare(minor, full).dimensions)

    fewer = replace(full, dimensions=full.dimensions[1:], readiness=full.readiness[1:])
    change = compare(fewer, full)
    assert change.dimensions[0].reason == "not_in_both" and change.dimensions[0].before is None
    assert change.skills[0].reason == "not_in_both"
