"""result.params_version, result_history (re-scoring keeps every snapshot), psychometrics_report

Revision ID: manual_0001
Revises: scale_0003
Create Date: 2026-12-02 01:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "manual_0001"
down_revision: str | Sequence[str] | None = "scale_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("result", schema=None) as batch_op:
        batch_op.add_column(sa.Column("params_version", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    op.create_table(
        "result_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.String(length=32), nullable=False),
        sa.Column("bank_version", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("scoring_version", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("params_version", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("replaced_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessment.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("result_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_result_history_assessment_id"), ["assessment_id"], unique=False)
    op.create_table(
        "psychometrics_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.String(length=32), nullable=True),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organisation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("psychometrics_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_psychometrics_report_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("psychometrics_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_psychometrics_report_org_id"))
    op.drop_table("psychometrics_report")
    with op.batch_alter_table("result_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_result_history_assessment_id"))
    op.drop_table("result_history")
    with op.batch_alter_table("result", schema=None) as batch_op:
        batch_op.drop_column("params_version")
