"""The job runner's face: :func:`enqueue` work, :class:`Worker` runs it, retries with backoff.

An outbox table (``job``, :class:`app.models.Job`) in the app's own database, claimed by one worker at a
time: ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, the SQLite write lock (``BEGIN IMMEDIATE``
plus the app's writer lock) on SQLite. Why not a queue library: docs/deploy.md ("Background jobs").

A handler is a callable ``handler(ctx: JobContext) -> None``. It returns normally (the job is done), raises
(the job is retried at ``run_at = now + backoff`` until ``max_attempts``, then ``failed`` with its error
kept), or calls :meth:`JobContext.complete` itself at its point of no return (mail: before the final dot
of the SMTP transaction, see app/mail) so that a crash can't make it run twice.
"""

from app.jobs.runner import (
    Handler,
    JobContext,
    JobView,
    Tick,
    Worker,
    backoff,
    counts,
    enqueue,
    list_jobs,
    prune,
    retry_now,
)

__all__ = [
    "Handler",
    "JobContext",
    "JobView",
    "Tick",
    "Worker",
    "backoff",
    "counts",
    "enqueue",
    "list_jobs",
    "prune",
    "retry_now",
]
