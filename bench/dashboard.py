"""Team dashboard over 10,000 and 100,000 participants (SQLite, and PostgreSQL when ROLEFIT_BENCH_POSTGRES_URL
is set). Targets on SQLite: under 100 ms at 10k, under 300 ms at 100k.

    .venv/bin/python -m bench.dashboard [--sizes 10000 100000] [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import statistics
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text

from app.db import Database
from app.migrate import upgrade
from app.models import Assessment, Cohort, Organisation, Participation, utcnow
from app.services import hr
from scoring import load_bank

ROOT = Path(__file__).resolve().parent.parent
DEPARTMENTS = ("Sales", "Delivery", "Engineering", "Customer Success", "Finance", "Operations")
LEVELS = ("Junior", "Senior", "Lead", "Manager")
ROLES = ("am", "pm", "engineer", "sales", "other", "student")


def seed(db: Database, n: int, rng: random.Random) -> tuple[str, str]:
    """One organisation, one cohort of ``n`` finished participants with realistic summaries (bulk insert)."""
    now = utcnow()
    org_id, cohort_id = uuid.uuid4().hex[:22], uuid.uuid4().hex[:22]
    with db.write() as session:
        session.execute(insert(Organisation).values(id=org_id, name="Bench", created_at=now))
        session.execute(
            insert(Cohort).values(
                id=cohort_id,
                org_id=org_id,
                name="Bench",
                departments=list(DEPARTMENTS),
                levels=list(LEVELS),
                created_at=now,
            )
        )
    batch = 5000
    for start in range(0, n, batch):
        assessments, people = [], []
        for _ in range(min(batch, n - start)):
            aid = uuid.uuid4().hex[:22]
            centre = rng.choice([-0.6, -0.2, 0.0, 0.2, 0.6]) + rng.gauss(0, 0.15)
            dims = {f"d_{d}": max(-95.0, min(95.0, 100 * (centre + rng.gauss(0, 0.2)))) for d in hr.DIMENSIONS}
            overall = sum(dims.values()) / 6
            rec = "AM" if overall >= 20 else "PM" if overall <= -20 else "HYBRID"
            finished = now - timedelta(days=rng.randint(0, 365))
            assessments.append(
                {
                    "id": aid,
                    "owner_hash": uuid.uuid4().hex * 2,
                    "resume_hash": uuid.uuid4().hex * 2,
                    "locale": "en",
                    "current_role": rng.choice(ROLES),
                    "bank_version": "1.0.0",
                    "position": 68,
                    "started_at": finished,
                    "updated_at": finished,
                    "finished_at": finished,
                }
            )
            identified = rng.random() < 0.7
            people.append(
                {
                    "id": uuid.uuid4().hex[:22],
                    "org_id": org_id,
                    "cohort_id": cohort_id,
                    "assessment_id": aid,
                    "visibility": "identified" if identified else "aggregate",
                    "display_name": f"Person {start}-{len(people)}" if identified else None,
                    "department": rng.choice(DEPARTMENTS),
                    "level": rng.choice(LEVELS),
                    "current_role": assessments[-1]["current_role"],
                    "consented_at": finished,
                    "finished_at": finished,
                    "recommendation": rec,
                    "overall": overall,
                    "readiness_am": rng.uniform(30, 100),
                    "readiness_pm": rng.uniform(30, 100),
                    "gaps_am": rng.getrandbits(16),
                    "gaps_pm": rng.getrandbits(16),
                    "gaps_fit": rng.getrandbits(16),
                    "bank_version": "1.0.0",
                    **dims,
                }
            )
        with db.write() as session:
            session.execute(insert(Assessment), assessments)
            session.execute(insert(Participation), people)
    if db.dialect == "postgresql":
        with db.engine.connect() as conn:
            conn.execute(text("ANALYZE participation"))
            conn.commit()
    else:
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    return org_id, cohort_id


def timed(db: Database, org_id: str, cohort_id: str, filters: hr.Filters, runs: int) -> dict[str, Any]:
    bank = load_bank(ROOT / "questions")
    hr.dashboard(db, bank, org_id, cohort_id, filters)  # warm caches
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        board = hr.dashboard(db, bank, org_id, cohort_id, filters)
        times.append(time.perf_counter() - t0)
    return {
        "median_ms": round(statistics.median(times) * 1000, 1),
        "p95_ms": round(sorted(times)[max(0, int(len(times) * 0.95) - 1)] * 1000, 1),
        "people": board.n,
    }


def run(url: str, sizes: list[int], runs: int) -> dict[str, Any]:
    db = Database(url)
    upgrade(db.engine)
    out: dict[str, Any] = {}
    rng = random.Random(7)
    for n in sizes:
        org_id, cohort_id = seed(db, n, rng)
        out[str(n)] = {
            "no_filter": timed(db, org_id, cohort_id, hr.Filters(), runs),
            "department": timed(db, org_id, cohort_id, hr.Filters(department="Sales"), runs),
            "department_level_role": timed(
                db, org_id, cohort_id, hr.Filters(department="Sales", level="Senior", current_role="pm"), runs
            ),
        }
    db.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    report: dict[str, Any] = {
        "benchmark": "HR dashboard (all aggregates of one cohort)",
        "targets_ms": {"10000": 100, "100000": 300},
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cpu",
    }
    with tempfile.TemporaryDirectory() as tmp:
        report["sqlite"] = run(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", args.sizes, args.runs)
    pg = os.environ.get("ROLEFIT_BENCH_POSTGRES_URL")
    if pg:
        admin = create_engine(pg, isolation_level="AUTOCOMMIT")
        name = f"rolefit_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            report["postgresql"] = run(re.sub(r"/[^/]*$", f"/{name}", pg), args.sizes, args.runs)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    report["meets_targets_sqlite"] = all(
        report["sqlite"][size][case]["median_ms"] < target
        for size, target in report["targets_ms"].items()
        if size in report["sqlite"]
        for case in report["sqlite"][size]
    )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
