"""One boundary for untrusted input: every path, query string, form body and JSON body passes here first.

Two parts, one face:

- :class:`InputGuard`, pure ASGI middleware in front of every route: the request target and
  form bodies must be valid UTF-8 without control characters (tab and line breaks only in form
  values), the path and query string are bounded in length, and HTML forms must be URL-encoded.
- Annotated types and parsers the routes declare or call: :data:`Line`, :data:`Text`,
  :data:`PublicId`, :data:`Token`, :data:`ItemId`, :func:`parse_int` (ASCII digits, bounded),
  :func:`parse_day` (a real date in range), :func:`parse_json` (bounded depth, bounded numbers,
  clean strings).

Whatever fails is refused with 400, 414, 415 or 422 and a message in the request's language,
before any handler runs or any byte is stored.
"""

from app.inputs.guard import InputGuard, Rejection
from app.inputs.jsonbody import parse_json
from app.inputs.types import (
    DAY_MAX,
    DAY_MIN,
    ID_PATTERN,
    ITEM_PATTERN,
    InputError,
    ItemId,
    Line,
    PublicId,
    Text,
    Token,
    clean_line,
    clean_text,
    parse_day,
    parse_int,
)

__all__ = [
    "DAY_MAX",
    "DAY_MIN",
    "ID_PATTERN",
    "ITEM_PATTERN",
    "InputError",
    "InputGuard",
    "ItemId",
    "Line",
    "PublicId",
    "Rejection",
    "Text",
    "Token",
    "clean_line",
    "clean_text",
    "parse_day",
    "parse_int",
    "parse_json",
]
