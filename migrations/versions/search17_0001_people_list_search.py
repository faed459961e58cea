"""The people list searched like the participants (app.search); short queries find the start of a word

- ``person.search_text`` (name, department, e-mail, folded: app.search.document), backfilled; SQLite:
  ``person_fts`` (FTS5, trigram, external content by rowid) kept by triggers; PostgreSQL: a ``pg_trgm`` GIN
  index ``ix_person_search`` when the extension is there (rollout2_0001 created it when the role could).
- The people list's sort indexes: ``ix_person_name``, ``ix_person_department``, ``ix_person_level``.
- ``participation.search_text`` written again in the new form (every word after two marks, app.search.WORD),
  so that a query of one or two characters is a trigram query for the start of a word; the FTS5 triggers
  of rollout2_0001 follow the update. The downgrade writes the old form back.

Columns are added in place (never ``batch_alter_table`` on a parent table: on SQLite its rebuild cascades).

Revision ID: search17_0001
Revises: passkeys_0001
Create Date: 2026-12-02 10:20:00
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

from app.search.folding import LENGTH, document, fold

revision: str = "search17_0001"
down_revision: str | Sequence[str] | None = "passkeys_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_person_name": ["org_id", "name", "email"],
    "ix_person_department": ["org_id", "department", "name", "email"],
    "ix_person_level": ["org_id", "level", "name", "email"],
}
FTS_TRIGGERS = (
    "CREATE TRIGGER person_fts_insert AFTER INSERT ON person "
    "BEGIN INSERT INTO person_fts (rowid, search_text) VALUES (NEW.rowid, NEW.search_text); END",
    "CREATE TRIGGER person_fts_delete AFTER DELETE ON person "
    "BEGIN INSERT INTO person_fts (person_fts, rowid, search_text) VALUES ('delete', OLD.rowid, OLD.search_text); END",
    "CREATE TRIGGER person_fts_update AFTER UPDATE OF search_text ON person BEGIN "
    "INSERT INTO person_fts (person_fts, rowid, search_text) VALUES ('delete', OLD.rowid, OLD.search_text); "
    "INSERT INTO person_fts (rowid, search_text) VALUES (NEW.rowid, NEW.search_text); END",
)


def _old_document(name: str | None, department: str | None, email: str | None) -> str | None:
    """rollout2_0001's form (no word marks)."""
    if not name:
        return None
    return "\n".join(fold(v) for v in (name, department, email) if v)[:LENGTH]


def _rewrite(conn: sa.Connection, make: Callable[[str | None, str | None, str | None], str | None]) -> None:
    rows = conn.execute(
        sa.text(
            "SELECT p.id, p.display_name, p.department, person.email FROM participation p "
            "LEFT JOIN person ON person.id = p.person_id "
            "WHERE p.visibility = 'identified' AND p.display_name IS NOT NULL"
        )
    ).all()
    values = [{"id": r[0], "text": make(r[1], r[2], r[3])} for r in rows]
    for start in range(0, len(values), 5000):
        conn.execute(
            sa.text("UPDATE participation SET search_text = :text WHERE id = :id"), values[start : start + 5000]
        )


def upgrade() -> None:
    conn = op.get_bind()
    dialect = conn.dialect.name
    op.add_column("person", sa.Column("search_text", sa.String(length=480), nullable=True))
    rows = conn.execute(sa.text("SELECT id, name, department, email FROM person")).all()
    values = [{"id": r[0], "text": document(r[1], r[2], r[3])} for r in rows]
    for start in range(0, len(values), 5000):
        conn.execute(sa.text("UPDATE person SET search_text = :text WHERE id = :id"), values[start : start + 5000])
    for name, columns in INDEXES.items():
        op.create_index(name, "person", columns)
    if dialect == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE person_fts USING fts5(search_text, content='person', content_rowid='rowid', "
            "tokenize='trigram')"
        )
        op.execute("INSERT INTO person_fts (person_fts) VALUES ('rebuild')")
        for statement in FTS_TRIGGERS:
            op.execute(statement)
    elif conn.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first() is not None:
        op.execute("CREATE INDEX IF NOT EXISTS ix_person_search ON person USING gin (search_text gin_trgm_ops)")
    _rewrite(conn, document)


def downgrade() -> None:
    conn = op.get_bind()
    _rewrite(conn, _old_document)
    if conn.dialect.name == "sqlite":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS person_fts_{name}")
        op.execute("DROP TABLE IF EXISTS person_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_person_search")
    for name in INDEXES:
        op.drop_index(name, "person")
    op.drop_column("person", "search_text")
