"""The participants table (/hr/participants): ``participation.person_id`` (the people-list entry whose
personal invitation was used to join) and one index per sort of the table, so that a page of an
organisation's identified participants is an index walk, not a sort of the whole organisation.

Revision ID: hrpeople_0001
Revises: adaptive_0001
Create Date: 2026-12-02 03:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "hrpeople_0001"
down_revision: str | Sequence[str] | None = "adaptive_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# sort key -> the index's columns after (org_id, visibility); display_name breaks ties
SORTS = {
    "name": ["display_name", "id"],
    "department": ["department", "display_name", "id"],
    "level": ["level", "display_name", "id"],
    "call": ["recommendation", "display_name", "id"],
    "activity": ["finished_at", "display_name", "id"],
}


def upgrade() -> None:
    # in place (no batch_alter_table: participation is a parent table; no FK either, so it drops in place)
    op.add_column("participation", sa.Column("person_id", sa.String(length=32), nullable=True))
    op.create_index("ix_participation_person_id", "participation", ["person_id"])
    for key, columns in SORTS.items():
        op.create_index(f"ix_participation_people_{key}", "participation", ["org_id", "visibility", *columns])


def downgrade() -> None:
    for key in SORTS:
        op.drop_index(f"ix_participation_people_{key}", table_name="participation")
    op.drop_index("ix_participation_person_id", table_name="participation")
    op.drop_column("participation", "person_id")
