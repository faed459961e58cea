"""Personal invitations: ``personal_invitation`` (one person, one cohort, one one-use link) and
``invitation.expires_at``

Revision ID: rollout_0003
Revises: rollout_0002
Create Date: 2026-12-02 00:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "rollout_0003"
down_revision: str | Sequence[str] | None = "rollout_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.create_table(
        "personal_invitation",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("cohort_id", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("invitation_id", sa.String(length=32), nullable=False),
        sa.Column("sent_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohort.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["invitation_id"], ["invitation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cohort_id", "person_id", name="uq_personal_invitation"),
        sa.UniqueConstraint("invitation_id"),
    )
    op.create_index("ix_personal_invitation_cohort_id", "personal_invitation", ["cohort_id"])
    op.create_index("ix_personal_invitation_person_id", "personal_invitation", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_personal_invitation_person_id", table_name="personal_invitation")
    op.drop_index("ix_personal_invitation_cohort_id", table_name="personal_invitation")
    op.drop_table("personal_invitation")
    # in place, not batch_alter_table: on SQLite a rebuild of invitation drops the old table, which
    # cascades to its participations (foreign keys are on)
    op.drop_column("invitation", "expires_at")
