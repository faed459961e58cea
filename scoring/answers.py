"""Validate a raw response (CLI file, JSON API, web form) into :class:`~scoring.model.Answers`.

Errors carry a machine ``code`` and ``params`` so a caller can word them in the
user's language; ``str(error)`` is a plain English message naming the item.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scoring.model import ROLES, Answers, AnswerValue, Bank, Item

TOP_LEVEL = ("lang", "current_role", "years_experience", "answers", "timings_ms")


class AnswerError(ValueError):
    """A response that cannot be scored. ``item`` is the item id or field at fault."""

    def __init__(self, code: str, item: str, message: str, **params: Any) -> None:
        self.code = code
        self.item = item
        self.params = params
        super().__init__(f"{item}: {message}" if item else message)


def check_value(item: Item, value: object) -> AnswerValue:
    """Return ``value`` if it is a valid answer to ``item`` (None = prefer not to answer)."""
    if value is None:
        return None
    if item.kind == "situational":
        if not isinstance(value, str):
            raise AnswerError("wrong_type", item.id, "expects an option id (a string)", expected="option")
        ids = [o.id for o in item.options]
        if value not in ids:
            raise AnswerError("unknown_option", item.id, f"unknown option {value!r}; expected one of {', '.join(ids)}")
        return value
    top = item.max_value()
    if isinstance(value, bool) or not isinstance(value, int):
        raise AnswerError("wrong_type", item.id, f"expects a whole number from 1 to {top}", expected="integer")
    if not 1 <= value <= top:
        raise AnswerError("out_of_range", item.id, f"{value} is out of range 1-{top}", low=1, high=top)
    return value


def parse_answers(bank: Bank, payload: object, *, require_role: bool = True) -> Answers:
    """Validate ``payload`` (``{"lang", "current_role", "answers": {...}}``) against ``bank``."""
    if not isinstance(payload, Mapping):
        raise AnswerError("wrong_type", "", "the response must be a JSON object")
    for key in payload:
        if key not in TOP_LEVEL:
            raise AnswerError("unknown_field", str(key), f"unknown field; expected {', '.join(TOP_LEVEL)}")
    lang = payload.get("lang", "en")
    if lang not in bank.languages:
        raise AnswerError("bad_lang", "lang", f"unknown language {lang!r}; expected {', '.join(bank.languages)}")
    role = payload.get("current_role")
    if role is None and not require_role:
        role = "other"
    if role not in ROLES:
        raise AnswerError("bad_role", "current_role", f"unknown role {role!r}; expected {', '.join(ROLES)}")
    years = payload.get("years_experience")
    if years is not None:
        allowed = [o.id for c in bank.context if c.field == "years_experience" for o in c.options]
        if years not in allowed:
            raise AnswerError("bad_years", "years_experience", f"expected one of {', '.join(allowed)}")
    raw_answers = payload.get("answers", {})
    if not isinstance(raw_answers, Mapping):
        raise AnswerError("wrong_type", "answers", "must be an object mapping item ids to values")
    values: dict[str, AnswerValue] = {}
    for item_id, value in raw_answers.items():
        if not isinstance(item_id, str) or not bank.has_item(item_id):
            raise AnswerError("unknown_item", str(item_id), "unknown item id")
        values[item_id] = check_value(bank.item(item_id), value)
    raw_timings = payload.get("timings_ms") or {}
    if not isinstance(raw_timings, Mapping):
        raise AnswerError("wrong_type", "timings_ms", "must be an object mapping item ids to milliseconds")
    timings: dict[str, float] = {}
    for item_id, ms in raw_timings.items():
        if not isinstance(item_id, str) or not bank.has_item(item_id):
            raise AnswerError("unknown_item", str(item_id), "unknown item id in timings_ms")
        if isinstance(ms, bool) or not isinstance(ms, int | float) or not 0 <= ms <= 86_400_000:
            raise AnswerError(
                "out_of_range", item_id, "timing must be a number of milliseconds >= 0", low=0, high=86_400_000
            )
        timings[item_id] = float(ms)
    return Answers(lang=str(lang), current_role=str(role), values=values, years_experience=years, timings_ms=timings)
