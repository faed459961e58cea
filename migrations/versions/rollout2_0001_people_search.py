"""The people search through a trigram index (app.search)

- ``participation.search_text``: name, department and the linked person's e-mail, folded (app.search.fold),
  backfilled here for the identified rows.
- SQLite: ``participation_fts``, an FTS5 table with the trigram tokenizer over that column (external
  content: participation, by rowid), kept by triggers in the same transaction as every write.
- PostgreSQL: ``CREATE EXTENSION pg_trgm`` when the role may (a superuser, or a trusted extension for the
  database owner since PostgreSQL 13), then a GIN index ``ix_participation_search`` (gin_trgm_ops). When the
  extension can't be created the migration says so and goes on: the search gives the same rows, reading
  the organisation's rows instead of the index (docs/deploy.md).

The column is added in place (never ``batch_alter_table`` on a parent table: on SQLite its rebuild cascades).

Revision ID: rollout2_0001
Revises: hrapi_0001
Create Date: 2026-12-02 06:10:00
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.search.folding import document

revision: str = "rollout2_0001"
down_revision: str | Sequence[str] | None = "hrapi_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

FTS_TRIGGERS = (  # every row has an entry (aggregate-only ones: no text, no trigram), as 'rebuild' makes them
    "CREATE TRIGGER participation_fts_insert AFTER INSERT ON participation "
    "BEGIN INSERT INTO participation_fts (rowid, search_text) VALUES (NEW.rowid, NEW.search_text); END",
    "CREATE TRIGGER participation_fts_delete AFTER DELETE ON participation "
    "BEGIN INSERT INTO participation_fts (participation_fts, rowid, search_text) "
    "VALUES ('delete', OLD.rowid, OLD.search_text); END",
    "CREATE TRIGGER participation_fts_update AFTER UPDATE OF search_text ON participation BEGIN "
    "INSERT INTO participation_fts (participation_fts, rowid, search_text) "
    "VALUES ('delete', OLD.rowid, OLD.search_text); "
    "INSERT INTO participation_fts (rowid, search_text) VALUES (NEW.rowid, NEW.search_text); END",
)


def create_search(dialect: str) -> None:
    """The index over ``search_text`` (filled from the column as it stands)."""
    if dialect == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE participation_fts USING fts5(search_text, content='participation', "
            "content_rowid='rowid', tokenize='trigram')"
        )
        op.execute("INSERT INTO participation_fts (participation_fts) VALUES ('rebuild')")
        for statement in FTS_TRIGGERS:
            op.execute(statement)
        return
    conn = op.get_bind()
    has = conn.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first() is not None
    if not has:
        try:
            with conn.begin_nested():
                conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
            has = True
        except sa.exc.DBAPIError as exc:
            log.warning(
                "pg_trgm could not be created (%s): the people search works without its index, reading "
                "each organisation's rows; to add it, a superuser runs CREATE EXTENSION pg_trgm in this "
                "database, then CREATE INDEX ix_participation_search ON participation USING gin "
                "(search_text gin_trgm_ops) (docs/deploy.md)",
                str(exc.orig).strip().splitlines()[0] if exc.orig else exc,
            )
    if has:
        op.execute(
            "CREATE INDEX IF NOT EXISTS ix_participation_search ON participation USING gin (search_text gin_trgm_ops)"
        )


def drop_search(dialect: str) -> None:
    if dialect == "sqlite":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS participation_fts_{name}")
        op.execute("DROP TABLE IF EXISTS participation_fts")
        return
    op.execute("DROP INDEX IF EXISTS ix_participation_search")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column("participation", sa.Column("search_text", sa.String(length=480), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT p.id, p.display_name, p.department, person.email FROM participation p "
            "LEFT JOIN person ON person.id = p.person_id "
            "WHERE p.visibility = 'identified' AND p.display_name IS NOT NULL"
        )
    ).all()
    values = [{"id": r[0], "text": document(r[1], r[2], r[3])} for r in rows]
    if values:
        conn.execute(sa.text("UPDATE participation SET search_text = :text WHERE id = :id"), values)
    create_search(dialect)


def downgrade() -> None:
    drop_search(op.get_bind().dialect.name)
    op.drop_column("participation", "search_text")
