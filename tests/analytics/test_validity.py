"""Known groups and test-retest on simulated people whose current role shifts their true position."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

from analytics import Response, minimum, rescore
from analytics.validity import known_groups, retest, retest_pair
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


def test_retest_pairs_takes_2_to_90_days_apart(bank: Bank, responses: list[Response]) -> None:
    out = retest(bank, responses, partial(rescore, bank))
    people = {r.person for r in responses if r.finished}
    twice = [p for p in people if sum(1 for r in responses if r.person == p and r.finished) >= 2]
    counted = sum(1 for p in twice if retest_pair([r for r in responses if r.person == p]) is not None)
    assert out["pairs"] == counted >= minimum.RETEST
    assert counted < len(twice)  # the simulated retakes come 15 to 120 days later: some are outside the window
    assert out["days"] == [2, 90]
    assert all(0.6 < fig["r"] <= 1 for fig in out["r"].values())
    assert 0.5 < out["same_call"] <= 1


def test_retest_below_minimum_is_absent(bank: Bank, responses: list[Response]) -> None:
    retakers = {r.person for r in responses if r.assessment_id.endswith("-2")}
    counted = {p for p in retakers if retest_pair([r for r in responses if r.person == p]) is not None}
    keep = set(sorted(counted)[: minimum.RETEST - 1])
    rows = [r for r in responses if r.person in keep or r.person not in retakers]
    out = retest(bank, rows, partial(rescore, bank))
    assert out == minimum.not_enough(minimum.RETEST - 1, minimum.RETEST)


def test_a_retest_pair_is_the_first_one_in_the_window_with_the_same_major_version() -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)

    def take(n: int, days_ago: float, version: str = "1.2.0", finished: bool = True) -> Response:
        return Response(f"p-{n}", "p", "en", version, "am", {}, finished, taken_at=now - timedelta(days=days_ago))

    same_day, month, later = take(1, 100), take(2, 99.5), take(3, 70)
    assert retest_pair([same_day, month]) is None  # half a day apart: memory, not stability
    assert retest_pair([later, same_day, month]) == (month, later)  # consecutive takes, in time order
    assert retest_pair([take(1, 200), take(2, 10)]) is None  # 190 days: real change, not noise
    assert retest_pair([take(1, 60, "1.2.0"), take(2, 30, "2.0.0")]) is None  # another major version
    assert retest_pair([take(1, 60, "1.2.0"), take(2, 30, "1.3.0")]) is not None
    assert retest_pair([take(1, 60), take(2, 30, finished=False)]) is None
    undated = Response("u-1", "u", "en", "1.2.0", "am", {}, True)
    assert retest_pair([undated, Response("u-2", "u", "en", "1.2.0", "am", {}, True)]) is not None
