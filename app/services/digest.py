"""The digest of completions for HR users who want it: at most one mail a day, per cohort how many finished,
the names of identified participants only (aggregate-only people are counted, never named), no results.

:func:`schedule_due` runs in every worker (app/jobs ticks). A ``digest_run`` row per (user, day), inserted
with ``ON CONFLICT DO NOTHING`` in the transaction that queues the ``digest.send`` job, makes it daily at
most with any number of workers; app/mail/digest.py builds the mail from the run's period and sends it.
A day with no completion sends nothing (the next digest covers from the last one's end).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, delete, select

from app import jobs
from app.db import Database, dialect_insert
from app.models import Cohort, DigestRun, DigestSubscription, HrUser, Organisation, Participation

KIND = "digest.send"  # the mail is built and sent by app.mail.digest


def subscribed(db: Database, user_id: str) -> bool:
    with db.read() as session:
        return session.get(DigestSubscription, user_id) is not None


def subscribe(db: Database, user_id: str, on: bool, now: datetime) -> None:
    with db.write() as session:
        found = session.get(DigestSubscription, user_id)
        if on and found is None:
            session.add(DigestSubscription(user_id=user_id, created_at=now))
        elif not on and found is not None:
            session.execute(delete(DigestSubscription).where(col(DigestSubscription.user_id) == user_id))


def finished_between(session: Session, org_id: str, since: datetime, until: datetime) -> int:
    """How many of the organisation's participants finished in [since, until): a range of each cohort's index."""
    p = Participation
    total = 0
    for cohort_id in session.exec(select(Cohort.id).where(col(Cohort.org_id) == org_id)):
        total += int(
            session.execute(
                select(func.count()).where(
                    col(p.cohort_id) == cohort_id, col(p.finished_at) >= since, col(p.finished_at) < until
                )
            ).scalar_one()
        )
    return total


def _insert_run(session: Session, user_id: str, now: datetime, since: datetime) -> bool:
    dialect = session.get_bind().dialect.name
    insert = dialect_insert(dialect)
    stmt = (
        insert(DigestRun)
        .values(user_id=user_id, day=now.date(), since=since, until=now)
        .on_conflict_do_nothing(index_elements=["user_id", "day"])
        .returning(col(DigestRun.user_id))
    )
    return session.execute(stmt).scalar_one_or_none() is not None


def schedule_due(db: Database, now: datetime) -> int:
    """Queue today's digest for each subscribed HR user who has completions to hear of and none yet today."""
    queued = 0
    with db.read() as session:
        subs = list(
            session.exec(
                select(DigestSubscription, HrUser, Organisation)
                .join(HrUser, col(HrUser.id) == col(DigestSubscription.user_id))
                .join(Organisation, col(Organisation.id) == col(HrUser.org_id))
            )
        )
    for sub, user, org in subs:
        with db.write() as session:
            if session.get(DigestRun, (user.id, now.date())) is not None:
                continue
            last = session.execute(select(func.max(DigestRun.until)).where(col(DigestRun.user_id) == user.id)).scalar()
            since = max(last, sub.created_at) if last is not None else sub.created_at
            if not finished_between(session, org.id, since, now) or not _insert_run(session, user.id, now, since):
                continue
            job_id = jobs.enqueue(session, KIND, {"user_id": user.id, "day": now.date().isoformat()})
            session.execute(
                update(DigestRun)
                .where(col(DigestRun.user_id) == user.id, col(DigestRun.day) == now.date())
                .values(job_id=job_id)
            )
            queued += 1
    return queued
