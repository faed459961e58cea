"""Webhook signing secrets sealed with the data key

``webhook.secret`` (plaintext ``whsec_...``) becomes ``webhook.signing_key``, sealed with the data key
(app/vault) like the TOTP keys (sso_0001). Added in place and the old column dropped (no table rebuild:
``webhook`` is the parent of ``webhook_delivery``).

Revision ID: sealed_0001
Revises: erasure_0001
Create Date: 2026-12-02 07:45:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "sealed_0001"
down_revision: str | Sequence[str] | None = "erasure_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STR = sqlmodel.sql.sqltypes.AutoString


def _copy(source: str, target: str, change: Any) -> None:
    bind = op.get_bind()
    for hook_id, value in bind.execute(sa.text(f"SELECT id, {source} FROM webhook")).all():  # noqa: S608 (fixed names)
        bind.execute(
            sa.text(f"UPDATE webhook SET {target} = :v WHERE id = :i"),  # noqa: S608 (fixed names)
            {"v": change(value) if value else "", "i": hook_id},
        )


def upgrade() -> None:
    from app import vault

    op.add_column("webhook", sa.Column("signing_key", sa.String(400), nullable=False, server_default=""))
    _copy("secret", "signing_key", lambda s: s if vault.is_sealed(s) else vault.seal(s))
    op.drop_column("webhook", "secret")


def downgrade() -> None:
    from app import vault

    op.add_column("webhook", sa.Column("secret", STR(length=80), nullable=False, server_default=""))
    _copy("signing_key", "secret", vault.unseal)
    op.drop_column("webhook", "signing_key")
