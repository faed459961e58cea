"""Answers keyed by (assessment, item): no surrogate id, no separate unique index; on SQLite a WITHOUT
ROWID table, so the 22-character assessment id and the item id are stored once per answer instead of
twice (the table and ``uq_answer_item``): about 3.2 KB less per completed assessment.

Revision ID: scale_0003
Revises: scale_0002
Create Date: 2026-12-02 00:25:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "scale_0003"
down_revision: str | Sequence[str] | None = "scale_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = "assessment_id, item_id, value_int, value_option, answered_at"


def _values() -> list[sa.Column[object]]:
    return [
        sa.Column("assessment_id", sa.String(length=32), nullable=False),
        sa.Column("item_id", sqlmodel.sql.sqltypes.AutoString(length=48), nullable=False),
        sa.Column("value_int", sa.Integer(), nullable=True),
        sa.Column("value_option", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("answered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessment.id"], ondelete="CASCADE"),
    ]


def _swap() -> None:
    op.execute(f"INSERT INTO answer_new ({COLUMNS}) SELECT {COLUMNS} FROM answer")  # noqa: S608 (fixed names)
    op.drop_table("answer")
    op.rename_table("answer_new", "answer")


def upgrade() -> None:
    op.create_table(
        "answer_new", *_values(), sa.PrimaryKeyConstraint("assessment_id", "item_id"), sqlite_with_rowid=False
    )
    _swap()


def downgrade() -> None:
    op.create_table(
        "answer_new",
        sa.Column("id", sa.Integer(), nullable=False),
        *_values(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("assessment_id", "item_id", name="uq_answer_item"),
    )
    _swap()
