"""``invitation.label`` (HR's name for a link, so identical rows can be told apart) and an index for the
time estimate (newest completions per language and bank version)

Revision ID: a11y_0001
Revises: hrpeople_0001
Create Date: 2026-12-02 03:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "a11y_0001"
down_revision: str | Sequence[str] | None = "hrpeople_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # in place, no batch: invitation is a parent table (SQLite's batch rebuild would cascade deletes)
    op.add_column("invitation", sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True))
    op.create_index(
        "ix_assessment_locale_bank_finished", "assessment", ["locale", "bank_version", "finished_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_assessment_locale_bank_finished", table_name="assessment")
    op.drop_column("invitation", "label")
