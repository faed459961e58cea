"""org_role_labels: an organisation's titles for the account and delivery roles, per language

Revision ID: label_0001
Revises: manual_0001
Create Date: 2026-12-02 01:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "label_0001"
down_revision: str | Sequence[str] | None = "manual_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "org_role_labels",
        sa.Column("org_id", sa.String(length=32), nullable=False),
        sa.Column("lang", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("account", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("account_short", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("delivery", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("delivery_short", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organisation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("org_id", "lang"),
    )


def downgrade() -> None:
    op.drop_table("org_role_labels")
