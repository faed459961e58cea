"""Search in the people tables: one folded text per identified participant (name, department, the linked
person's e-mail) and per person of the people list (name, department, e-mail), matched as a substring
through a trigram index, and paged so that a page costs what it shows, not what the search matches.

- ``participation.search_text`` and ``person.search_text`` hold :func:`document` of the row, written with
  the row in the same transaction (withdrawal and erasure delete the row).
- SQLite: an FTS5 table with the trigram tokenizer (SQLite >= 3.34) over that column (``participation_fts``,
  ``person_fts``), kept by triggers (migrations ``rollout2_0001``, ``search17_0001``); the query is a phrase
  MATCH. ``Database.scrub`` rebuilds them after VACUUM (their rows are keyed by the tables' rowids).
- PostgreSQL: a ``pg_trgm`` GIN index on the column (the migrations create the extension when the role may,
  and say so when it may not: then the same query reads the organisation's rows); the query is a LIKE.
  Without the indexes each worker of the app says so in its log at start-up (:func:`warn_if_unindexed`).

Both match the same substrings of the same folded text, so both databases give the same rows.

Folding: compatibility decomposition (NFKD: full-width letters and digits become plain ones), combining
marks dropped, ``casefold``, and the letters that carry no combining mark mapped by hand (``đ`` -> ``d``,
``ø``, ``ł``). An HR user types "nguyen" or "Nguyễn" and finds "Nguyễn"; "jose" finds "José"; Chinese
characters have no decomposition and are kept as they are. The cost: "Lê" and "Le" can no longer be told
apart in a search, which is what people who type without Vietnamese or French input methods expect.

Short queries: every word of the stored text starts with two marks (:data:`WORD`), so a query of one or two
characters is a trigram query for "a word that starts so" ("王" finds 王小明, "ng" finds Nguyễn) through the
same index, and a longer query matches anywhere as before (its spaces are followed by the marks too).

Paging (:func:`plan`): the matches are first counted through the index, up to :data:`CAP`. Up to that
many, the page is read through the index and sorted (at most :data:`CAP` rows). Beyond it the search is
broad: on SQLite the page walks the sort's own index in order and checks each row's text (``instr``,
which the FTS5 table does not serve, so the planner cannot choose to read every match and sort them),
stopping when the page is full: the more rows match, the sooner. PostgreSQL's planner makes that choice
itself from pg_trgm's estimate (``strpos`` forced the walk and measured slower). The count says "1,000+".
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, column, func, literal_column, text
from sqlalchemy import select as sql_select
from sqlalchemy import table as sql_table
from sqlmodel import col

from app.db import Database
from app.models import Participation, Person
from app.search.folding import MIN_LENGTH, WORD, document, fold, pattern

__all__ = [
    "CAP",
    "MIN_LENGTH",
    "WORD",
    "condition",
    "contains",
    "document",
    "fold",
    "indexed",
    "pattern",
    "plan",
    "short",
    "warn_if_unindexed",
]

log = logging.getLogger(__name__)
INDEXES = ("ix_participation_search", "ix_person_search")  # PostgreSQL: the pg_trgm GIN indexes

CAP = 1_000  # matches counted through the index; beyond it, "1,000+" and the page walks the sort's index
Searched = type[Participation] | type[Person]


def short(query: str) -> bool:
    """A query of one or two characters (once folded): it finds the words that start with it."""
    return 0 < len(fold(query)) < MIN_LENGTH


def condition(dialect: str, query: str, model: Searched = Participation) -> ColumnElement[bool]:
    """Rows whose search text holds :func:`pattern` of ``query``, through the trigram index (``query`` not
    empty once folded)."""
    wanted = pattern(query)
    table = model.__tablename__
    if dialect == "sqlite":
        phrase = '"' + wanted.replace('"', '""') + '"'
        fts = f"{table}.rowid IN (SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH :search)"  # noqa: S608
        return and_(text(fts).bindparams(search=phrase))
    like = "%" + wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return col(model.search_text).like(like, escape="\\")


def contains(dialect: str, query: str, model: Searched = Participation) -> ColumnElement[bool]:
    """The same rows as :func:`condition`, checked row by row on the text (no index serves it)."""
    position = func.instr if dialect == "sqlite" else func.strpos
    return position(col(model.search_text), pattern(query)) > 0


def plan(
    session: Any, dialect: str, query: str, model: Searched, conds: list[ColumnElement[bool]]
) -> tuple[ColumnElement[bool], int]:
    """The condition to page with for ``query`` among the rows of ``conds``, and the matches counted up to
    ``CAP + 1``: through the index when there are at most :data:`CAP`, else row by row along the page's own
    sort index (see the module's docstring)."""
    through_index = condition(dialect, query, model)
    counted = sql_select(col(model.id)).where(*conds)
    if dialect == "postgresql":
        # this transaction's statements planned for their own pattern, never generically: psycopg prepares a
        # statement on its 6th run on a connection, and PostgreSQL then settles on a generic plan that cannot
        # see the pattern (it read every match through the trigram index: 110-175 ms for "person" at 1M
        # people instead of 0.4 ms; bench/RESULTS.md, session 7)
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    if dialect == "sqlite":
        # a join, not ``rowid IN (...)``: SQLite fills the IN list with every match of the phrase before the
        # first row (87 ms for 70,000 at 100k people), while the FTS5 cursor of a join stops at the LIMIT
        table = model.__tablename__
        fts = sql_table(f"{table}_fts", column("rowid"), column(f"{table}_fts"))
        phrase = '"' + pattern(query).replace('"', '""') + '"'
        rows: Any = model.__table__  # type: ignore[union-attr]
        joined = fts.join(rows, literal_column(f"{table}.rowid") == fts.c.rowid)
        counted = counted.select_from(joined).where(fts.c[f"{table}_fts"].op("MATCH")(phrase))
    else:
        counted = counted.where(through_index)
    capped = counted.limit(CAP + 1).subquery()
    count = int(session.execute(sql_select(func.count()).select_from(capped)).scalar_one())
    if dialect != "sqlite":
        # PostgreSQL weighs the GIN index against the sort's index walk itself (pg_trgm's selectivity for the
        # LIKE); forcing the walk with strpos measured slower there (bench/RESULTS.md, session 6)
        return through_index, count
    return (through_index if count <= CAP else contains(dialect, query, model)), count


def indexed(db: Database) -> bool:
    """PostgreSQL: the trigram indexes are there (SQLite's FTS5 tables always are: the search needs them)."""
    if db.dialect != "postgresql":
        return True
    with db.engine.connect() as conn:
        found = conn.execute(
            text("SELECT count(*) FROM pg_indexes WHERE indexname IN :names").bindparams(
                bindparam("names", expanding=True)
            ),
            {"names": list(INDEXES)},
        ).scalar_one()
    return int(found) == len(INDEXES)


def warn_if_unindexed(db: Database) -> bool:
    """Log a warning when the people search runs without its indexes (pg_trgm could not be created: the
    role may not create extensions). The search still gives the same rows, by reading each organisation's
    people. Returns whether the indexes are there."""
    if indexed(db):
        return True
    log.warning(
        "people search without the pg_trgm indexes (%s): the extension could not be created, so a search reads "
        "each organisation's rows (the same results, slower in large organisations); see docs/deploy.md: "
        "CREATE EXTENSION pg_trgm as a superuser, then CREATE INDEX ix_participation_search ON participation "
        "USING gin (search_text gin_trgm_ops) and CREATE INDEX ix_person_search ON person USING gin "
        "(search_text gin_trgm_ops)",
        ", ".join(INDEXES),
    )
    return False
