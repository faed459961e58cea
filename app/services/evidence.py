"""Read-only: the stored responses as plain rows for the evidence loop (``rolefit psychometrics``, ``calibrate``).

Two SELECTs (assessments with their stored call; their answers, as rows or packed:
``app.services.answer_pack``), no ORM objects, no writes. The rows' fields match ``analytics.Response``
so the CLI hands them over as they are; this module never imports analytics.

Answer times: the time an answer took is the gap between its ``answered_at``
and the previous answer's (the first one: the assessment's start). Gaps over
:data:`IDLE_MS` (someone left and came back) are not counted as answer time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import or_, select

from app.db import Database
from app.models import Assessment, Participation, ResultSnapshot
from app.services import answer_pack

IDLE_MS = 30 * 60 * 1000.0

AnswerValue = int | str | None


@dataclass(frozen=True)
class StoredResponse:
    assessment_id: str
    person: str
    lang: str
    bank_version: str
    current_role: str
    values: Mapping[str, AnswerValue]
    finished: bool
    times_ms: Mapping[str, float] = field(default_factory=dict)
    stored_call: str | None = None
    taken_at: datetime | None = None
    form: str = "full"  # the form of the stored result (full / adaptive); unfinished: the form being taken


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def stored_responses(
    db: Database, *, bank_version: str | None = None, lang: str | None = None, org_id: str | None = None
) -> list[StoredResponse]:
    """Every stored assessment (finished or not) with its answers, optionally of one bank version / language,
    or only of the people who took part in one organisation's cohorts (with their retakes)."""
    a = Assessment.__table__.c  # type: ignore[attr-defined]
    r = ResultSnapshot.__table__.c  # type: ignore[attr-defined]
    conditions = []
    if bank_version is not None:
        conditions.append(a.bank_version == bank_version)
    if lang is not None:
        conditions.append(a.locale == lang)
    if org_id is not None:
        p = Participation.__table__.c  # type: ignore[attr-defined]
        members = select(p.assessment_id).where(p.org_id == org_id)
        conditions.append(or_(a.id.in_(members), a.retake_of.in_(members)))
    heads = (
        select(
            a.id,
            a.retake_of,
            a.locale,
            a.bank_version,
            a.current_role,
            a.started_at,
            a.finished_at,
            a.form.label("taking"),
            r.form.label("result_form"),
            r.assessment_id.label("scored"),
            r.data.label("result"),  # packed JSON (models.PackedJSON): decoded here, the call read below
        )
        .select_from(Assessment.__table__.outerjoin(ResultSnapshot.__table__, r.assessment_id == a.id))  # type: ignore[attr-defined]
        .where(*conditions)
        .order_by(a.id)
    )
    values: dict[str, dict[str, AnswerValue]] = defaultdict(dict)
    answered_at: dict[str, list[tuple[str, datetime]]] = defaultdict(list)
    with db.read() as session:
        head_rows = session.execute(heads).all()
        stored = answer_pack.read(session, select(a.id).where(*conditions))  # rows or packed, the same
    for aid, rows in stored.items():
        for item_id, value_int, value_option, at in sorted(rows, key=lambda r: (r.answered_at, r.item_id)):
            values[aid][item_id] = value_option if value_option is not None else value_int
            answered_at[aid].append((item_id, _aware(at)))
    out = []
    for row in head_rows:
        times: dict[str, float] = {}
        previous = _aware(row.started_at)
        for item_id, at in answered_at[row.id]:
            gap = (at - previous).total_seconds() * 1000.0
            if 0 <= gap <= IDLE_MS:
                times[item_id] = gap
            previous = at
        finished = row.finished_at is not None and row.scored is not None
        out.append(
            StoredResponse(
                assessment_id=row.id,
                person=row.retake_of or row.id,
                lang=row.locale,
                bank_version=row.bank_version,
                current_role=row.current_role,
                values=values[row.id],
                finished=finished,
                times_ms=times,
                stored_call=row.result["recommendation"] if finished and row.result is not None else None,
                taken_at=_aware(row.finished_at or row.started_at),
                form=(row.result_form if finished else row.taking) or "full",
            )
        )
    return out
