"""Folding of the people search's text (pure: the migrations use it as well as the app)."""

from __future__ import annotations

import unicodedata

MIN_LENGTH = 3  # a trigram index finds nothing shorter: a shorter query looks for the start of a word
LENGTH = 480  # participation.search_text's and person.search_text's width
WORD = "\x02\x02"  # before every word of the stored text: "\x02\x02ng" is a trigram query for "a word that starts ng"
_BY_HAND = str.maketrans({"đ": "d", "Đ": "d", "ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "ı": "i"})


def fold(value: str) -> str:
    """``value`` as it is stored and searched: no accents, case folded, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", value.translate(_BY_HAND))
    kept = "".join(c for c in decomposed if not unicodedata.combining(c) and c != "\x02")
    return " ".join(kept.casefold().split())


def _marked(folded: str) -> str:
    return " ".join(WORD + word for word in folded.split(" "))


def document(name: str | None, department: str | None, email: str | None) -> str | None:
    """The searchable text of one person (None for aggregate-only participants: never searched): each value
    folded, one a line, every word after :data:`WORD`."""
    if not name:
        return None
    return "\n".join(_marked(fold(v)) for v in (name, department, email) if v and fold(v))[:LENGTH]


def pattern(query: str) -> str:
    """What the stored text must contain for ``query``: the folded query anywhere (a word boundary inside it
    stays a word boundary), or, shorter than :data:`MIN_LENGTH`, at the start of a word ("ng" finds
    "Nguyễn", "王" finds "王小明": a trigram with the marks). Empty for an empty query."""
    folded = fold(query)
    if not folded:
        return ""
    if len(folded) < MIN_LENGTH:
        return WORD + folded
    return folded.replace(" ", " " + WORD)
