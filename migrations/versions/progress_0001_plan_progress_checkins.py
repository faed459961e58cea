"""Plan progress and check-ins

- ``plan_progress``: a plan action the person ticked done (keyed by assessment and action), with a note.
- ``checkin``: a short re-rating of the plan's skills at one phase, linked to the first result.

Both are deleted with the assessment (``ON DELETE CASCADE``).

Revision ID: progress_0001
Revises: manager_0001
Create Date: 2026-12-02 06:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "progress_0001"
down_revision: str | Sequence[str] | None = "manager_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plan_progress",
        sa.Column("assessment_id", sa.String(length=32), nullable=False),
        sa.Column("action_id", sa.String(length=64), nullable=False),
        sa.Column("done_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=280), nullable=True),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessment.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("assessment_id", "action_id"),
    )
    op.create_table(
        "checkin",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("assessment_id", sa.String(length=32), nullable=False),
        sa.Column("phase", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessment.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_checkin_assessment_id"), "checkin", ["assessment_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_checkin_assessment_id"), table_name="checkin")
    op.drop_table("checkin")
    op.drop_table("plan_progress")
