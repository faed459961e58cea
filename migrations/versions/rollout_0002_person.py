"""People HR may invite: the ``person`` table, one row per e-mail per organisation

Revision ID: rollout_0002
Revises: rollout_0001
Create Date: 2026-12-02 00:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "rollout_0002"
down_revision: str | Sequence[str] | None = "rollout_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "person",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("org_id", sa.String(length=32), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("department", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("lang", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("manager_email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organisation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_id", "email", name="uq_person_org_email"),
    )
    op.create_index("ix_person_org_id", "person", ["org_id"])


def downgrade() -> None:
    op.drop_index("ix_person_org_id", table_name="person")
    op.drop_table("person")
