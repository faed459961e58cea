"""Search in the people table: one folded text per identified participant (name, department, the linked
person's e-mail), matched as a substring of at least :data:`MIN_LENGTH` characters through a trigram index.

- ``participation.search_text`` holds :func:`document` of the row, written with the row in the same
  transaction (the join path; withdrawal and erasure delete the row).
- SQLite: an FTS5 table with the trigram tokenizer (SQLite >= 3.34) over that column, kept by triggers on
  participation (migration ``rollout2_0001``); the query is a phrase MATCH. ``Database.scrub`` rebuilds
  it after VACUUM (its rows are keyed by participation's rowid).
- PostgreSQL: a ``pg_trgm`` GIN index on the column (the migration creates the extension when the role may,
  and says so when it may not: then the same query reads the organisation's rows); the query is a LIKE.

Both match the same substrings of the same folded text, so both databases give the same rows.

Folding: compatibility decomposition (NFKD: full-width letters and digits become plain ones), combining
marks dropped, ``casefold``, and the letters that carry no combining mark mapped by hand (``đ`` -> ``d``,
``ø``, ``ł``). An HR user types "nguyen" or "Nguyễn" and finds "Nguyễn"; "jose" finds "José"; Chinese
characters have no decomposition and are kept as they are. The cost: "Lê" and "Le" can no longer be told
apart in a search, which is what people who type without Vietnamese or French input methods expect.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, text
from sqlmodel import col

from app.models import Participation
from app.search.folding import MIN_LENGTH, document, fold

__all__ = ["MIN_LENGTH", "condition", "document", "fold", "usable"]


def usable(query: str) -> bool:
    """A query the index can serve (at least :data:`MIN_LENGTH` characters once folded)."""
    return len(fold(query)) >= MIN_LENGTH


def condition(dialect: str, query: str) -> ColumnElement[bool]:
    """Rows whose search text holds ``query`` (folded); ``usable(query)`` must be true."""
    folded = fold(query)
    if dialect == "sqlite":
        phrase = '"' + folded.replace('"', '""') + '"'
        fts = "participation.rowid IN (SELECT rowid FROM participation_fts WHERE participation_fts MATCH :search)"
        return and_(text(fts).bindparams(search=phrase))
    like = "%" + folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return col(Participation.search_text).like(like, escape="\\")
