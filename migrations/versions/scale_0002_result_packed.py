"""Result snapshots stored compactly: compact JSON, zlib-compressed, in a BLOB / bytea.

Every stored result is converted in place, losslessly (``json`` writes floats with ``repr``, which reads
back to the same number), so old results still render exactly as they were scored. The format is
``app.models.PackedJSON``'s; it is repeated here so that this migration never changes with the app.

Revision ID: scale_0002
Revises: scale_0001
Create Date: 2026-12-02 00:10:00
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "scale_0002"
down_revision: str | Sequence[str] | None = "scale_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def pack(value: Any) -> bytes:
    return zlib.compress(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode(), 6)


def unpack(value: bytes) -> Any:
    return json.loads(zlib.decompress(bytes(value)))


def _convert(src: sa.types.TypeEngine[Any], dst: sa.types.TypeEngine[Any], how: Any) -> None:
    conn = op.get_bind()
    result = sa.table("result", sa.column("assessment_id", sa.String()), sa.column("data", src))
    target = sa.table("result", sa.column("assessment_id", sa.String()), sa.column("data_new", dst))
    last = ""
    while True:
        rows = conn.execute(
            sa.select(result.c.assessment_id, result.c.data)
            .where(result.c.assessment_id > last)
            .order_by(result.c.assessment_id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for assessment_id, data in rows:
            conn.execute(sa.update(target).where(target.c.assessment_id == assessment_id).values(data_new=how(data)))
        last = rows[-1][0]


def _swap(new_type: sa.types.TypeEngine[Any]) -> None:
    with op.batch_alter_table("result") as batch_op:
        batch_op.drop_column("data")
    with op.batch_alter_table("result") as batch_op:
        batch_op.alter_column("data_new", new_column_name="data", existing_type=new_type, nullable=False)


def upgrade() -> None:
    op.add_column("result", sa.Column("data_new", sa.LargeBinary(), nullable=True))
    _convert(sa.JSON(), sa.LargeBinary(), pack)
    _swap(sa.LargeBinary())


def downgrade() -> None:
    op.add_column("result", sa.Column("data_new", sa.JSON(), nullable=True))
    _convert(sa.LargeBinary(), sa.JSON(), unpack)
    _swap(sa.JSON())
