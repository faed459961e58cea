"""The input boundary's parts on their own: numbers, days, text, JSON bodies, form and query bytes."""

from __future__ import annotations

from datetime import date

import pytest

from app.inputs import InputError, parse_day, parse_int, parse_json
from app.inputs.guard import pairs_ok
from app.inputs.jsonbody import depth
from app.inputs.types import has_control
from app.routes.hr import spreadsheet_safe


@pytest.mark.parametrize(
    ("text", "expected"),
    [("7", 7), ("0090", 90), ("²", None), ("٣", None), ("７", None), ("-1", None), ("+1", None), (" 1", None),
     ("1_0", None), ("", None), ("91", None), ("9" * 5000, None)],
)  # fmt: skip
def test_parse_int_takes_ascii_digits_in_range(text: str, expected: int | None) -> None:
    assert parse_int(text, 0, 90) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2026-12-01", date(2026, 12, 1)), ("9998-12-31", date(9998, 12, 31)), ("9999-12-31", None),
     ("9999-12-32", None), ("2026-02-30", None), ("2026-1-5", None), ("２０２６-01-01", None), ("0001-01-01", None),
     ("2026-12-01\x00", None), ("", None)],
)  # fmt: skip
def test_parse_day_takes_real_days_in_range(text: str, expected: date | None) -> None:
    assert parse_day(text) == expected


def test_control_characters() -> None:
    assert not has_control("Lan Trần 中文 ²")
    for bad in ("\x00", "a\x07", "\x1b[31m", "\x7f", "\x85", "\ud800", "\uffff"):
        assert has_control(bad) and has_control(bad, multiline=True), repr(bad)
    assert has_control("a\tb") and not has_control("a\tb\r\nc", multiline=True)


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        (b"[" * 20000, 400, "too_deep"),
        (b"{not json", 400, "malformed_json"),
        (b'{"a": NaN}', 400, "malformed_json"),
        (b"\xff\xfe{}", 400, "malformed_json"),
        (b'"\xed\xa0\x80"', 400, "malformed_json"),  # a surrogate in UTF-8 is not UTF-8
        (b'{"value": ' + b"9" * 5000 + b"}", 422, "bad_number"),
        (b'{"value": 1e999}', 422, "bad_number"),
        (b'{"value": "a\\u0000b"}', 422, "bad_characters"),
        (b'{"value": "\\ud800"}', 422, "bad_characters"),
        (b'{"a\\u0007": 1}', 422, "bad_characters"),
    ],
)
def test_parse_json_refuses(raw: bytes, status: int, code: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_json(raw)
    assert (caught.value.status, caught.value.code) == (status, code)


def test_parse_json_accepts_ordinary_bodies() -> None:
    assert parse_json('{"value": 5, "x": [1.5, -2, "Trần\\n"], "q": "[[[["}'.encode()) == {
        "value": 5, "x": [1.5, -2, "Trần\n"], "q": "[[[[",
    }  # fmt: skip
    assert depth('{"a": "\\"[[[", "b": [[1]]}') == 3
    assert depth('"\\\\" [[[') == 3


def test_form_and_query_bytes() -> None:
    assert pairs_ok(b"name=Tr%E1%BA%A7n&x=a+b", multiline=False)
    assert pairs_ok(b"levels=a%0D%0Ab", multiline=True) and not pairs_ok(b"levels=a%0D%0Ab", multiline=False)
    for bad in (b"name=%00", b"name=%ff", b"%c3=1", b"n=%ed%a0%80", b"n=\x07"):
        assert not pairs_ok(bad, multiline=True), bad


def test_exports_still_neutralise_tab_and_cr_at_a_start() -> None:
    assert spreadsheet_safe("\tTab") == "'\tTab" and spreadsheet_safe("\rCR") == "'\rCR"
