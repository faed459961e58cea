"""JSON bodies: strict UTF-8, bounded nesting, bounded number literals, strings without control characters."""

from __future__ import annotations

import json
import math
import re
from typing import Any, NoReturn

from app.inputs.types import InputError, has_control

MAX_DEPTH = 32
MAX_INT_DIGITS = 15  # every such integer is exact in a double (JavaScript clients) and in a BIGINT
MAX_FLOAT_CHARS = 40
_TOKENS = re.compile(r'[\[\]{}"\\]')


def _too_big(_text: str) -> NoReturn:
    raise InputError("bad_number")


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        _too_big(text)
    return int(text)


def _float(text: str) -> float:
    number = float(text) if len(text) <= MAX_FLOAT_CHARS else math.inf
    if not math.isfinite(number):
        _too_big(text)
    return number


def depth(text: str) -> int:
    """The deepest nesting of arrays and objects in ``text`` (strings skipped), without recursion."""
    deepest = level = 0
    in_string = False
    escaped = -1  # the position of the character after a backslash inside a string
    for found in _TOKENS.finditer(text):
        char, at = found[0], found.start()
        if at == escaped:
            continue
        if in_string:
            if char == "\\":
                escaped = at + 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            level += 1
            deepest = max(deepest, level)
        elif char in "]}":
            level -= 1
    return deepest


def _check_strings(value: Any, path: str = "") -> None:
    stack = [(value, path)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, str):
            if has_control(current, multiline=True):
                raise InputError("bad_characters", where)
        elif isinstance(current, dict):
            for key, inner in current.items():
                if has_control(key):
                    raise InputError("bad_characters", where)
                stack.append((inner, f"{where}.{key}" if where else key))
        elif isinstance(current, list):
            stack.extend((inner, where) for inner in current)


def parse_json(raw: bytes) -> Any:
    """The JSON value of ``raw``, or :class:`InputError`.

    400 ``malformed_json``: not UTF-8 or not JSON (NaN and Infinity included); 400 ``too_deep``: more
    than 32 levels of arrays and objects; 422 ``bad_number``: an integer of more than 15 digits or a float
    out of range; 422 ``bad_characters``: a string or key with a control character or a lone surrogate.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError("malformed_json", status=400) from exc
    if depth(text) > MAX_DEPTH:
        raise InputError("too_deep", status=400)
    try:
        value = json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise InputError("malformed_json", status=400) from exc
    _check_strings(value)
    return value


def _constant(_text: str) -> NoReturn:
    raise InputError("malformed_json", status=400)
