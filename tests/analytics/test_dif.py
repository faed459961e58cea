"""DIF across en / zh-Hans / vi: planted items are found, clean items are left alone."""

from __future__ import annotations

import pytest

from analytics import Response, minimum
from analytics.dif import classify, dif
from analytics.simulate import simulate_people
from scoring.model import Bank
from tests.analytics.conftest import PLANTED_DIF


@pytest.mark.parametrize(
    ("delta", "se", "expected"),
    [
        (0.9, 0.1, "A"),  # small
        (1.4, 0.8, "A"),  # not significant
        (1.2, 0.2, "B"),
        (-1.6, 0.5, "B"),  # large but not significantly above 1
        (-1.6, 0.2, "C"),
        (2.5, 0.3, "C"),
    ],
)
def test_ets_classes(delta: float, se: float, expected: str) -> None:
    assert classify(delta, se) == expected


@pytest.mark.slow
def test_planted_dif_is_flagged_and_clean_items_are_not(bank: Bank, responses: list[Response]) -> None:
    out = dif(bank, [r for r in responses if r.finished])
    planted = {(item, lang) for item, langs in PLANTED_DIF.items() for lang in langs}
    checked = {(item, lang) for item, row in out["items"].items() for lang in row}
    # every statement and paired item, against en, in zh-Hans and vi
    assert len(checked) == 2 * sum(1 for i in bank.orientation_items if i.kind in ("likert", "paired"))
    flagged = {(f["item"], f["lang"]) for f in out["flagged"]}
    hits = len(flagged & planted) / len(planted)
    false = len(flagged - planted) / len(checked - planted)
    assert hits >= 0.9, sorted(planted - flagged)
    assert false <= 0.05, sorted(flagged - planted)
    # the sign says which way the item leans: planted towards AM in zh-Hans -> negative delta
    assert out["items"]["lk_scope_am_1"]["zh-Hans"]["delta"] < 0
    assert out["items"]["lk_stakeholders_pm_2"]["vi"]["delta"] > 0


def test_a_small_language_is_not_compared(bank: Bank) -> None:
    sim = simulate_people(bank, 500, seed=3, langs=("en", "en", "zh-Hans", "vi"), unfinished_share=0, retake_share=0)
    rows = sim.responses()
    few_vi = [r for r in rows if r.lang != "vi"] + [r for r in rows if r.lang == "vi"][:3]
    out = dif(bank, few_vi)
    assert out["n"]["vi"] == "<5"
    assert out["not_enough"]["vi"]["status"] == "not_enough_data"
    assert all("vi" not in row for row in out["items"].values())
    none = dif(bank, [r for r in rows if r.lang == "en"][: minimum.DIF_GROUP - 1])
    assert none["status"] == "not_enough_data" and "items" not in none
