"""Known groups and test-retest on simulated people whose current role shifts their true position."""

from __future__ import annotations

from functools import partial

from analytics import Response, minimum, rescore
from analytics.validity import known_groups, retest
from scoring.model import Bank


def test_known_groups_point_the_right_way(bank: Bank, responses: list[Response]) -> None:
    out = known_groups(bank, responses, partial(rescore, bank))
    assert out["n"]["am"] >= minimum.KNOWN_GROUP and out["n"]["pm"] >= minimum.KNOWN_GROUP
    for dim, fig in out["effect_am_minus_pm"].items():
        assert fig["g"] > 0.5, dim  # planted: AM +0.6, PM -0.6 on every dimension (d = 1.2)
        assert fig["ci95"][0] > 0
    assert out["calls"]["am"]["called_am"] > out["calls"]["am"]["called_pm"]
    assert out["calls"]["pm"]["called_pm"] > out["calls"]["pm"]["called_am"]
    assert 0 < out["call_matches_role"] < 1


def test_flipped_roles_flip_the_sign(bank: Bank, responses: list[Response]) -> None:
    swap = {"am": "pm", "pm": "am"}
    flipped = [Response(**{**r.__dict__, "current_role": swap.get(r.current_role, r.current_role)}) for r in responses]
    out = known_groups(bank, flipped, partial(rescore, bank))
    assert all(fig["g"] < 0 for fig in out["effect_am_minus_pm"].values())


def test_known_groups_need_enough_people_in_each_role(bank: Bank, responses: list[Response]) -> None:
    few_pm = [r for r in responses if r.current_role != "pm"] + [r for r in responses if r.current_role == "pm"][:4]
    out = known_groups(bank, few_pm, partial(rescore, bank))
    assert out["status"] == "not_enough_data"
    assert out["n"]["pm"] == "<5"
    assert "effect_am_minus_pm" not in out


def test_retest_pairs_first_and_last_take(bank: Bank, responses: list[Response]) -> None:
    out = retest(bank, responses, partial(rescore, bank))
    people = {r.person for r in responses if r.finished}
    twice = sum(1 for p in people if sum(1 for r in responses if r.person == p and r.finished) >= 2)
    assert out["pairs"] == twice >= minimum.RETEST
    assert all(0.6 < fig["r"] <= 1 for fig in out["r"].values())
    assert 0.5 < out["same_call"] <= 1


def test_retest_below_minimum_is_absent(bank: Bank, responses: list[Response]) -> None:
    retakers = {r.person for r in responses if r.assessment_id.endswith("-2")}
    keep = set(sorted(retakers)[: minimum.RETEST - 1])
    rows = [r for r in responses if r.person in keep or r.person not in retakers]
    out = retest(bank, rows, partial(rescore, bank))
    assert out == minimum.not_enough(minimum.RETEST - 1, minimum.RETEST)
