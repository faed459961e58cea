"""Folding of the people search's text (pure: the migration uses it as well as the app)."""

from __future__ import annotations

import unicodedata

MIN_LENGTH = 3  # a trigram index finds nothing shorter
LENGTH = 480  # participation.search_text's width
_BY_HAND = str.maketrans({"đ": "d", "Đ": "d", "ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "ı": "i"})


def fold(value: str) -> str:
    """``value`` as it is stored and searched: no accents, case folded, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", value.translate(_BY_HAND))
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(kept.casefold().split())


def document(name: str | None, department: str | None, email: str | None) -> str | None:
    """The searchable text of one participant (None for aggregate-only people: never searched)."""
    if not name:
        return None
    return "\n".join(fold(v) for v in (name, department, email) if v)[:LENGTH]
