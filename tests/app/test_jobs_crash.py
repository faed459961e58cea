"""kill -9 of worker processes in the middle of a batch of mail (plain mails, reminders, HR digests): after a
restart every mail has been accepted by the (real, local) SMTP server exactly once. SQLite and PostgreSQL."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from app import auth, jobs, mail
from app.db import Database
from app.models import DigestRun, HrUser, Job, utcnow
from app.services import demo, digest, hr, invitations, people, reminders
from scoring.model import Bank
from tests.app.smtp_server import SmtpServer

ROOT = Path(__file__).resolve().parents[2]
MAILS = 60
LEASE = 2.0  # seconds: a dead worker's job is taken over this long after it was claimed


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


def start_worker(db_url: str, smtp_port: int, log: Path) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "ROLEFIT_DATABASE_URL": db_url,
        "ROLEFIT_SMTP_HOST": "127.0.0.1",
        "ROLEFIT_SMTP_PORT": str(smtp_port),
        "ROLEFIT_SMTP_STARTTLS": "false",
        "ROLEFIT_SMTP_FROM": "Acme HR <hr@acme.example>",
        "ROLEFIT_JOB_LEASE_SECONDS": str(LEASE),
        "ROLEFIT_JOB_POLL_SECONDS": "0.05",
        "ROLEFIT_JOB_RETRY_BASE_SECONDS": "0.2",
    }
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "app.cli", "worker"], cwd=ROOT, env=env, stdout=out, stderr=out)


def wait_for(check: Callable[[], bool], timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise AssertionError(f"timed out waiting for {what}; workers said:\n{tail}")
        time.sleep(0.05)


def in_flight(db: Database, kind: str) -> bool:
    """A job of ``kind`` is claimed and not finished: a kill now lands on the crash path."""
    with db.read() as session:
        running = select(Job.id).where(col(Job.state) == "running", col(Job.kind) == kind)
        return session.exec(running).first() is not None


def crash_mid_batch(db: Database, db_url: str, server: SmtpServer, log: Path, kind: str, what: str) -> list[int]:
    """Two workers take the batch of ``kind`` until a quarter of it has arrived and a job is in flight, and are
    killed (-9) there; two more finish the batch and stop cleanly on SIGTERM. Returns the jobs that were
    running at the kill (the crash path: each must be sent once, not twice nor never)."""
    first = [start_worker(db_url, server.port, log) for _ in range(2)]
    try:
        # a loaded machine can leave both workers between jobs at any one moment: kill when one is in flight
        wait_for(lambda: len(server.messages) >= MAILS // 4 and in_flight(db, kind), 60, f"the first {what}", log)
    finally:
        for proc in first:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
    assert len(server.messages) < MAILS, "the batch finished before the kill: nothing was tested"
    with db.read() as session:
        orphaned = list(session.exec(select(Job.id).where(col(Job.state) == "running")))
    second = [start_worker(db_url, server.port, log) for _ in range(2)]
    try:
        wait_for(lambda: jobs.counts(db, kind)["done"] == MAILS, 120, f"every {what} sent", log)
    finally:
        for proc in second:
            proc.send_signal(signal.SIGTERM)
        for proc in second:
            assert proc.wait(30) == 0  # a clean stop on SIGTERM
    time.sleep(0.2)  # the server records a message after its reply; let the last one land
    return orphaned


def test_workers_killed_mid_batch_and_restarted_send_every_mail_exactly_once(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    log = tmp_path / "workers.log"
    with SmtpServer() as server:
        # each mail takes a while before its commit point (a kill lands there: the job is in flight), and a
        # little after the dot (a kill there finds the job already done: nothing to send again)
        server.recorder.delay, server.recorder.reply_delay = 0.15, 0.005
        expected = []
        with db.write() as session:
            for n in range(MAILS):
                message = mail.build(
                    "test",
                    ("en", "zh-Hans", "vi")[n % 3],
                    to=f"p{n}@acme.example",
                    sender="hr@acme.example",
                    context={},
                )
                expected.append(message.message_id)
                jobs.enqueue(session, "mail.send", {"mail": message.to_dict()})

        orphaned = crash_mid_batch(db, db_url, server, log, "mail.send", "mails")
        received = Counter(server.recorder.message_ids())

    assert orphaned, "no job was in flight at the kill: the crash path was not exercised"
    assert received == Counter({message_id: 1 for message_id in expected})
    # the mails; each worker start also queues the daily retention purge (identity_0001), a job of its own kind
    assert jobs.counts(db, "mail.send") == {"queued": 0, "running": 0, "done": MAILS, "failed": 0}
    with db.read() as session:
        retried = dict(session.exec(select(Job.id, Job.attempts).where(col(Job.id).in_(orphaned))).all())
    assert all(attempts == 2 for attempts in retried.values()), retried


def test_workers_killed_mid_batch_of_reminders_send_each_reminder_exactly_once(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    """The same crash for the reminders (issue 17): a cohort's people invited four days ago, a reminder
    after three days; two workers killed mid-batch, two more finish it: one reminder per person."""
    log = tmp_path / "workers.log"
    now = utcnow()
    org, invited = auth.create_org(db, "Acme", "owner@acme.example", now)
    cohort, _ = hr.create_cohort(db, org.id, name="Autumn", now=now)
    langs = ("en", "zh-Hans", "vi")
    rows = "".join(f"P{n},p{n}@acme.example,{langs[n % 3]}\n" for n in range(MAILS))
    people.apply(db, org.id, ("name,email,language\n" + rows).encode(), "p.csv", now)
    assert reminders.set_schedule(db, org.id, cohort.id, "3") == [3]
    made = invitations.create_links(db, org.id, cohort.id, invited.user.id, now - timedelta(days=4), "http://t")
    assert len(made) == MAILS
    assert reminders.schedule_due(db, now) == MAILS
    with SmtpServer() as server:
        server.recorder.delay, server.recorder.reply_delay = 0.15, 0.005
        orphaned = crash_mid_batch(db, db_url, server, log, reminders.KIND, "reminders")
        received = Counter(server.recorder.message_ids())
        recipients = Counter(m.rcpt_tos[0] for m in server.messages)

    assert orphaned, "no reminder was in flight at the kill: the crash path was not exercised"
    assert len(received) == MAILS and set(received.values()) == {1}  # each reminder once
    assert recipients == Counter({f"p{n}@acme.example": 1 for n in range(MAILS)})  # one per person
    assert jobs.counts(db, reminders.KIND) == {"queued": 0, "running": 0, "done": MAILS, "failed": 0}


def test_workers_killed_mid_batch_of_digests_send_each_digest_exactly_once(
    db: Database, db_url: str, tmp_path: Path, bank: Bank
) -> None:
    """The same crash for the HR digests of completions (issue 17): sixty HR users of an organisation who
    asked for the digest, people who finished since, today's digests queued; two workers killed mid-batch,
    two more finish it: one digest per HR user, in their language, and no second one from the workers' own
    digest scan (the day's run is already there)."""
    log = tmp_path / "workers.log"
    now = utcnow()
    langs = ("en", "zh-Hans", "vi")
    org, owner = auth.create_org(db, "Acme", "hr0@acme.example", now)
    users = [owner.user.id] + [
        auth.invite(db, org.id, f"hr{n}@acme.example", "analyst", now, owner.user.id).user.id for n in range(1, MAILS)
    ]
    with db.write() as session:
        for n, user_id in enumerate(users):
            user = session.get(HrUser, user_id)
            assert user is not None
            user.lang = langs[n % 3]
    for user_id in users:  # subscribed before anyone in the cohort finished (they finished in the last 60 days)
        digest.subscribe(db, user_id, True, now - timedelta(days=61))
    cohort, _ = hr.create_cohort(db, org.id, name="Autumn", now=now)
    demo.add_simulated(db, bank, org.id, cohort.id, n=6, rng=random.Random(17), now=now)
    assert digest.schedule_due(db, now) == MAILS
    with SmtpServer() as server:
        server.recorder.delay, server.recorder.reply_delay = 0.15, 0.005
        orphaned = crash_mid_batch(db, db_url, server, log, digest.KIND, "digests")
        received = Counter(server.recorder.message_ids())
        recipients = Counter(m.rcpt_tos[0] for m in server.messages)
        subjects = {m.rcpt_tos[0]: str(m.message["Subject"]) for m in server.messages}

    assert orphaned, "no digest was in flight at the kill: the crash path was not exercised"
    assert len(received) == MAILS and set(received.values()) == {1}  # each digest once
    assert recipients == Counter({f"hr{n}@acme.example": 1 for n in range(MAILS)})  # one per HR user
    assert jobs.counts(db, digest.KIND) == {"queued": 0, "running": 0, "done": MAILS, "failed": 0}
    with db.read() as session:
        assert len(list(session.exec(select(DigestRun)))) == MAILS  # the workers' scan added no second run
    # in each HR user's language (the subject is translated): three different subjects, one per language
    assert len({subjects[f"hr{n}@acme.example"] for n in range(3)}) == 3
    assert all(subjects[f"hr{n}@acme.example"] == subjects[f"hr{n % 3}@acme.example"] for n in range(MAILS))
