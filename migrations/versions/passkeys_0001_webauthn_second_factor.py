"""Passkeys (WebAuthn) as a second factor for HR users

- ``hr_passkey``: one row per registered credential: its id (base64url, unique), public key (COSE), the
  authenticator's signature counter, transports, the user's name for it, created and last used.
  Deleted with the HR user (``ON DELETE CASCADE``).
- ``hr_webauthn_challenge``: the challenge of a ceremony in progress, one per session and purpose, single
  use and short-lived; deleted with the session.

Revision ID: passkeys_0001
Revises: pgpack_0001
Create Date: 2026-12-02 10:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "passkeys_0001"
down_revision: str | Sequence[str] | None = "pgpack_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "hr_passkey",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("credential_id", sqlmodel.sql.sqltypes.AutoString(length=1400), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sign_count", sa.BigInteger(), nullable=False),
        sa.Column("transports", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("last_used_at", UTC(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["hr_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("credential_id"),
    )
    op.create_index("ix_hr_passkey_user_id", "hr_passkey", ["user_id"], unique=False)
    op.create_table(
        "hr_webauthn_challenge",
        sa.Column("session_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("challenge", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("expires_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(["session_hash"], ["hr_session.token_hash"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("session_hash", "purpose"),
    )


def downgrade() -> None:
    op.drop_table("hr_webauthn_challenge")
    op.drop_index("ix_hr_passkey_user_id", table_name="hr_passkey")
    op.drop_table("hr_passkey")
