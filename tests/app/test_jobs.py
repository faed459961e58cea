"""The job runner (app/jobs) on a real SQLite file and a real PostgreSQL: once per job, retries, leases."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest

from app import jobs
from app.db import Database
from app.models import Job, utcnow


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


def test_a_job_runs_once_with_its_payload(db: Database) -> None:
    seen: list[dict[str, object]] = []
    job_id = jobs.enqueue(db, "echo", {"to": "ana@example.org", "n": 1})
    worker = jobs.Worker(db, {"echo": lambda ctx: seen.append(ctx.payload)})
    assert worker.run(threading.Event(), until_idle=True) == 1
    assert seen == [{"to": "ana@example.org", "n": 1}]
    assert worker.run(threading.Event(), until_idle=True) == 0
    assert [(j.id, j.state, j.attempts) for j in jobs.list_jobs(db)] == [(job_id, "done", 1)]


def test_a_job_waits_for_its_time(db: Database) -> None:
    jobs.enqueue(db, "echo", {}, run_at=utcnow() + timedelta(hours=1))
    worker = jobs.Worker(db, {"echo": lambda ctx: None})
    assert not worker.run_once()
    assert worker.claim(utcnow() + timedelta(hours=2)) is not None


def test_a_failing_job_backs_off_then_fails_visibly_and_can_be_retried(db: Database) -> None:
    calls: list[int] = []

    def flaky(ctx: jobs.JobContext) -> None:
        calls.append(ctx.attempt)
        raise ConnectionRefusedError("smtp down")

    job_id = jobs.enqueue(db, "flaky", {}, max_attempts=3)
    worker = jobs.Worker(db, {"flaky": flaky}, retry_base=30)
    before = utcnow()
    assert worker.run_once()
    (view,) = jobs.list_jobs(db)
    assert (view.state, view.attempts, view.last_error) == ("queued", 1, "ConnectionRefusedError: smtp down")
    wait = view.run_at.replace(tzinfo=None) - before.replace(tzinfo=None)
    assert timedelta(seconds=29) < wait < timedelta(seconds=40)
    assert not worker.run_once()  # not due yet
    later = utcnow() + timedelta(minutes=1)
    ctx = worker.claim(later)
    assert ctx is not None and ctx.attempt == 2
    failed_at = utcnow()
    worker._failed(ctx, ConnectionRefusedError("smtp down"))
    (view,) = jobs.list_jobs(db)
    assert view.run_at.replace(tzinfo=None) - failed_at.replace(tzinfo=None) > timedelta(seconds=100)  # 30 s x 4
    ctx = worker.claim(utcnow() + timedelta(hours=1))
    assert ctx is not None and ctx.attempt == 3
    worker._failed(ctx, ConnectionRefusedError("smtp down"))
    (view,) = jobs.list_jobs(db, state="failed")
    assert (view.id, view.attempts) == (job_id, 3)
    assert jobs.counts(db) == {"queued": 0, "running": 0, "done": 0, "failed": 1}
    assert worker.claim(utcnow() + timedelta(days=1)) is None  # failed stays failed
    assert jobs.retry_now(db, job_id)
    assert not jobs.retry_now(db, job_id)
    assert jobs.counts(db)["queued"] == 1


def test_backoff_grows_and_is_capped() -> None:
    assert [jobs.backoff(n, 30).total_seconds() for n in (1, 2, 3)] == [30, 120, 480]
    assert jobs.backoff(20, 30) == timedelta(hours=6)


def test_a_dead_workers_job_is_taken_over_after_its_lease_and_its_late_finish_counts_for_nothing(
    db: Database,
) -> None:
    jobs.enqueue(db, "echo", {})
    dead = jobs.Worker(db, {"echo": lambda ctx: None}, lease=timedelta(seconds=60))
    lost = dead.claim()
    assert lost is not None
    alive = jobs.Worker(db, {"echo": lambda ctx: None}, lease=timedelta(seconds=60))
    assert alive.claim() is None  # the lease still holds
    taken = alive.claim(utcnow() + timedelta(seconds=61))
    assert taken is not None and taken.id == lost.id and taken.attempt == 2
    assert not lost.complete()  # the first worker woke up too late: its write matches nothing
    assert taken.complete()
    (view,) = jobs.list_jobs(db)
    assert (view.state, view.attempts) == ("done", 2)


def test_a_job_whose_last_attempt_died_is_failed_not_run_again(db: Database) -> None:
    jobs.enqueue(db, "echo", {}, max_attempts=1)
    worker = jobs.Worker(db, {"echo": lambda ctx: None}, lease=timedelta(seconds=1))
    assert worker.claim() is not None
    assert worker.claim(utcnow() + timedelta(seconds=5)) is None
    (view,) = jobs.list_jobs(db)
    assert view.state == "failed" and "worker stopped" in (view.last_error or "")


def test_complete_can_write_with_the_job_in_one_transaction(db: Database) -> None:
    jobs.enqueue(db, "echo", {})

    def handler(ctx: jobs.JobContext) -> None:
        assert ctx.complete(lambda session: jobs.enqueue(session, "follow-up", {"after": ctx.id}))

    jobs.Worker(db, {"echo": handler}).run(threading.Event(), until_idle=True)
    assert sorted((j.kind, j.state) for j in jobs.list_jobs(db)) == [("echo", "done"), ("follow-up", "queued")]


def test_four_workers_run_each_of_200_jobs_exactly_once(db: Database) -> None:
    with db.write() as session:
        for n in range(200):
            jobs.enqueue(session, "count", {"n": n})
    ran: Counter[int] = Counter()
    lock = threading.Lock()

    def count(ctx: jobs.JobContext) -> None:
        with lock:
            ran[int(ctx.payload["n"])] += 1

    stop = threading.Event()
    threads = [
        threading.Thread(
            target=jobs.Worker(db, {"count": count}, poll=0.01).run, args=(stop,), kwargs={"until_idle": True}
        )
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(ran) == list(range(200))
    assert set(ran.values()) == {1}
    assert jobs.counts(db)["done"] == 200
    with db.read() as session:
        assert session.get(Job, 1) is not None


def test_done_jobs_are_pruned_after_a_week_failed_ones_stay(db: Database) -> None:
    done, failed = jobs.enqueue(db, "echo", {"to": "a@x"}), jobs.enqueue(db, "boom", {}, max_attempts=1)

    def boom(ctx: jobs.JobContext) -> None:
        raise RuntimeError("no")

    worker = jobs.Worker(db, {"echo": lambda ctx: None, "boom": boom})
    worker.run(threading.Event(), until_idle=True)
    assert jobs.prune(db, utcnow() - timedelta(days=7)) == 0
    assert jobs.prune(db, utcnow() + timedelta(days=1)) == 1
    assert [(j.id, j.state) for j in jobs.list_jobs(db)] == [(failed, "failed")]
    assert done != failed


def test_on_commit_runs_once_right_after_the_commit_and_not_when_the_job_was_lost(db: Database) -> None:
    jobs.enqueue(db, "echo", {})
    worker = jobs.Worker(db, {"echo": lambda ctx: None}, lease=timedelta(seconds=1))
    lost = worker.claim()
    assert lost is not None
    taken = worker.claim(utcnow() + timedelta(seconds=2))
    assert taken is not None
    seen: list[str] = []
    assert not lost.complete(on_commit=lambda: seen.append("lost"))
    assert taken.complete(on_commit=lambda: seen.append(jobs.list_jobs(db)[0].state))
    assert taken.complete(on_commit=lambda: seen.append("again"))  # already done: no second call
    assert seen == ["done"]  # the hook saw the committed state
