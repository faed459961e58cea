"""assessment.retake_of: a retake points at the person's first assessment (test-retest)

Revision ID: analytics_0001
Revises: auth_0001
Create Date: 2026-12-01 23:55:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "analytics_0001"
down_revision: str | Sequence[str] | None = "auth_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retake_of", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_assessment_retake_of"), ["retake_of"], unique=False)


def downgrade() -> None:
    # in place, not batch_alter_table: on SQLite a rebuild of assessment drops the old table, which
    # cascades to every answer, result and participation (foreign keys are on)
    op.drop_index(op.f("ix_assessment_retake_of"), table_name="assessment")
    op.drop_column("assessment", "retake_of")
