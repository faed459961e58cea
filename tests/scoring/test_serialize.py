"""Results survive a JSON round trip; the codebook carries everything a client needs."""

from __future__ import annotations

import json

from scoring import plan, score
from scoring.model import Bank
from scoring.serialize import codebook, plan_to_dict, result_from_dict, result_to_dict
from tests.conftest import pattern


def test_result_round_trip(bank: Bank) -> None:
    result = score(bank, pattern(bank, "pm", skills=3))
    data = json.loads(json.dumps(result_to_dict(result)))
    assert result_from_dict(data) == result
    assert data["dimensions"][0]["ci95"] == list(result.dimensions[0].ci95)


def test_plan_dict_has_texts_in_the_language(bank: Bank) -> None:
    result = score(bank, pattern(bank, "am", skills=2))
    data = plan_to_dict(bank, plan(bank, result, "pm"), "vi")
    first = data["phases"][0]["actions"][0]
    assert first["title"] == bank.action(first["action"]).title["vi"]
    assert first["outcome"] == bank.action(first["action"]).outcome["vi"]
    # the first step leads, and every action and phase carries its effort
    assert first["action"] == "act_am_agree_move" and first["effort_hours"] == 2
    for phase in data["phases"]:
        assert phase["hours"] == sum(a["effort_hours"] for a in phase["actions"])


def test_codebook_lists_every_item_with_keys(bank: Bank) -> None:
    book = json.loads(json.dumps(codebook(bank), ensure_ascii=False))
    assert book["version"] == bank.version
    assert [i["id"] for i in book["items"]] == [i.id for i in bank.items]
    by_id = {i["id"]: i for i in book["items"]}
    assert by_id["lk_scope_am_1"]["key"] == "am"
    assert by_id["lk_scope_am_1"]["mirror"] == "lk_scope_pm_1"
    assert by_id["lk_scope_am_1"]["text"]["zh-Hans"]
    sj = by_id["sj_new_feature"]
    assert all(o["weights"] for o in sj["options"])
    assert len(by_id["pf_wbs"]["anchors"]) == 5
    assert len(book["actions"]) == len(bank.actions)
