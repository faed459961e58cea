"""Bad responses are refused with an error that names the item; good ones pass unchanged."""

from __future__ import annotations

from typing import Any

import pytest

from scoring import AnswerError, parse_answers
from scoring.model import Bank


def payload(**answers: Any) -> dict[str, Any]:
    return {"lang": "en", "current_role": "pm", "answers": answers}


def test_valid_response_with_skips(bank: Bank) -> None:
    parsed = parse_answers(
        bank, payload(lk_scope_am_1=5, pp_scope_1=2, sj_new_feature="a", pf_negotiation=3, lk_scope_pm_1=None)
    )
    assert parsed.values == {
        "lk_scope_am_1": 5,
        "pp_scope_1": 2,
        "sj_new_feature": "a",
        "pf_negotiation": 3,
        "lk_scope_pm_1": None,
    }
    assert parsed.current_role == "pm" and parsed.lang == "en"


@pytest.mark.parametrize(
    ("body", "code", "item"),
    [
        (payload(no_such_item=3), "unknown_item", "no_such_item"),
        (payload(lk_scope_am_1=6), "out_of_range", "lk_scope_am_1"),
        (payload(lk_scope_am_1=0), "out_of_range", "lk_scope_am_1"),
        (payload(pp_scope_1=5), "out_of_range", "pp_scope_1"),
        (payload(lk_scope_am_1="5"), "wrong_type", "lk_scope_am_1"),
        (payload(lk_scope_am_1=3.5), "wrong_type", "lk_scope_am_1"),
        (payload(lk_scope_am_1=True), "wrong_type", "lk_scope_am_1"),
        (payload(sj_new_feature=1), "wrong_type", "sj_new_feature"),
        (payload(sj_new_feature="z"), "unknown_option", "sj_new_feature"),
        ({"lang": "fr", "current_role": "pm", "answers": {}}, "bad_lang", "lang"),
        ({"lang": "en", "current_role": "ceo", "answers": {}}, "bad_role", "current_role"),
        ({"lang": "en", "answers": {}}, "bad_role", "current_role"),
        ({"lang": "en", "current_role": "pm", "answers": []}, "wrong_type", "answers"),
        ({"lang": "en", "current_role": "pm", "years_experience": "99"}, "bad_years", "years_experience"),
        ({"lang": "en", "current_role": "pm", "extra": 1}, "unknown_field", "extra"),
        ({"lang": "en", "current_role": "pm", "timings_ms": {"lk_scope_am_1": -5}}, "out_of_range", "lk_scope_am_1"),
        ({"lang": "en", "current_role": "pm", "timings_ms": {"nope": 5}}, "unknown_item", "nope"),
        ({"lang": "en", "current_role": "pm", "timings_ms": [1]}, "wrong_type", "timings_ms"),
        ([1, 2], "wrong_type", ""),
    ],
)
def test_bad_input_names_the_item(bank: Bank, body: Any, code: str, item: str) -> None:
    with pytest.raises(AnswerError) as err:
        parse_answers(bank, body)
    assert err.value.code == code
    assert err.value.item == item
    assert item in str(err.value)


def test_timings_are_kept(bank: Bank) -> None:
    parsed = parse_answers(bank, {"lang": "vi", "current_role": "student", "timings_ms": {"lk_scope_am_1": 2500}})
    assert parsed.timings_ms == {"lk_scope_am_1": 2500.0}


def test_role_may_be_left_out_when_not_required(bank: Bank) -> None:
    assert parse_answers(bank, {"lang": "vi"}, require_role=False).current_role == "other"
