"""assessment.previous_assessment_id and assessment.chosen: a retake points at the result it retakes

Revision ID: retake_0001
Revises: rollout2_0002
Create Date: 2026-12-02 06:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "retake_0001"
down_revision: str | Sequence[str] | None = "rollout2_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # in place, not batch_alter_table: on SQLite a rebuild of assessment drops the old table, which
    # cascades to every answer, result and participation (foreign keys are on). No foreign key: deleting
    # either assessment unlinks the other in app/services/quiz.py (delete_assessment).
    op.add_column(
        "assessment",
        sa.Column("previous_assessment_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    )
    op.create_index(op.f("ix_assessment_previous_assessment_id"), "assessment", ["previous_assessment_id"])
    op.add_column("assessment", sa.Column("chosen", sa.Boolean(), nullable=True))


def downgrade() -> None:
    op.drop_column("assessment", "chosen")
    op.drop_index(op.f("ix_assessment_previous_assessment_id"), table_name="assessment")
    op.drop_column("assessment", "previous_assessment_id")
