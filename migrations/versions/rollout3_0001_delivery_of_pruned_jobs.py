"""A personal invitation sent before rollout2_0002 whose mail job was pruned since: delivery "sent"

rollout2_0002 backfilled ``personal_invitation.delivery`` from the jobs still there (done: sent) and from
invitations without a job (link). An invitation whose mail went out and whose done job ``jobs.prune`` had
already deleted (7 days later) was left with no delivery, and the cohort's list called it "link" (copied by
HR) instead of "sent". Such a row is recognisable: ``sent_at`` is written only at the mail's commit point
(or when HR made the link, and then ``job_id`` is NULL), and a job row that is gone was a done one (prune
deletes done jobs only; a failed or reopened job stays). Data only; idempotent; the downgrade keeps it.

Revision ID: rollout3_0001
Revises: hrapi3_0001
Create Date: 2026-12-02 10:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "rollout3_0001"
down_revision: str | Sequence[str] | None = "hrapi3_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "UPDATE personal_invitation SET delivery = 'sent' WHERE delivery IS NULL AND sent_at IS NOT NULL "
        "AND job_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM job WHERE job.id = personal_invitation.job_id)"
    )


def downgrade() -> None:
    pass  # the column keeps the right value; rollout2_0002's downgrade drops it
