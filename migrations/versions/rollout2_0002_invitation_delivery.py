"""A personal invitation's delivery outcome on the invitation itself

``personal_invitation.delivery``: "sent" (written by the mail job at its commit point) or "link" (made for
HR to copy), so the cohort's invitation list still says "sent" after ``jobs.prune`` deleted the done job.
Backfilled from the jobs that are still there (done: sent) and from invitations without a job (link).

Added in place (never ``batch_alter_table`` on a parent table: on SQLite its rebuild cascades).

Revision ID: rollout2_0002
Revises: rollout2_0001
Create Date: 2026-12-02 06:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "rollout2_0002"
down_revision: str | Sequence[str] | None = "rollout2_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("personal_invitation", sa.Column("delivery", sa.String(length=8), nullable=True))
    op.execute(
        "UPDATE personal_invitation SET delivery = 'sent' WHERE sent_at IS NOT NULL AND job_id IN "
        "(SELECT id FROM job WHERE state = 'done')"
    )
    op.execute("UPDATE personal_invitation SET delivery = 'link' WHERE job_id IS NULL AND sent_at IS NOT NULL")


def downgrade() -> None:
    op.drop_column("personal_invitation", "delivery")
