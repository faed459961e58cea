"""A cohort's closing announced once (``cohort.closed_announced_at``)

Set in the transaction that queues the ``cohort.closed`` webhook event: by the manual close (and archive),
or by the periodic scan that finds cohorts closed by their closing date (app/services/retention.py,
:func:`announce_closed`). Its conditional update (``... WHERE closed_announced_at IS NULL``) lets one worker
announce a cohort and no other.

Cohorts already closed when this runs are marked announced (at their closing date): those closed by hand
had their event; those closed by date before the scan existed are not announced months later. Added in
place (``cohort`` is a parent table: no rebuild on SQLite).

Revision ID: hrapi3_0001
Revises: checkinmail_0001
Create Date: 2026-12-02 10:20:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "hrapi3_0001"
down_revision: str | Sequence[str] | None = "checkinmail_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("cohort", sa.Column("closed_announced_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    cohort = sa.table(
        "cohort",
        sa.column("closes_at", sqlmodel.sql.sqltypes.UTCDateTime()),
        sa.column("closed_announced_at", sqlmodel.sql.sqltypes.UTCDateTime()),
    )
    op.get_bind().execute(
        sa.update(cohort)
        .where(cohort.c.closes_at.is_not(None), cohort.c.closes_at <= datetime.now(UTC))
        .values(closed_announced_at=cohort.c.closes_at)
    )


def downgrade() -> None:
    op.drop_column("cohort", "closed_announced_at")
