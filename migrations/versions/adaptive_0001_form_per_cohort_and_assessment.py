"""adaptive short form: the form (full or adaptive) of a cohort, of an assessment and of a stored result

Revision ID: adaptive_0001
Revises: instrument_0001
Create Date: 2026-12-02 03:00:00

Columns added in place (no table rebuild: on SQLite a rebuild of a parent table cascades deletes).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "adaptive_0001"
down_revision: str | Sequence[str] | None = "instrument_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("cohort", "assessment", "result")


def upgrade() -> None:
    for table in COLUMNS:
        op.add_column(table, sa.Column("form", sa.String(length=16), nullable=False, server_default="full"))


def downgrade() -> None:
    for table in reversed(COLUMNS):
        op.drop_column(table, "form")
