"""The HR rollout at 10,000 people: import them, queue their personal invitations, deliver the mails.

1. import: a CSV of 10,000 people (name, e-mail, department, level, language, manager) previewed (read,
   checked, planned, its checked rows staged) and then applied from the staged rows, as the two import
   requests do (target: < 5 s);
2. queue: 10,000 personal invitations and their mail jobs, one transaction (target: < 10 s);
3. deliver: ``rolefit worker --until-idle`` processes (as deployed) send them to an aiosmtpd server on
   127.0.0.1 in its own process, which records each Message-ID; the rate is mails per second, and every
   mail must arrive exactly once.

``python -m bench.rollout [--people 10000] [--deliver 10000] [--workers 2] [--db sqlite|postgresql]``
prints JSON, with the machine's load average (1 minute) at each step: the figures mean little without it
on a shared machine. 127.0.0.1 only; bounded by ``--timeout`` (the delivery's; 10,000 mails at about
12 a second take 14 minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import PY, ROOT, database, free_port


def serve_smtp(port: int, record: Path) -> None:
    """The recording SMTP server (a subprocess of the bench): one Message-ID per line, appended on accept."""
    import email
    import email.policy

    from aiosmtpd.controller import Controller

    out = record.open("a", buffering=1)

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
            out.write(f"{message['Message-ID']}\n")
            return "250 OK"

    signals = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, signals)  # before the server's thread starts: it inherits the mask
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    signal.sigwait(signals)
    controller.stop()


def run(kind: str, n_people: int, n_deliver: int, workers: int, timeout: float) -> dict[str, Any]:
    from sqlalchemy import update
    from sqlmodel import col, select

    from app import auth, jobs
    from app.config import Settings
    from app.db import Database
    from app.models import Job, utcnow
    from app.services import hr, invitations, people, staged_imports

    result: dict[str, Any] = {"db": kind, "people": n_people, "workers": workers}
    result["started_utc"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    load: dict[str, float] = {"start": round(os.getloadavg()[0], 1)}
    result["load_1min"] = load
    with tempfile.TemporaryDirectory() as tmp, database(kind, Path(tmp)) as url:
        db = Database(url, synchronous=Settings().sqlite_synchronous)
        org, _ = auth.create_org(db, "Bench Org", "owner@bench.test", utcnow())
        owner = auth.users_of(db, org.id)[0].id
        langs = ("en", "vi", "zh-Hans")
        rows = "".join(
            f"Person {n},p{n}@bench.test,Dept {n % 12},L{n % 4},{langs[n % 3]},boss{n % 40}@bench.test\n"
            for n in range(n_people)
        )
        data = ("name,email,department,level,language,manager email\n" + rows).encode()
        result["file_bytes"] = len(data)
        t0 = time.perf_counter()
        # as the two requests do: the preview keeps the checked rows, the apply writes them (no second read)
        preview = people.preview(db, org.id, data, "people.csv")
        token = staged_imports.stage(db, org.id, owner, people.pack(preview), "people.csv", utcnow())
        t1 = time.perf_counter()
        staged = staged_imports.take(db, org.id, owner, token, utcnow())
        assert staged is not None
        applied = people.apply_checked(db, org.id, *people.unpack(staged[0]), utcnow())
        staged_imports.discard(db, token)
        t2 = time.perf_counter()
        assert preview.counts["new"] == applied.counts["new"] == n_people, applied.counts
        result["import_preview_s"], result["import_apply_s"] = round(t1 - t0, 2), round(t2 - t1, 2)
        result["import_total_s"] = round(t2 - t0, 2)

        cohort, _ = hr.create_cohort(db, org.id, name="Rollout", now=utcnow())
        t0 = time.perf_counter()
        queued = invitations.send(db, org.id, cohort.id, owner, utcnow())
        result["queue_s"] = round(time.perf_counter() - t0, 2)
        load["queued"] = round(os.getloadavg()[0], 1)
        assert queued == n_people

        # deliver (a subset when --deliver is smaller: the rest stay queued, not counted)
        if n_deliver < n_people:
            with db.write() as session:  # a state no worker claims
                first = session.exec(select(Job.id).order_by(col(Job.id))).first() or 0
                session.execute(update(Job).where(col(Job.id) >= first + n_deliver).values(state="held"))
        record = Path(tmp) / "received.txt"
        record.touch()
        port = free_port()
        smtp = subprocess.Popen([PY, "-m", "bench.rollout", "--serve-smtp", str(port), str(record)], cwd=ROOT)
        time.sleep(1.5)
        env = {
            **os.environ,
            "ROLEFIT_DATABASE_URL": url,
            "ROLEFIT_SMTP_HOST": "127.0.0.1",
            "ROLEFIT_SMTP_PORT": str(port),
            "ROLEFIT_SMTP_STARTTLS": "false",
            "ROLEFIT_SMTP_FROM": "Bench <hr@bench.test>",
            "ROLEFIT_BASE_URL": "https://rolefit.bench.test",
        }
        rolefit = str(Path(PY).parent / "rolefit")
        t0 = time.perf_counter()
        procs = [
            subprocess.Popen([rolefit, "worker", "--until-idle"], env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
            for _ in range(workers)
        ]
        try:
            for proc in procs:
                proc.wait(timeout=timeout)
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()
        elapsed = time.perf_counter() - t0
        load["delivered"] = round(os.getloadavg()[0], 1)
        smtp.send_signal(signal.SIGTERM)
        smtp.wait(timeout=10)
        ids = record.read_text().split()
        counts = jobs.counts(db)
        result["delivered"] = len(ids)
        result["distinct"] = len(set(ids))
        result["deliver_s"] = round(elapsed, 1)
        result["mails_per_s"] = round(len(ids) / elapsed, 1)
        result["jobs"] = counts
        result["exactly_once"] = len(ids) == len(set(ids)) == min(n_deliver, n_people)
        db.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--deliver", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), action="append")
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--serve-smtp", nargs=2, metavar=("PORT", "FILE"))
    args = parser.parse_args()
    if args.serve_smtp:
        serve_smtp(int(args.serve_smtp[0]), Path(args.serve_smtp[1]))
        return
    kinds = args.db or (["sqlite", "postgresql"] if os.environ.get("ROLEFIT_BENCH_POSTGRES_URL") else ["sqlite"])
    out = [run(kind, args.people, args.deliver, args.workers, args.timeout) for kind in kinds]
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
