"""The answers of a finished assessment packed in one row: ``answer_pack`` (1:1 with a finished assessment).

On PostgreSQL 68 answer rows and their primary-key entries take about 14 KB per completed assessment;
one packed row about 0.7 KB. Every finished assessment (``finished_at`` set) is packed here, ``BATCH``
assessments at a time, and its ``answer`` rows deleted; down unpacks every pack back into rows.
Lossless both ways (item, value, time to the microsecond). The format is
``app.services.answer_pack``'s (format 1); it is repeated here so that this migration never changes
with the app.

Revision ID: pgpack_0001
Revises: rollout3_0001
Create Date: 2026-12-02 10:30:00
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "pgpack_0001"
down_revision: str | Sequence[str] | None = "rollout3_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

assessment = sa.table("assessment", sa.column("id", sa.String()), sa.column("finished_at", sa.DateTime()))
answer = sa.table(
    "answer",
    sa.column("assessment_id", sa.String()),
    sa.column("item_id", sa.String()),
    sa.column("value_int", sa.Integer()),
    sa.column("value_option", sa.String()),
    sa.column("answered_at", sqlmodel.sql.sqltypes.UTCDateTime()),
)
answer_pack = sa.table("answer_pack", sa.column("assessment_id", sa.String()), sa.column("data", sa.LargeBinary()))


def _micros(at: datetime) -> int:
    delta = (at if at.tzinfo is not None else at.replace(tzinfo=UTC)) - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def pack(rows: Sequence[Any]) -> bytes:
    """(item_id, value_int, value_option, answered_at) rows in pack format 1."""
    timed = sorted(((_micros(r[3]), r) for r in rows), key=lambda t: (t[0], t[1][0]))
    first = timed[0][0] if timed else 0
    gaps, previous = [], first
    for at, _ in timed:
        gaps.append(at - previous)
        previous = at
    doc = [1, first, [r[0] for _, r in timed], [r[1] for _, r in timed], [r[2] for _, r in timed], gaps]
    return zlib.compress(json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode(), 9)


def unpack(data: bytes) -> list[tuple[str, int | None, str | None, datetime]]:
    version, at, items, ints, options, gaps = json.loads(zlib.decompress(bytes(data)))
    assert version == 1, f"unknown answer pack format {version!r}"
    out = []
    for item_id, value_int, value_option, gap in zip(items, ints, options, gaps, strict=True):
        at += gap
        out.append((item_id, value_int, value_option, EPOCH + timedelta(microseconds=at)))
    return out


def upgrade() -> None:
    op.create_table(
        "answer_pack",
        sa.Column("assessment_id", sa.String(length=32), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessment.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("assessment_id"),
    )
    conn = op.get_bind()
    last = ""
    while True:  # finished assessments, BATCH at a time in id order (keyset)
        ids = list(
            conn.execute(
                sa.select(assessment.c.id)
                .where(assessment.c.finished_at.is_not(None), assessment.c.id > last)
                .order_by(assessment.c.id)
                .limit(BATCH)
            ).scalars()
        )
        if not ids:
            return
        rows: dict[str, list[Any]] = {}
        for aid, *values in conn.execute(sa.select(*answer.c).where(answer.c.assessment_id.in_(ids))):
            rows.setdefault(aid, []).append(values)
        if rows:
            conn.execute(answer_pack.insert(), [{"assessment_id": aid, "data": pack(r)} for aid, r in rows.items()])
            conn.execute(answer.delete().where(answer.c.assessment_id.in_(list(rows))))
        last = ids[-1]


def downgrade() -> None:
    conn = op.get_bind()
    last = ""
    while True:
        packs = conn.execute(
            sa.select(answer_pack.c.assessment_id, answer_pack.c.data)
            .where(answer_pack.c.assessment_id > last)
            .order_by(answer_pack.c.assessment_id)
            .limit(BATCH)
        ).all()
        if not packs:
            break
        kept = {  # a row saved while packed is newer than the pack: it stays
            (aid, item_id)
            for aid, item_id in conn.execute(
                sa.select(answer.c.assessment_id, answer.c.item_id).where(
                    answer.c.assessment_id.in_([aid for aid, _ in packs])
                )
            )
        }
        rows = [
            {"assessment_id": aid, "item_id": i, "value_int": v, "value_option": o, "answered_at": at}
            for aid, data in packs
            for i, v, o, at in unpack(data)
            if (aid, i) not in kept
        ]
        if rows:
            conn.execute(answer.insert(), rows)
        last = packs[-1][0]
    op.drop_table("answer_pack")
