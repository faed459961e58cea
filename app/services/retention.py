"""Retention and purge, and a cohort's life: open, closed, archived, deleted.

A cohort closes by hand (:func:`close`, :func:`archive`) or by its closing date; either way its
``cohort.closed`` webhook event is queued exactly once (:func:`announce_closed` finds the ones closed by date).

An organisation says how many days a participation is kept after the person finished (or joined, if they
never finished): one figure for identified participations, one for aggregate-only ones (None: kept until
the person withdraws or the cohort is deleted). :func:`purge` erases what is older, in bounded batches,
by the same path as a person's own withdrawal (:func:`app.services.hr.erase_participations`: the rows
deleted, then :meth:`Database.erased` so no copy stays in SQLite's WAL or PostgreSQL's dead tuples). The
cohort counters and the organisation's rollups follow through the participation triggers (scale_0001).

It runs as the daily job :data:`KIND` on the job runner (it queues its next run itself) and as
``rolefit purge``; both also prune the webhook delivery log by age
(:func:`app.services.webhooks.prune_deliveries`). The person's own assessment (answers, result) stays
theirs: it is the organisation's copy (name, department, level, result summary) that goes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, update
from sqlmodel import col, select

from app.db import Database
from app.models import AuditEvent, Cohort, Invitation, Organisation, Participation, PersonalInvitation
from app.services import hr, webhooks

KIND = "retention.purge"
EVERY = timedelta(days=1)
BATCH = 500
MAX_DAYS = 36_500


class RetentionError(ValueError):
    def __init__(self, code: str, field: str = "") -> None:
        self.code, self.field = code, field
        super().__init__(code)


@dataclass(frozen=True)
class Policy:
    require_mfa: bool
    identified_days: int | None
    aggregate_days: int | None


def policy_of(db: Database, org_id: str) -> Policy:
    with db.read() as session:
        org = session.get(Organisation, org_id)
        assert org is not None
        return Policy(org.require_mfa, org.retain_identified_days, org.retain_aggregate_days)


def save_policy(db: Database, org_id: str, actor_id: str, policy: Policy, address: str | None = None) -> None:
    for field, days in (("identified_days", policy.identified_days), ("aggregate_days", policy.aggregate_days)):
        if days is not None and not 1 <= days <= MAX_DAYS:
            raise RetentionError("bad_days", field)
    with db.write() as session:
        org = session.get(Organisation, org_id)
        assert org is not None
        org.require_mfa = policy.require_mfa
        org.retain_identified_days, org.retain_aggregate_days = policy.identified_days, policy.aggregate_days
        session.add(org)
        detail = f"mfa={'required' if policy.require_mfa else 'optional'} identified={policy.identified_days} "
        detail += f"aggregate={policy.aggregate_days}"
        session.add(AuditEvent(org_id=org_id, user_id=actor_id, action="org.settings", detail=detail, address=address))


def _due(session: Any, org: Organisation, now: datetime) -> list[str]:
    ids: list[str] = []
    when = func.coalesce(col(Participation.finished_at), col(Participation.consented_at))
    for visibility, days in (("identified", org.retain_identified_days), ("aggregate", org.retain_aggregate_days)):
        if days is None:
            continue
        query = (
            select(Participation.id)
            .where(Participation.org_id == org.id, Participation.visibility == visibility)
            .where(when < now - timedelta(days=days))
            .limit(BATCH - len(ids))
        )
        ids += list(session.exec(query))
        if len(ids) >= BATCH:
            break
    return ids


def purge(db: Database, now: datetime, org_id: str | None = None) -> dict[str, int]:
    """Erase every participation past its organisation's retention; the number erased per organisation."""
    with db.read() as session:
        query = select(Organisation).where(
            col(Organisation.retain_identified_days).is_not(None) | col(Organisation.retain_aggregate_days).is_not(None)
        )
        if org_id is not None:
            query = query.where(Organisation.id == org_id)
        orgs = list(session.exec(query))
    erased: dict[str, int] = {}
    for org in orgs:
        total = 0
        while True:
            with db.read() as session:
                ids = _due(session, org, now)
            if not ids:
                break
            total += hr.erase_participations(db, ids, purge=True)
            if len(ids) < BATCH:
                break
        if total:
            with db.write() as session:
                session.add(AuditEvent(org_id=org.id, action="retention.purge", detail=f"{total} participation(s)"))
        erased[org.id] = total
    return erased


# --- a cohort's life ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class WhatGoes:
    participants: int
    identified: int
    invitations: int
    personal_invitations: int


def _cohort(session: Any, org_id: str, cohort_id: str) -> Cohort | None:
    cohort = session.get(Cohort, cohort_id)
    return cohort if cohort is not None and cohort.org_id == org_id else None


def _announce(session: Any, org_id: str, cohort_id: str, closed_at: datetime, by: str, now: datetime) -> None:
    """Queue ``cohort.closed`` (in the caller's transaction, which has just set ``closed_announced_at``)."""
    data = {"cohort_id": cohort_id, "closed_at": closed_at.isoformat(), "closed_by": by}
    webhooks.emit(session, org_id, "cohort.closed", data, now)


def _close_now(session: Any, org_id: str, cohort_id: str, now: datetime) -> bool:
    """Close an open cohort now and announce it, in one conditional update: True when this call closed it.
    A cohort already closed (by hand, or by its date and announced or about to be by the scan) is left as it
    is, so each cohort has exactly one ``cohort.closed`` event however it closed."""
    closed = session.execute(
        update(Cohort)
        .where(
            col(Cohort.id) == cohort_id,
            col(Cohort.org_id) == org_id,
            col(Cohort.closed_announced_at).is_(None),
            col(Cohort.closes_at).is_(None) | (col(Cohort.closes_at) > now),
        )
        .values(closes_at=now, closed_announced_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if closed:
        _announce(session, org_id, cohort_id, now, "hand", now)
    return bool(closed)


def close(db: Database, org_id: str, actor_id: str, cohort_id: str, now: datetime, address: str | None = None) -> bool:
    """Nobody joins any more (its links answer "closed"); the data stays. False: no such cohort here."""
    with db.write() as session:
        if _cohort(session, org_id, cohort_id) is None:
            return False
        if _close_now(session, org_id, cohort_id, now):
            session.add(
                AuditEvent(org_id=org_id, user_id=actor_id, action="cohort.close", detail=cohort_id, address=address)
            )
        return True


def announce_closed(db: Database, now: datetime, batch: int = BATCH) -> int:
    """Queue ``cohort.closed`` for the cohorts whose closing date has passed and that nobody announced yet;
    returns how many. Run by every worker on a schedule (app/jobs ticks): the conditional update
    (``closed_announced_at IS NULL``) with the event in its transaction lets exactly one of several workers
    scanning at once announce a cohort (PostgreSQL re-checks the condition after the other's commit; SQLite
    runs one write at a time)."""
    announced = 0
    while True:
        with db.write() as session:
            due = (
                select(Cohort.id)
                .where(col(Cohort.closed_announced_at).is_(None), col(Cohort.closes_at) <= now)
                .order_by(col(Cohort.closes_at), col(Cohort.id))
                .limit(batch)
            )
            rows = session.execute(
                update(Cohort)
                .where(
                    col(Cohort.id).in_(due.scalar_subquery()),
                    col(Cohort.closed_announced_at).is_(None),
                    col(Cohort.closes_at) <= now,
                )
                .values(closed_announced_at=now)
                .returning(col(Cohort.id), col(Cohort.org_id), col(Cohort.closes_at))
                .execution_options(synchronize_session=False)
            ).all()
            for cohort_id, org_id, closes_at in rows:
                _announce(session, org_id, cohort_id, closes_at, "date", now)
        announced += len(rows)
        if len(rows) < batch:
            return announced


def archive(
    db: Database, org_id: str, actor_id: str, cohort_id: str, now: datetime, address: str | None = None
) -> bool:
    """Closed and out of the cohort list; still readable at its address until deleted."""
    with db.write() as session:
        cohort = _cohort(session, org_id, cohort_id)
        if cohort is None:
            return False
        _close_now(session, org_id, cohort_id, now)  # announced like a manual close when it was still open
        cohort.archived_at = cohort.archived_at or now
        session.add(cohort)
        session.add(
            AuditEvent(org_id=org_id, user_id=actor_id, action="cohort.archive", detail=cohort_id, address=address)
        )
        return True


def what_goes(db: Database, org_id: str, cohort_id: str) -> WhatGoes | None:
    with db.read() as session:
        cohort = _cohort(session, org_id, cohort_id)
        if cohort is None:
            return None

        def count(query: Any) -> int:
            return int(session.exec(query).one())

        part = select(func.count()).select_from(Participation).where(Participation.cohort_id == cohort_id)
        return WhatGoes(
            participants=count(part),
            identified=count(part.where(Participation.visibility == "identified")),
            invitations=count(select(func.count()).select_from(Invitation).where(Invitation.cohort_id == cohort_id)),
            personal_invitations=count(
                select(func.count()).select_from(PersonalInvitation).where(PersonalInvitation.cohort_id == cohort_id)
            ),
        )


def delete_cohort(db: Database, org_id: str, actor_id: str, cohort_id: str, address: str | None = None) -> bool:
    """The cohort, its invitations and every participation in it, erased (as withdrawals are)."""
    with db.read() as session:
        cohort = _cohort(session, org_id, cohort_id)
        if cohort is None:
            return False
        name = cohort.name
        ids = list(session.exec(select(Participation.id).where(Participation.cohort_id == cohort_id)))
    for start in range(0, len(ids), BATCH):
        hr.erase_participations(db, ids[start : start + BATCH])
    with db.write() as session:
        cohort = _cohort(session, org_id, cohort_id)
        if cohort is None:
            return False
        session.delete(cohort)  # invitations and personal invitations cascade
        detail = f"{name} ({len(ids)} participation(s))"
        session.add(AuditEvent(org_id=org_id, user_id=actor_id, action="cohort.delete", detail=detail, address=address))
    db.erased(("participation", "invitation", "personal_invitation", "cohort"))
    return True


def job_handler(db: Database, webhook_log_days: int = webhooks.LOG_DAYS) -> Any:
    """The daily purge on the job runner: erase what is due and the webhook deliveries older than
    ``webhook_log_days``, then queue the next run a day later (one queued run at a time: :func:`schedule`
    adds one only when none is waiting)."""
    from app import jobs

    def handle(ctx: Any) -> None:
        from app.models import utcnow

        purge(db, utcnow())
        webhooks.prune_deliveries(db, utcnow(), webhook_log_days)
        ctx.complete(lambda session: jobs.enqueue(session, KIND, {}, run_at=utcnow() + EVERY))

    return handle


def schedule(db: Database, now: datetime) -> bool:
    """Queue the daily purge unless a run is already waiting; True when one was queued."""
    from app import jobs
    from app.models import Job

    with db.write() as session:
        waiting = session.exec(
            select(Job.id).where(Job.kind == KIND, col(Job.state).in_(["queued", "running"]))
        ).first()
        if waiting is not None:
            return False
        jobs.enqueue(session, KIND, {}, run_at=now)
        return True
