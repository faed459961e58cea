"""Search in the people table: one folded text per identified participant (name, department, the linked
person's e-mail), matched as a substring of at least :data:`MIN_LENGTH` characters through a trigram index.

- ``participation.search_text`` holds :func:`document` of the row, written with the row in the same
  transaction (the join path; withdrawal and erasure delete the row).
- SQLite: an FTS5 table with the trigram tokenizer (SQLite >= 3.34) over that column, kept by triggers on
  participation (migration ``rollout2_0001``); the query is a phrase MATCH. ``Database.scrub`` rebuilds
  it after VACUUM (its rows are keyed by participation's rowid).
- PostgreSQL: a ``pg_trgm`` GIN index on the column (the migration creates the extension when the role may,
  and says so when it may not: then the same query reads the organisation's rows); the query is a LIKE.
  Without the index each worker of the app says so in its log at start-up (:func:`warn_if_unindexed`).

Both match the same substrings of the same folded text, so both databases give the same rows.

Folding: compatibility decomposition (NFKD: full-width letters and digits become plain ones), combining
marks dropped, ``casefold``, and the letters that carry no combining mark mapped by hand (``đ`` -> ``d``,
``ø``, ``ł``). An HR user types "nguyen" or "Nguyễn" and finds "Nguyễn"; "jose" finds "José"; Chinese
characters have no decomposition and are kept as they are. The cost: "Lê" and "Le" can no longer be told
apart in a search, which is what people who type without Vietnamese or French input methods expect.
"""

from __future__ import annotations

import logging

from sqlalchemy import ColumnElement, and_, text
from sqlmodel import col

from app.db import Database
from app.models import Participation
from app.search.folding import MIN_LENGTH, document, fold

__all__ = ["MIN_LENGTH", "condition", "document", "fold", "indexed", "usable", "warn_if_unindexed"]

log = logging.getLogger(__name__)
INDEX = "ix_participation_search"  # PostgreSQL: the pg_trgm GIN index (migration rollout2_0001)


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


def indexed(db: Database) -> bool:
    """PostgreSQL: the trigram index is there (SQLite's FTS5 table always is: the search needs it)."""
    if db.dialect != "postgresql":
        return True
    with db.engine.connect() as conn:
        found = conn.execute(text("SELECT 1 FROM pg_indexes WHERE indexname = :name"), {"name": INDEX}).first()
    return found is not None


def warn_if_unindexed(db: Database) -> bool:
    """Log a warning when the people search runs without its index (pg_trgm could not be created: the
    role may not create extensions). The search still gives the same rows, by reading each organisation's
    people. Returns whether the index is there."""
    if indexed(db):
        return True
    log.warning(
        "people search without the pg_trgm index (%s): the extension could not be created, so a search reads "
        "each organisation's rows (the same results, slower in large organisations); see docs/deploy.md: "
        "CREATE EXTENSION pg_trgm as a superuser, then CREATE INDEX %s ON participation USING gin "
        "(search_text gin_trgm_ops)",
        INDEX,
        INDEX,
    )
    return False
