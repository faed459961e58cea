"""Re-scoring stored results with the installed engine (and a calibrated parameter file), keeping history.

Every finished assessment of the installed bank whose snapshot was made by another scoring version or
parameter file is scored again from its stored answers and answer times. The old snapshot moves to
``result_history`` unchanged (it still renders as it was scored); the new one replaces it in ``result``.
Snapshots already at the target are left alone, so running it twice changes nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import col, select

from app.db import Database
from app.models import Assessment, ResultHistory, ResultSnapshot, utcnow
from app.services.quiz import _store_result, stored_answers
from scoring import SCORING_VERSION, score
from scoring.model import Bank, Params


class RescoreError(ValueError):
    """A target this installation cannot score with (the message says why)."""


@dataclass(frozen=True)
class Rescored:
    results: int  # finished results of the installed bank
    rescored: int  # re-scored now (their earlier snapshot kept in result_history)
    current: int  # already scored with this version and parameter file: left alone
    other_bank: int  # scored on another bank version: left alone
    changed: int  # re-scored results whose call (AM / PM / HYBRID / NOCALL) changed
    moves: dict[str, int] = field(default_factory=dict)  # "AM->HYBRID": count


def rescore(
    db: Database, bank: Bank, to_version: str, params: Params | None = None, now: datetime | None = None
) -> Rescored:
    """Re-score every stored result not yet at ``to_version`` (the installed engine) with ``params``."""
    if to_version != SCORING_VERSION:
        raise RescoreError(f"only the installed scoring engine can re-score: {SCORING_VERSION}, not {to_version}")
    params_version = params.version if params is not None else None
    with db.read() as session:
        rows = list(
            session.exec(
                select(Assessment, ResultSnapshot)
                .join(ResultSnapshot, col(ResultSnapshot.assessment_id) == col(Assessment.id))
                .where(col(Assessment.finished_at).is_not(None))
                .order_by(col(Assessment.id))
            )
        )
    moves: Counter[str] = Counter()
    rescored = current = other_bank = 0
    replaced_at = now or utcnow()
    for assessment, snapshot in rows:
        if snapshot.bank_version != bank.version:
            other_bank += 1
            continue
        if snapshot.scoring_version == to_version and snapshot.params_version == params_version:
            current += 1
            continue
        result = score(bank, stored_answers(db, bank, assessment), params)
        before = str(snapshot.data.get("recommendation"))
        with db.write() as session:
            session.add(
                ResultHistory(
                    assessment_id=snapshot.assessment_id,
                    bank_version=snapshot.bank_version,
                    scoring_version=snapshot.scoring_version,
                    params_version=snapshot.params_version,
                    data=snapshot.data,
                    created_at=snapshot.created_at,
                    replaced_at=replaced_at,
                )
            )
            _store_result(session, bank, assessment.id, result, assessment.finished_at)
        rescored += 1
        if before != result.recommendation:
            moves[f"{before}->{result.recommendation}"] += 1
    return Rescored(
        results=len(rows) - other_bank,
        rescored=rescored,
        current=current,
        other_bank=other_bank,
        changed=sum(moves.values()),
        moves=dict(sorted(moves.items())),
    )


def history(db: Database, assessment_id: str) -> list[ResultHistory]:
    """The earlier snapshots of a result, oldest first."""
    with db.read() as session:
        return list(
            session.exec(
                select(ResultHistory)
                .where(col(ResultHistory.assessment_id) == assessment_id)
                .order_by(col(ResultHistory.replaced_at), col(ResultHistory.id))
            )
        )


def as_snapshot(old: ResultHistory) -> ResultSnapshot:
    """An earlier snapshot in the shape the result page renders (:func:`app.services.results.build`)."""
    return ResultSnapshot(
        assessment_id=old.assessment_id,
        bank_version=old.bank_version,
        scoring_version=old.scoring_version,
        params_version=old.params_version,
        data=old.data,
        created_at=old.created_at,
    )
