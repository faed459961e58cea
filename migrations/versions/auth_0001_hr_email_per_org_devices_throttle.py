"""HR e-mail unique per organisation, trusted devices, throttle indexes for retention

Revision ID: auth_0001
Revises: 0dd3a9ea9452
Create Date: 2026-12-01 23:55:00

- ``hr_user.email`` is unique per organisation (``uq_hr_user_org_email``), no longer across all of them;
  a plain index keeps sign-in by e-mail fast. ``last_login_at`` picks the account when one e-mail and
  password fit several.
- ``hr_device``: browsers where a user signed in before (OWASP device cookies), only hashes stored.
- ``login_attempt``: one (key, at) index for the throttle's count and an ``at`` index for the pruning
  that replaces a cron job.

Downgrading restores the global e-mail uniqueness, which fails while one e-mail has accounts in two
organisations (remove one first).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "auth_0001"
down_revision: str | Sequence[str] | None = "0dd3a9ea9452"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite keeps the first migration's UNIQUE (email) without a name; batch mode finds it by this convention.
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _global_email_unique() -> str:
    return "hr_user_email_key" if op.get_bind().dialect.name == "postgresql" else "uq_hr_user_email"


def upgrade() -> None:
    with op.batch_alter_table("hr_user", schema=None, naming_convention=NAMING) as batch_op:
        batch_op.add_column(sa.Column("last_login_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.drop_constraint(_global_email_unique(), type_="unique")
        batch_op.create_unique_constraint("uq_hr_user_org_email", ["org_id", "email"])
        batch_op.create_index(batch_op.f("ix_hr_user_email"), ["email"], unique=False)

    op.create_table(
        "hr_device",
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_used", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["hr_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("hr_device", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hr_device_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_hr_device_last_used"), ["last_used"], unique=False)

    with op.batch_alter_table("login_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_attempt_key"))
        batch_op.create_index("ix_login_attempt_key_at", ["key", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_login_attempt_at"), ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("login_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_attempt_at"))
        batch_op.drop_index("ix_login_attempt_key_at")
        batch_op.create_index(batch_op.f("ix_login_attempt_key"), ["key"], unique=False)

    with op.batch_alter_table("hr_device", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hr_device_last_used"))
        batch_op.drop_index(batch_op.f("ix_hr_device_user_id"))
    op.drop_table("hr_device")

    with op.batch_alter_table("hr_user", schema=None, naming_convention=NAMING) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hr_user_email"))
        batch_op.drop_constraint("uq_hr_user_org_email", type_="unique")
        batch_op.create_unique_constraint(_global_email_unique(), ["email"])
        batch_op.drop_column("last_login_at")
