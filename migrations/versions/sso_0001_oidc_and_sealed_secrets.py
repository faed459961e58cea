"""Single sign-on with OpenID Connect, and secrets at rest

- ``org_sso``: an organisation's OIDC provider (issuer, client id, sealed client secret, allowed e-mail
  domains, default role, create-on-first-sign-in, SSO required); ``sso_state``: sign-in round trips in flight.
- ``hr_user.totp_secret`` (plaintext) becomes ``hr_user.totp_key``, sealed with the data key (app/vault):
  every existing key is encrypted into the new column, the old one emptied and dropped (in place: ``hr_user``
  is a parent table, never rebuilt on SQLite; ``secure_delete`` zeroes the freed bytes). The downgrade
  opens them again.

Revision ID: sso_0001
Revises: reminders_0001
Create Date: 2026-12-02 06:20:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "sso_0001"
down_revision: str | Sequence[str] | None = "reminders_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STR = sqlmodel.sql.sqltypes.AutoString


def _copy(source: str, target: str, change: Any) -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text(f"SELECT id, {source} FROM hr_user WHERE {source} IS NOT NULL")).all()  # noqa: S608
    for user_id, value in rows:
        bind.execute(
            sa.text(f"UPDATE hr_user SET {target} = :v, {source} = NULL WHERE id = :i"),  # noqa: S608 (fixed names)
            {"v": change(value), "i": user_id},
        )


def upgrade() -> None:
    from app import vault

    op.create_table(
        "org_sso",
        sa.Column("org_id", sa.String(32), sa.ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("issuer", STR(length=500), nullable=False),
        sa.Column("client_id", STR(length=500), nullable=False),
        sa.Column("client_secret", STR(length=1000), nullable=False),
        sa.Column("domains", STR(length=2000), nullable=False),
        sa.Column("default_role", STR(length=16), nullable=False),
        sa.Column("create_users", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("required", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_table(
        "sso_state",
        sa.Column("state_hash", STR(length=64), primary_key=True),
        sa.Column("browser_hash", STR(length=64), nullable=False),
        sa.Column("org_id", sa.String(32), sa.ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False),
        sa.Column("nonce", STR(length=100), nullable=False),
        sa.Column("code_verifier", STR(length=200), nullable=False),
        sa.Column("next_path", STR(length=500), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_sso_state_expires_at", "sso_state", ["expires_at"])
    op.add_column("hr_user", sa.Column("totp_key", STR(length=400), nullable=True))
    _copy("totp_secret", "totp_key", lambda s: s if vault.is_sealed(s) else vault.seal(s))
    op.drop_column("hr_user", "totp_secret")


def downgrade() -> None:
    from app import vault

    op.add_column("hr_user", sa.Column("totp_secret", STR(length=64), nullable=True))
    _copy("totp_key", "totp_secret", vault.unseal)
    op.drop_column("hr_user", "totp_key")
    op.drop_index("ix_sso_state_expires_at", table_name="sso_state")
    op.drop_table("sso_state")
    op.drop_table("org_sso")
