"""Bytes per completed assessment (target <= 12 KB): the assessment, its answers, its result snapshot and
its cohort participation, written by the app's own services (`quiz.store_completed`, as `rolefit demo`
does), measured on SQLite (file growth after VACUUM) and PostgreSQL (growth of every table with its
indexes and TOAST, after VACUUM).

    .venv/bin/python -m bench.storage [--n 2000] [--rounds 5]

``--rounds``: also the browser's way on PostgreSQL (answers saved as rows, packed on finishing, VACUUM
between rounds): the answer table and index stay the size of one round of assessments in progress.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import text

from app import auth as accounts
from app.db import Database
from app.migrate import upgrade
from app.models import ResultSnapshot, utcnow
from app.services import hr, quiz
from app.services.demo import add_simulated
from bench.common import database
from scoring import load_bank, score
from scoring.simulate import respondent

ROOT = Path(__file__).resolve().parent.parent
# every table of the schema (with its indexes and TOAST), as SQLite's file holds every table: the norms,
# the people search and any table a later change adds count too (until session 6: six named tables)
PG_TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"


def size(db: Database) -> int:
    if db.dialect == "sqlite":
        raw = db.engine.raw_connection()  # no BEGIN (the engine's begin event would open one)
        try:
            raw.driver_connection.execute("VACUUM")  # type: ignore[union-attr]
            raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
        finally:
            raw.close()
        path = db.engine.url.database
        assert path
        return Path(path).stat().st_size
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        tables = [str(t) for t in conn.execute(text(PG_TABLES)).scalars()]
        for t in tables:
            conn.exec_driver_sql(f'VACUUM "{t}"')
        return sum(int(conn.execute(text(f"SELECT pg_total_relation_size('\"{t}\"')")).scalar_one()) for t in tables)


def measure(url: str, n: int) -> dict[str, Any]:
    db = Database(url)
    upgrade(db.engine)
    bank = load_bank(ROOT / "questions")
    org, _ = accounts.create_org(db, "Storage", "storage@bench.test", utcnow())
    cohort, _ = hr.create_cohort(db, org.id, name="Storage", departments=["Sales"], levels=["Senior"], now=utcnow())
    before = size(db)
    add_simulated(db, bank, org.id, cohort.id, n=n, rng=random.Random(3), now=utcnow())
    after = size(db)
    with db.read() as session:
        snapshot = session.exec(text("SELECT data FROM result LIMIT 1")).scalar_one()  # type: ignore[call-overload]
        one = session.get(ResultSnapshot, session.exec(text("SELECT assessment_id FROM result LIMIT 1")).scalar_one())  # type: ignore[call-overload]
    assert one is not None
    per_object: dict[str, int] = {}
    if db.dialect == "sqlite":  # where the bytes are: every table and index (dbstat), per assessment
        with db.engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC").all()
        per_object = {str(name): round(int(total) / n) for name, total in rows if int(total) / n >= 50}
    else:  # every table, index and TOAST relation of the measured tables (after the VACUUM in size())
        with db.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c"
                    " JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = current_schema()"
                    " ORDER BY 2 DESC"
                )
            ).all()
        per_object = {str(name): round(int(total) / n) for name, total in rows if int(total) / n >= 50}
    db.dispose()
    return {
        "per_object_bytes_per_assessment": per_object,
        "assessments": n,
        "bytes_per_assessment": round((after - before) / n),
        "result_json_bytes": len(json.dumps(one.data)),
        "result_stored_bytes": len(bytes(snapshot)),
    }


def finished_from_rows(url: str, n: int, rounds: int) -> dict[str, Any]:
    """The browser's way: answers saved as rows while the quiz is taken, packed when it is finished, ``n``
    people per round and a VACUUM of ``answer`` after each round (what autovacuum does): the answer table
    and its primary key keep the size of the assessments in progress, not of those finished."""
    db = Database(url)
    upgrade(db.engine)
    bank = load_bank(ROOT / "questions")
    rng = random.Random(5)
    sizes = []
    for _ in range(rounds):
        started = []
        for _ in range(n):
            person = respondent(bank, rng.choice(["am", "pm", "borderline"]), rng, lang="en", role="pm")
            one = quiz.new_assessment(bank, lang="en", current_role="pm", years=None)
            quiz.store_completed(db, bank, one, person.answers.values, None)  # in progress: rows
            started.append((one.assessment, score(bank, person.answers)))
        for assessment, result in started:
            with db.write() as session:
                quiz._store_result(session, bank, assessment.id, result)  # finish: packed
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if db.dialect == "postgresql":
                conn.exec_driver_sql("VACUUM answer")
                row = "SELECT pg_relation_size('answer'), pg_indexes_size('answer')"
                sizes.append([int(v) for v in conn.execute(text(row)).one()])
            else:
                row = "SELECT sum(pgsize) FROM dbstat WHERE name = 'answer'"
                sizes.append([int(conn.execute(text(row)).scalar_one() or 0), 0])
    db.dispose()
    return {"people_per_round": n, "answer_table_and_index_bytes_after_each_round": sizes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=0, help="also finish N rounds of --n people from rows")
    args = parser.parse_args()
    report: dict[str, Any] = {"benchmark": "bytes per completed assessment", "target_bytes": 12 * 1024}
    with tempfile.TemporaryDirectory() as tmp:
        with database("sqlite", Path(tmp)) as url:
            report["sqlite"] = measure(url, args.n)
        if os.environ.get("ROLEFIT_BENCH_POSTGRES_URL"):
            with database("postgresql", Path(tmp)) as url:
                report["postgresql"] = measure(url, args.n)
            if args.rounds:
                with database("postgresql", Path(tmp)) as url:
                    report["postgresql_finished_from_rows"] = finished_from_rows(url, args.n, args.rounds)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
