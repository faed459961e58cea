"""Outbox table + claim + worker loop (see the package docstring)."""

from __future__ import annotations

import logging
import os
import secrets
import threading
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, event, func, or_, update
from sqlmodel import Session, col, select

from app.db import Database
from app.models import Job, utcnow

log = logging.getLogger("rolefit.jobs")

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STATES = (QUEUED, RUNNING, DONE, FAILED)
BACKOFF_CAP = timedelta(hours=6)


def backoff(attempt: int, base: float) -> timedelta:
    """Wait before retry number ``attempt`` (1, 2, ...): ``base * 4**(attempt-1)`` seconds, at most 6 h.

    With the default base of 30 s: 30 s, 2 min, 8 min, 32 min, ~2 h.
    """
    return min(timedelta(seconds=base * 4 ** max(0, attempt - 1)), BACKOFF_CAP)


def enqueue(
    db: Database | Session,
    kind: str,
    payload: Mapping[str, Any],
    *,
    run_at: datetime | None = None,
    max_attempts: int = 5,
) -> int:
    """Add one job; return its id. Given a :class:`Session`, the job is part of that transaction (an
    invitation and its mail job commit together, or neither does)."""
    job = Job(kind=kind, payload=dict(payload), run_at=run_at or utcnow(), max_attempts=max_attempts)
    if isinstance(db, Session):
        db.add(job)
        db.flush()
    else:
        with db.write() as session:
            session.add(job)
            session.flush()
    assert job.id is not None
    return job.id


@dataclass
class JobContext:
    """What a handler gets: the job's data, and :meth:`complete` to mark it done at a point of its choosing."""

    db: Database
    id: int
    kind: str
    payload: dict[str, Any]
    attempt: int
    lock_token: str
    retry_base: float = 30.0
    completed: bool = False

    def complete(
        self, also: Callable[[Session], None] | None = None, *, on_commit: Callable[[], None] | None = None
    ) -> bool:
        """Mark the job done now (with ``also(session)`` in the same transaction). False when this worker no
        longer holds the job (its lease ran out and another worker took it over): then do nothing more.

        ``on_commit()`` runs the moment the database has committed, before anything else (closing the
        session, releasing locks): the mail's final dot goes out there, leaving the smallest window between
        "done" in the database and the message handed over.
        """
        if self.completed:
            return True
        with self.db.write() as session:
            changed = session.execute(
                update(Job)
                .where(col(Job.id) == self.id, col(Job.lock_token) == self.lock_token, col(Job.state) == RUNNING)
                .values(state=DONE, finished_at=utcnow(), lock_token=None, locked_until=None, last_error=None)
            ).rowcount  # type: ignore[attr-defined]
            if changed == 0:
                return False
            if also is not None:
                also(session)
            if on_commit is not None:
                event.listen(session, "after_commit", lambda _session: on_commit(), once=True)
        self.completed = True
        return True

    def give_up(self, error: str) -> None:
        """Fail the job now, without further attempts (e.g. the mail server refused the address for good)."""
        with self.db.write() as session:
            session.execute(
                update(Job)
                .where(col(Job.id) == self.id, col(Job.lock_token) == self.lock_token, col(Job.state) == RUNNING)
                .values(state=FAILED, finished_at=utcnow(), lock_token=None, locked_until=None, last_error=error[:2000])
            )

    def reopen(self, error: str, *, permanent: bool = False) -> None:
        """After :meth:`complete`, the work turned out not done (a mail refused after its commit point):
        queue it again with backoff, or fail it when ``permanent`` or out of attempts."""
        now = utcnow()
        with self.db.write() as session:
            job = session.get(Job, self.id)
            if job is None or job.state != DONE:
                return
            job.last_error, job.finished_at = error[:2000], None
            if permanent or job.attempts >= job.max_attempts:
                job.state, job.finished_at = FAILED, now
            else:
                job.state, job.run_at = QUEUED, now + backoff(job.attempts, self.retry_base)
        self.completed = False


Handler = Callable[[JobContext], None]


@dataclass
class Tick:
    """Work a worker does on a schedule besides claiming jobs: ``run(now)`` every ``every`` (e.g. find the
    reminders that are due and queue them). Every worker runs it; it must be safe to run concurrently
    (the reminder and digest schedulers insert under unique keys)."""

    name: str
    every: timedelta
    run: Callable[[datetime], object]
    last: datetime | None = None


@dataclass
class Worker:
    """Claims and runs jobs one at a time; run several (threads, processes, machines) for more throughput.

    ``lease``: how long a claim holds. A job still running after it is taken to belong to a dead worker and
    is claimed again (counting an attempt); set it well above the longest job.
    """

    db: Database
    handlers: Mapping[str, Handler]
    lease: timedelta = timedelta(minutes=5)
    poll: float = 1.0
    retry_base: float = 30.0
    name: str = field(default_factory=lambda: f"{os.uname().nodename}:{os.getpid()}")
    keep_done: timedelta = timedelta(days=7)  # done jobs (their payloads name people) are deleted after this
    ticks: list[Tick] = field(default_factory=list)
    _pruned_at: datetime | None = None

    def tick(self, now: datetime | None = None) -> None:
        """Run the ticks that are due; one that fails is logged and tried again at its next turn."""
        now = now or utcnow()
        for tick in self.ticks:
            if tick.last is not None and now - tick.last < tick.every:
                continue
            tick.last = now
            try:
                tick.run(now)
            except Exception:
                log.exception("job runner: %s failed", tick.name)

    def claim(self, now: datetime | None = None) -> JobContext | None:
        """Take the next due job (or one whose worker died), or None."""
        now = now or utcnow()
        kinds = list(self.handlers)
        while True:
            with self.db.write() as session:
                due = or_(
                    and_(col(Job.state) == QUEUED, col(Job.run_at) <= now),
                    and_(col(Job.state) == RUNNING, col(Job.locked_until) < now),
                )
                job = session.exec(
                    select(Job)
                    .where(due, col(Job.kind).in_(kinds))
                    .order_by(col(Job.run_at), col(Job.id))
                    .limit(1)
                    .with_for_update(skip_locked=True)
                ).first()
                if job is None:
                    return None
                if job.state == RUNNING and job.attempts >= job.max_attempts:
                    # its last attempt's worker died: give up rather than run it again
                    job.state, job.finished_at, job.lock_token, job.locked_until = FAILED, now, None, None
                    job.last_error = (job.last_error or "") + "worker stopped during the last attempt"
                    continue
                job.state = RUNNING
                job.attempts += 1
                job.locked_until = now + self.lease
                job.lock_token = secrets.token_hex(16)
                assert job.id is not None
                return JobContext(
                    self.db, job.id, job.kind, dict(job.payload), job.attempts, job.lock_token, self.retry_base
                )

    def run_once(self) -> bool:
        """Claim and run one job; False when none was due. Prunes old done jobs at most once an hour."""
        now = utcnow()
        if self._pruned_at is None or now - self._pruned_at > timedelta(hours=1):
            self._pruned_at = now
            prune(self.db, now - self.keep_done)
        self.tick(now)
        ctx = self.claim()
        if ctx is None:
            return False
        try:
            self.handlers[ctx.kind](ctx)
        except Exception as exc:
            if ctx.completed:  # failed after its point of no return (e.g. the reply to a mail's final dot)
                log.warning("job %s (%s): error after completion, kept done: %s", ctx.id, ctx.kind, exc)
            else:
                self._failed(ctx, exc)
        else:
            if not ctx.complete():
                log.warning("job %s (%s): lease lost before it finished", ctx.id, ctx.kind)
        return True

    def _failed(self, ctx: JobContext, exc: Exception) -> None:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        log.warning("job %s (%s) attempt %s failed: %s", ctx.id, ctx.kind, ctx.attempt, error)
        log.debug("%s", traceback.format_exc())
        now = utcnow()
        with self.db.write() as session:
            job = session.get(Job, ctx.id)
            if job is None or job.lock_token != ctx.lock_token or job.state != RUNNING:
                return
            job.last_error, job.lock_token, job.locked_until = error, None, None
            if job.attempts >= job.max_attempts:
                job.state, job.finished_at = FAILED, now
            else:
                job.state, job.run_at = QUEUED, now + backoff(job.attempts, self.retry_base)

    def run(self, stop: threading.Event, *, until_idle: bool = False) -> int:
        """Run jobs until ``stop`` is set (or, with ``until_idle``, until none is due); return how many ran.
        A job in hand is finished first. A database error is logged and retried after ``poll``."""
        ran = 0
        while not stop.is_set():
            try:
                if self.run_once():
                    ran += 1
                    continue
            except Exception:
                log.exception("job runner: claim failed; retrying")
            if until_idle:
                break
            stop.wait(self.poll)
        return ran


@dataclass(frozen=True)
class JobView:
    id: int
    kind: str
    state: str
    attempts: int
    max_attempts: int
    run_at: datetime
    last_error: str | None
    finished_at: datetime | None


def list_jobs(db: Database, *, state: str | None = None, kind: str | None = None, limit: int = 50) -> list[JobView]:
    """Newest first; e.g. ``state="failed"`` for what needs a look."""
    query = select(Job).order_by(col(Job.id).desc()).limit(limit)
    if state is not None:
        query = query.where(col(Job.state) == state)
    if kind is not None:
        query = query.where(col(Job.kind) == kind)
    with db.read() as session:
        return [
            JobView(j.id or 0, j.kind, j.state, j.attempts, j.max_attempts, j.run_at, j.last_error, j.finished_at)
            for j in session.exec(query)
        ]


def counts(db: Database, kind: str | None = None) -> dict[str, int]:
    """Jobs per state (every state present, 0 when none); ``kind``: of that kind only."""
    query = select(Job.state, func.count()).group_by(col(Job.state))
    if kind is not None:
        query = query.where(col(Job.kind) == kind)
    with db.read() as session:
        rows = session.execute(query).all()
    return {state: 0 for state in STATES} | {state: n for state, n in rows}


def retry_now(db: Database, job_id: int) -> bool:
    """Queue a failed job again, due now, with a fresh set of attempts. False when it is not failed."""
    with db.write() as session:
        changed = session.execute(
            update(Job)
            .where(col(Job.id) == job_id, col(Job.state) == FAILED)
            .values(state=QUEUED, run_at=utcnow(), attempts=0, finished_at=None)
        ).rowcount  # type: ignore[attr-defined]
    return bool(changed)


def prune(db: Database, before: datetime, limit: int = 1000) -> int:
    """Delete up to ``limit`` done jobs finished before ``before``; failed ones stay until retried or HR
    has seen them (``rolefit jobs status``). Returns how many were deleted."""
    with db.write() as session:
        old = select(Job.id).where(col(Job.state) == DONE, col(Job.finished_at) < before).limit(limit)
        ids = list(session.exec(old))
        if ids:
            session.execute(delete(Job).where(col(Job.id).in_(ids)))
    return len(ids)
