"""Comparison with others: each finished result's dimension buckets (norm_point) and their counts per bank
version, language, dimension and 5-point bucket (result_norm), kept by triggers on norm_point in the same
transaction as every write, cascades included.

Revision ID: result_0001
Revises: identity_0001
Create Date: 2026-12-02 03:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "result_0001"
down_revision: str | Sequence[str] | None = "identity_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = "bank_version, lang, dimension, bucket"
MATCH = "bank_version = OLD.bank_version AND lang = OLD.lang AND dimension = OLD.dimension AND bucket = OLD.bucket"
ADD = (
    f"INSERT INTO result_norm ({KEY}, n) VALUES (NEW.bank_version, NEW.lang, NEW.dimension, NEW.bucket, 1) "  # noqa: S608
    f"ON CONFLICT ({KEY}) DO UPDATE SET n = result_norm.n + 1"
)
REMOVE = f"UPDATE result_norm SET n = n - 1 WHERE {MATCH}"  # noqa: S608 (fixed names, no input)


def upgrade() -> None:
    op.create_table(
        "norm_point",
        sa.Column("assessment_id", sa.String(length=32), nullable=False),
        sa.Column("dimension", sa.String(length=48), nullable=False),
        sa.Column("bank_version", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("lang", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessment.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("assessment_id", "dimension"),
    )
    op.create_table(
        "result_norm",
        sa.Column("bank_version", sa.String(length=16), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("dimension", sa.String(length=48), nullable=False),
        sa.Column("bucket", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bank_version", "lang", "dimension", "bucket"),
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"CREATE TRIGGER norm_point_after_insert AFTER INSERT ON norm_point BEGIN {ADD}; END")
        op.execute(f"CREATE TRIGGER norm_point_after_delete AFTER DELETE ON norm_point BEGIN {REMOVE}; END")
        return
    op.execute(
        "CREATE FUNCTION norm_point_keep_counts() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
        f"  IF TG_OP = 'DELETE' THEN {REMOVE}; ELSE {ADD}; END IF;\n"
        "  RETURN NULL;\nEND\n$$"
    )
    op.execute(
        "CREATE TRIGGER norm_point_keep_counts AFTER INSERT OR DELETE ON norm_point "
        "FOR EACH ROW EXECUTE FUNCTION norm_point_keep_counts()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS norm_point_after_insert")
        op.execute("DROP TRIGGER IF EXISTS norm_point_after_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS norm_point_keep_counts ON norm_point")
        op.execute("DROP FUNCTION IF EXISTS norm_point_keep_counts()")
    op.drop_table("result_norm")
    op.drop_table("norm_point")
