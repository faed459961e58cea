"""HR identity and governance: user lifecycle, TOTP, retention, cohort archive, audit address and index

Revision ID: identity_0001
Revises: label_0001
Create Date: 2026-12-02 03:00:00

- ``hr_user``: ``deactivated_at`` (a deactivated user cannot sign in; their sessions were ended),
  ``totp_secret`` / ``totp_enabled_at`` / ``totp_last_step`` (TOTP, RFC 6238; the last accepted time
  step, so a code is never accepted twice).
- ``hr_recovery_code``: hashed single-use recovery codes.
- ``hr_session.stage``: ``full``, or ``mfa`` (password checked, code still due) or ``enrol`` (the
  organisation requires MFA and the user has none yet): only ``full`` sessions reach HR pages.
- ``organisation``: ``require_mfa``; ``retain_identified_days`` and ``retain_aggregate_days`` (None: kept
  until the person withdraws or the cohort is deleted).
- ``cohort.archived_at``; ``audit_event.address`` (from where) and an ``(org_id, at)`` index for the viewer.

Columns are added in place (no batch rebuild of parent tables on SQLite: it would cascade deletes).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "identity_0001"
down_revision: str | Sequence[str] | None = "label_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.add_column("hr_user", sa.Column("deactivated_at", UTC(), nullable=True))
    op.add_column("hr_user", sa.Column("totp_secret", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    op.add_column("hr_user", sa.Column("totp_enabled_at", UTC(), nullable=True))
    op.add_column("hr_user", sa.Column("totp_last_step", sa.Integer(), nullable=True))
    op.add_column(
        "hr_session",
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False, server_default="full"),
    )
    op.add_column("organisation", sa.Column("require_mfa", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("organisation", sa.Column("retain_identified_days", sa.Integer(), nullable=True))
    op.add_column("organisation", sa.Column("retain_aggregate_days", sa.Integer(), nullable=True))
    op.add_column("cohort", sa.Column("archived_at", UTC(), nullable=True))
    op.add_column("audit_event", sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    op.create_index("ix_audit_event_org_at", "audit_event", ["org_id", "at"], unique=False)
    op.create_table(
        "hr_recovery_code",
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("used_at", UTC(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["hr_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("code_hash"),
    )
    op.create_index("ix_hr_recovery_code_user_id", "hr_recovery_code", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_hr_recovery_code_user_id", table_name="hr_recovery_code")
    op.drop_table("hr_recovery_code")
    op.drop_index("ix_audit_event_org_at", table_name="audit_event")
    op.drop_column("audit_event", "address")
    op.drop_column("cohort", "archived_at")
    op.drop_column("organisation", "retain_aggregate_days")
    op.drop_column("organisation", "retain_identified_days")
    op.drop_column("organisation", "require_mfa")
    op.drop_column("hr_session", "stage")
    op.drop_column("hr_user", "totp_last_step")
    op.drop_column("hr_user", "totp_enabled_at")
    op.drop_column("hr_user", "totp_secret")
    op.drop_column("hr_user", "deactivated_at")
