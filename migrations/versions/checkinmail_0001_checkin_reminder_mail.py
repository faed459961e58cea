"""Check-in reminders by e-mail (opt-in)

- ``checkin_mail``: the address a person gave for check-in reminders, one per assessment.
- ``checkin_mail_sent``: one row per (assessment, phase) reminder, unique: each phase is mailed at most once.

Both are deleted with the assessment (``ON DELETE CASCADE``).

Revision ID: checkinmail_0001
Revises: sealed_0001
Create Date: 2026-12-02 07:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "checkinmail_0001"
down_revision: str | Sequence[str] | None = "sealed_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "checkin_mail",
        sa.Column("assessment_id", sa.String(length=32), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("lang", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessment.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("assessment_id"),
    )
    op.create_table(
        "checkin_mail_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.String(length=32), nullable=False),
        sa.Column("phase", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("skipped", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("stop_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessment.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("assessment_id", "phase", name="uq_checkin_mail_phase"),
    )
    op.create_index(op.f("ix_checkin_mail_sent_stop_hash"), "checkin_mail_sent", ["stop_hash"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_checkin_mail_sent_stop_hash"), table_name="checkin_mail_sent")
    op.drop_table("checkin_mail_sent")
    op.drop_table("checkin_mail")
