"""The stored answers of assessments: rows while a quiz is taken, one packed row once it is finished.

An assessment in progress keeps one ``answer`` row per item (the answer path upserts one row per
request). Finishing packs them (:func:`pack_answers`, in the finishing transaction): the rows are
deleted and their exact content (item, value, time to the microsecond) is written to one
``answer_pack`` row. On PostgreSQL that is about 0.7 KB instead of about 14 KB (68 tuple headers and
primary-key entries). Answering again after finishing (the adaptive form continued, a changed answer)
unpacks first (:func:`unpack_answers`).

Every reader goes through :func:`read`, which returns the same :class:`StoredAnswer` rows either way.
Should an assessment have both (a row saved while it was packed), the rows win: they are newer.

Pack format 1: ``zlib(json([1, t0, items, ints, options, gaps]))``: the answers ordered by time then
item; ``t0`` the first answer's time in microseconds since 1970-01-01 UTC and ``gaps`` each answer's
microseconds after the one before it (answers stored together share a time: a gap of 0).
migrations/versions/pgpack_0001 repeats it, so that the migration never changes with the app.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import LargeBinary, Select, bindparam, cast, delete, insert, null, select, union_all
from sqlalchemy.orm import Session

from app.db import dialect_insert
from app.models import Answer, AnswerPack

FORMAT = 1
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class StoredAnswer(NamedTuple):
    """One stored answer as the ``answer`` table holds it (both values None: "prefer not to answer")."""

    item_id: str
    value_int: int | None
    value_option: str | None
    answered_at: datetime


def _micros(at: datetime) -> int:
    delta = (at if at.tzinfo is not None else at.replace(tzinfo=UTC)) - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def pack(answers: Iterable[StoredAnswer]) -> bytes:
    """The answers in pack format 1 (lossless: :func:`unpack` returns the same rows, times in UTC)."""
    timed = sorted(((_micros(a.answered_at), a) for a in answers), key=lambda t: (t[0], t[1].item_id))
    first = timed[0][0] if timed else 0
    gaps, previous = [], first
    for at, _ in timed:
        gaps.append(at - previous)
        previous = at
    doc = [
        FORMAT,
        first,
        [a.item_id for _, a in timed],
        [a.value_int for _, a in timed],
        [a.value_option for _, a in timed],
        gaps,
    ]
    return zlib.compress(json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode(), 9)


def unpack(data: bytes) -> list[StoredAnswer]:
    """The answers of a pack, in the order they were given."""
    version, at, items, ints, options, gaps = json.loads(zlib.decompress(bytes(data)))
    if version != FORMAT:
        raise ValueError(f"unknown answer pack format {version!r}")
    out = []
    for item_id, value_int, value_option, gap in zip(items, ints, options, gaps, strict=True):
        at += gap
        out.append(StoredAnswer(item_id, value_int, value_option, EPOCH + timedelta(microseconds=at)))
    return out


def _statement(ids: Any) -> Any:
    """Rows and packs of the assessments ``ids`` (a list bound as ``ids``, or a SELECT of ids) in one statement."""
    a, p = Answer.__table__.c, AnswerPack.__table__.c  # type: ignore[attr-defined]
    return union_all(
        select(a.assessment_id, a.item_id, a.value_int, a.value_option, a.answered_at, cast(null(), LargeBinary)).where(
            a.assessment_id.in_(ids)
        ),
        select(p.assessment_id, null(), null(), null(), null(), p.data).where(p.assessment_id.in_(ids)),
    )


_BY_IDS = _statement(bindparam("ids", expanding=True))
_PACK = AnswerPack.__table__  # type: ignore[attr-defined]


def read(session: Session, ids: Sequence[str] | Select[Any]) -> dict[str, list[StoredAnswer]]:
    """Every stored answer of the assessments ``ids`` (a list, or a SELECT of assessment ids), packed or not.

    Each assessment that has answers maps to them (in no particular order); one without answers is absent.
    One statement, so a concurrent finish or unpack is seen either before or after, never half.
    """
    if isinstance(ids, Select):
        found = session.execute(_statement(ids))
    else:
        found = session.execute(_BY_IDS, {"ids": list(ids)})
    packed: dict[str, list[StoredAnswer]] = {}
    rows: dict[str, list[StoredAnswer]] = {}
    for aid, item_id, value_int, value_option, answered_at, data in found:
        if data is not None:
            packed[aid] = unpack(data)
        else:
            rows.setdefault(aid, []).append(StoredAnswer(item_id, value_int, value_option, answered_at))
    if not packed:
        return rows
    out = {}
    for aid in packed.keys() | rows.keys():
        merged = {a.item_id: a for a in packed.get(aid, ())}
        merged.update((a.item_id, a) for a in rows.get(aid, ()))  # a row saved while packed is newer
        out[aid] = list(merged.values())
    return out


def pack_answers(session: Session, assessment_id: str) -> None:
    """Pack the assessment's answers (its rows, merged into an earlier pack) into one row, in the caller's
    transaction (the one that finishes it). Exactly the rows deleted are packed (``DELETE ... RETURNING``):
    an answer saved concurrently after the delete stays a row and is still read."""
    answer = Answer.__table__  # type: ignore[attr-defined]
    deleted = session.execute(
        delete(answer)
        .where(answer.c.assessment_id == assessment_id)
        .returning(answer.c.item_id, answer.c.value_int, answer.c.value_option, answer.c.answered_at)
    ).all()
    if not deleted:  # nothing answered since the last pack (finished twice, or stored packed): as it is
        return
    earlier = _take_pack(session, assessment_id)
    merged = {s.item_id: s for s in unpack(earlier)} if earlier is not None else {}
    merged.update((r[0], StoredAnswer(r[0], r[1], r[2], r[3])) for r in deleted)
    store(session, assessment_id, merged.values())


def store(session: Session, assessment_id: str, answers: Iterable[StoredAnswer]) -> None:
    """Write the answers of an assessment that has none stored yet as its pack (nothing for no answers):
    what :func:`pack_answers` makes, without the rows in between (a whole response stored at once)."""
    listed = list(answers)
    if listed:
        session.execute(insert(_PACK).values(assessment_id=assessment_id, data=pack(listed)))


def _take_pack(session: Session, assessment_id: str) -> bytes | None:
    """Delete the assessment's pack and return its data (None: it had none)."""
    found = session.execute(delete(_PACK).where(_PACK.c.assessment_id == assessment_id).returning(_PACK.c.data))
    data = found.scalar_one_or_none()
    return bytes(data) if data is not None else None


def unpack_answers(session: Session, assessment_id: str) -> bool:
    """Turn the assessment's pack back into rows (before answering again after finishing), in the caller's
    transaction. A row already there (saved meanwhile) is kept. False when there was no pack."""
    data = _take_pack(session, assessment_id)
    if data is None:
        return False
    rows = [{"assessment_id": assessment_id, **s._asdict()} for s in unpack(data)]
    if rows:
        upsert = dialect_insert(session.get_bind().dialect.name)
        session.execute(upsert(Answer.__table__).on_conflict_do_nothing(), rows)  # type: ignore[attr-defined]
    return True
