"""A webhook delivery names the participation it speaks of, so an erasure takes it too

``webhook_delivery.participation_id`` (nullable, indexed): set for events about an identified participation.
A withdrawal, a retention purge or a deleted cohort deletes the deliveries that carried that person's result
(they were kept for replay until the webhook or the organisation went). Backfilled from the payloads.

Revision ID: erasure_0001
Revises: progress_0001
Create Date: 2026-12-02 07:20:00
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "erasure_0001"
down_revision: str | Sequence[str] | None = "progress_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # in place (no table rebuild): webhook_delivery has no children, but keep to the house rule anyway
    op.add_column("webhook_delivery", sa.Column("participation_id", sqlmodel.sql.sqltypes.AutoString(length=32)))
    op.create_index("ix_webhook_delivery_participation_id", "webhook_delivery", ["participation_id"])
    bind = op.get_bind()
    table = sa.table("webhook_delivery", sa.column("id", sa.String), sa.column("payload", sa.JSON),
                     sa.column("participation_id", sa.String))  # fmt: skip
    for row_id, payload in bind.execute(sa.select(table.c.id, table.c.payload)).all():
        data = (json.loads(payload) if isinstance(payload, str) else payload or {}).get("data") or {}
        if data.get("participation_id"):
            bind.execute(
                table.update().where(table.c.id == row_id).values(participation_id=str(data["participation_id"]))
            )


def downgrade() -> None:
    op.drop_index("ix_webhook_delivery_participation_id", table_name="webhook_delivery")
    op.drop_column("webhook_delivery", "participation_id")
