"""Re-scoring stored results with the installed engine (and a calibrated parameter file), keeping history.

Every finished assessment of the installed bank whose snapshot was made by another scoring version or
parameter file is scored again from its stored answers and answer times. The old snapshot moves to
``result_history`` unchanged (it still renders as it was scored); the new one replaces it in ``result``.
Snapshots already at the target are left alone, so running it twice changes nothing.

It streams: the finished assessments are read ``batch`` at a time (keyset on the assessment id), their answers
and answer times with one query per batch, and each batch is written in one transaction (scoring 2.0.0 used one
transaction and three queries per result: ~23 ms a result; docs/method.md has the figure now).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, insert, update
from sqlmodel import col, select

from app.db import Database
from app.models import Assessment, ResultHistory, ResultSnapshot, utcnow
from app.services import answer_pack, forms, hr, norms
from app.services.quiz import answer_times
from scoring import SCORING_VERSION, score
from scoring.adaptive import short_form_flags
from scoring.model import Answers, AnswerValue, Bank, Params, Result
from scoring.serialize import result_to_dict

_SNAPSHOT = ResultSnapshot.__table__  # type: ignore[attr-defined]
_UPDATE_SNAPSHOT = (
    update(_SNAPSHOT)
    .where(_SNAPSHOT.c.assessment_id == bindparam("_aid"))
    .values(
        data=bindparam("_data"),
        bank_version=bindparam("_bank"),
        scoring_version=bindparam("_scoring"),
        params_version=bindparam("_params"),
        created_at=bindparam("_at"),
    )
)


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


def _batches(db: Database, size: int) -> Iterator[list[tuple[Assessment, ResultSnapshot]]]:
    """Finished assessments with their snapshots, ``size`` at a time in id order (keyset: no OFFSET scans)."""
    after = ""
    while True:
        with db.read() as session:
            rows = [
                (a, s)
                for a, s in session.exec(
                    select(Assessment, ResultSnapshot)
                    .join(ResultSnapshot, col(ResultSnapshot.assessment_id) == col(Assessment.id))
                    .where(col(Assessment.finished_at).is_not(None), col(Assessment.id) > after)
                    .order_by(col(Assessment.id))
                    .limit(size)
                )
            ]
            session.expunge_all()
        if not rows:
            return
        yield rows
        after = rows[-1][0].id


def _stored_batch(db: Database, bank: Bank, assessments: list[Assessment]) -> dict[str, Answers]:
    """The stored responses of several assessments with one query (what :func:`stored_answers` reads for one)."""
    ids = [a.id for a in assessments]
    values: dict[str, dict[str, AnswerValue]] = {i: {} for i in ids}
    times: dict[str, list[tuple[str, datetime]]] = {i: [] for i in ids}
    with db.read() as session:
        stored = answer_pack.read(session, ids)
    for aid, rows in stored.items():
        for item_id, value_int, value_option, answered_at in rows:
            if not bank.has_item(item_id):
                continue
            values[aid][item_id] = value_option if bank.item(item_id).kind == "situational" else value_int
            times[aid].append((item_id, answered_at))
    out = {}
    for a in assessments:
        out[a.id] = Answers(
            lang=a.locale,
            current_role=a.current_role,
            values=values[a.id],
            years_experience=a.years_experience,
            timings_ms=answer_times(bank, a, times[a.id]),
        )
    return out


def rescore(
    db: Database,
    bank: Bank,
    to_version: str,
    params: Params | None = None,
    now: datetime | None = None,
    batch: int = 200,
) -> Rescored:
    """Re-score every stored result not yet at ``to_version`` (the installed engine) with ``params``."""
    if to_version != SCORING_VERSION:
        raise RescoreError(f"only the installed scoring engine can re-score: {SCORING_VERSION}, not {to_version}")
    params_version = params.version if params is not None else None
    moves: Counter[str] = Counter()
    seen = rescored = current = other_bank = 0
    replaced_at = now or utcnow()
    for rows in _batches(db, batch):
        seen += len(rows)
        todo = []
        for assessment, snapshot in rows:
            if snapshot.bank_version != bank.version:
                other_bank += 1
            elif snapshot.scoring_version == to_version and snapshot.params_version == params_version:
                current += 1
            else:
                todo.append((assessment, snapshot))
        if not todo:
            continue
        answers = _stored_batch(db, bank, [a for a, _ in todo])
        history_rows, snapshot_rows, summaries = [], [], []
        recount: list[tuple[str, str, Result]] = []  # the comparison counts follow the new scores
        for assessment, snapshot in todo:
            result = score(bank, answers[assessment.id], params)
            form = str(snapshot.data.get("form", forms.FULL))
            if form == forms.ADAPTIVE:  # judged on the questions the short form asked, as when it finished
                result = short_form_flags(bank, result, answers[assessment.id].values)
            data = result_to_dict(result)
            data["form"] = form  # the form it came from stays with the result (quiz._store_result)
            if "adaptive" in snapshot.data:
                data["adaptive"] = snapshot.data["adaptive"]
            history_rows.append(
                {
                    "assessment_id": snapshot.assessment_id,
                    "bank_version": snapshot.bank_version,
                    "scoring_version": snapshot.scoring_version,
                    "params_version": snapshot.params_version,
                    "data": snapshot.data,
                    "created_at": snapshot.created_at,
                    "replaced_at": replaced_at,
                }
            )
            snapshot_rows.append(
                {
                    "_aid": assessment.id,
                    "_data": data,
                    "_bank": result.bank_version,
                    "_scoring": result.scoring_version,
                    "_params": result.params_version,
                    "_at": replaced_at,
                }
            )
            finished = assessment.finished_at or replaced_at
            summaries.append((assessment.id, hr.summary_values(bank, result, finished)))
            recount.append((assessment.id, assessment.locale, result))
            rescored += 1
            before = str(snapshot.data.get("recommendation"))
            if before != result.recommendation:
                moves[f"{before}->{result.recommendation}"] += 1
        with db.write() as session:  # one transaction and three statements per batch
            session.execute(insert(ResultHistory.__table__), history_rows)  # type: ignore[attr-defined]
            session.execute(_UPDATE_SNAPSHOT, snapshot_rows)
            hr.sync_summaries(session, summaries)
            for assessment_id, lang, result in recount:
                norms.record(session, assessment_id, lang, result)
    return Rescored(
        results=seen - other_bank,
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
