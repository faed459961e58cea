"""Shared annotated types and parsers for untrusted text, whole numbers, dates and identifiers."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, StringConstraints
from pydantic_core import PydanticCustomError

# C0 controls but tab, LF and CR; DEL; C1 controls; lone surrogates; the two non-characters of the BMP's end
CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# the same, and no tab or line break either: one line of text (a name, an e-mail address, a choice)
CONTROL_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"  # public ids and tokens: secrets.token_urlsafe's alphabet
ITEM_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"  # question ids of the bank
_DIGITS = re.compile(r"[0-9]{1,9}", re.ASCII)
_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII)

DAY_MIN = date(1900, 1, 1)
DAY_MAX = date(9998, 12, 31)  # a day later is still a date: "until the end of that day" never overflows


class InputError(ValueError):
    """Untrusted input that the boundary refuses: ``code`` names the message, ``status`` the answer."""

    def __init__(self, code: str, field: str = "", status: int = 422) -> None:
        super().__init__(code)
        self.code, self.field, self.status = code, field, status


def has_control(value: str, *, multiline: bool = False) -> bool:
    return (CONTROL_IN_TEXT if multiline else CONTROL_IN_LINE).search(value) is not None


def clean_line(value: str) -> str:
    """One line of text: no control character at all (NUL, tab, line breaks, DEL, C1), no lone surrogate."""
    if has_control(value):
        raise PydanticCustomError("control_characters", "text with control characters")
    return value


def clean_text(value: str) -> str:
    """Text that may span lines (a textarea): tab, LF and CR allowed, no other control character."""
    if has_control(value, multiline=True):
        raise PydanticCustomError("control_characters", "text with control characters")
    return value


Line = Annotated[str, AfterValidator(clean_line)]
"""A form field or query parameter of one line; give ``max_length`` with ``Form``/``Query``."""

Text = Annotated[str, AfterValidator(clean_text)]
"""A form field that may span lines (departments, levels: one per line)."""

PublicId = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=64)]
"""An assessment, share link, cohort, invitation or participation id in a path."""

Token = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=64)]
"""A secret link token in a path (share, invitation, set-password)."""

ItemId = Annotated[str, StringConstraints(pattern=ITEM_PATTERN, max_length=64)]
"""A question id of the bank in a path."""


def parse_int(value: str, low: int, high: int) -> int | None:
    """A whole number written in ASCII digits only (``"²"`` and ``"٣"`` are not), within [low, high].

    None when it is anything else: the caller answers with its own message.
    """
    if _DIGITS.fullmatch(value) is None:
        return None
    number = int(value)
    return number if low <= number <= high else None


def parse_day(value: str) -> date | None:
    """A real calendar day written ``YYYY-MM-DD`` in ASCII digits, from 1900-01-01 to 9998-12-31; else None."""
    found = _DAY.fullmatch(value)
    if found is None:
        return None
    try:
        day = date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        return None
    return day if DAY_MIN <= day <= DAY_MAX else None
