"""Languages: negotiation, Babel catalogs, and number/date formatting.

Public language tags are BCP 47 (``en``, ``zh-Hans``, ``vi``), the same keys as
the question bank; Babel's catalogs live in ``locales/<en|zh_Hans|vi>``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from functools import cache

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.dates import format_skeleton, format_timedelta
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations

from app.config import ROOT

LANGS: tuple[str, ...] = ("en", "zh-Hans", "vi")
DEFAULT_LANG = "en"
BABEL_LOCALE = {"en": "en", "zh-Hans": "zh_Hans", "vi": "vi"}
LANG_NAMES = {"en": "English", "zh-Hans": "中文（简体）", "vi": "Tiếng Việt"}
LOCALES_DIR = ROOT / "locales"


def normalise(tag: str | None) -> str | None:
    """Map a language tag from a user or a header to one of :data:`LANGS` (None when unsupported)."""
    if not tag:
        return None
    tag = tag.strip().replace("_", "-").lower()
    if tag in ("en", "vi") or tag.startswith(("en-", "vi-")):
        return tag[:2]
    if tag == "zh" or tag.startswith("zh-"):
        # Only Simplified Chinese is written; it is the better fallback for any Chinese reader.
        return "zh-Hans"
    return None


def parse_accept_language(header: str | None) -> list[str]:
    """Language tags from an Accept-Language header, best first (q-values honoured, q=0 dropped)."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for n, part in enumerate(header.split(",")[:20]):
        pieces = part.strip().split(";")
        tag, q = pieces[0].strip(), 1.0
        for param in pieces[1:]:
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if tag and tag != "*" and q > 0:
            weighted.append((-q, n, tag))
    return [tag for _, _, tag in sorted(weighted)]


def negotiate(explicit: str | None, accept_language: str | None) -> str:
    """Explicit choice (kept in a cookie or given in the request), else Accept-Language, else English."""
    chosen = normalise(explicit)
    if chosen:
        return chosen
    for tag in parse_accept_language(accept_language):
        found = normalise(tag)
        if found:
            return found
    return DEFAULT_LANG


@cache
def translations(lang: str) -> NullTranslations:
    """The compiled catalog of ``lang`` (loaded once per process)."""
    loaded = Translations.load(str(LOCALES_DIR), [BABEL_LOCALE[lang]], domain="messages")
    return loaded


def gettext_for(lang: str) -> Callable[[str], str]:
    return translations(lang).gettext


@cache
def locale(lang: str) -> Locale:
    return Locale.parse(BABEL_LOCALE[lang])


def fmt_date(value: datetime, lang: str) -> str:
    return babel_format_date(value, format="long", locale=locale(lang))


def fmt_when(value: datetime | str | None, lang: str) -> str:
    """A moment (a datetime or its ISO text, as the personal data export has it), to the minute, in UTC."""
    if value is None or value == "":
        return "–"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return babel_format_datetime(moment, format="short", tzinfo=UTC, locale=locale(lang)) + " UTC"


def fmt_month(value: date, lang: str) -> str:
    """A month and year: "March 2026", "2026年3月", "tháng 3, 2026"."""
    return format_skeleton("yMMMM", value, locale=locale(lang))


def fmt_percent(value: float, lang: str) -> str:
    return format_percent(value, locale=locale(lang))


def fmt_number(value: float, lang: str, digits: int = 0) -> str:
    """A number in the language's format; a negative one with a true minus sign (U+2212), not a hyphen."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=locale(lang)).replace("-", "\u2212")


def fmt_signed(value: float) -> str:
    """A whole number with its sign, the negative one with a true minus sign (U+2212), not a hyphen."""
    n = round(value)
    if n > 0:
        return f"+{n}"
    return f"\u2212{-n}" if n < 0 else "0"


def fmt_probability(value: float, lang: str) -> str:
    """A probability as a whole percentage, never "100%" or "0%": a measurement is never certain."""
    if value > 0.99:
        return ">" + fmt_percent(0.99, lang)
    if value < 0.01:
        return "<" + fmt_percent(0.01, lang)
    return fmt_percent(round(value, 2), lang)


def fmt_wait(seconds: int, lang: str) -> str:
    """How long to wait, in words ("20 seconds", "3 minutes"), rounded up: never shorter than the wait."""
    if seconds < 60:
        return format_timedelta(timedelta(seconds=max(1, seconds)), threshold=60, locale=locale(lang))
    minutes = -(-seconds // 60)
    return format_timedelta(timedelta(minutes=minutes), locale=locale(lang))


def fmt_list(items: Iterable[str], lang: str) -> str:
    """A list joined the way the language joins one: "A, B, and C", "A、B和C", "A, B và C"."""
    return format_list(list(items), style="standard", locale=locale(lang))


def fmt_paren(text: object, lang: str) -> str:
    """A bracketed aside after a word: full-width brackets in Chinese, " (text)" elsewhere."""
    return f"（{text}）" if lang == "zh-Hans" else f" ({text})"


def colon(lang: str) -> str:
    """The colon after a label: full-width in Chinese."""
    return "：" if lang == "zh-Hans" else ":"
