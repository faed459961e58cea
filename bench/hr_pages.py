"""HR pages as a person waits for them, at 100,000 and 1,000,000 finished people in one organisation
(cohorts of 10,000): `/hr`, a cohort's dashboard page, the organisation page, and the CSV export of a
10,000-person cohort. Each page is the full request through the app (session cookie, organisation
check, every query, the template), timed in process so that the machine's other load adds no network.
The participants table (/hr/participants: first page, sorts, filters, a deep page, searches narrow, broad
and short), the people list (/hr/people, as many people as participants: pages, a sort, searches) and the
comparison page (/hr/compare) too. Targets: each page < 300 ms median at 1M and < 100 ms at 100k; the
export < 2 s.

The people are written in bulk (SQLite: executemany, PostgreSQL: COPY; 5,000 a batch) the way a bulk
import would: the triggers
and participation's secondary indexes are set aside, the rows inserted, then the indexes built and the
counters and the rollup computed by migration scale_0001's own backfill, and the triggers put back: the
same state as one person at a time through the triggers, in minutes instead of an hour. The statistics are
what the shipped configuration has: SQLite's bounded ANALYZE (``Database.optimize``, run by
`rolefit db upgrade` and hourly), PostgreSQL's ANALYZE and VACUUM as autovacuum does them.

    .venv/bin/python -m bench.hr_pages [--sizes 100000 1000000] [--runs 9] [--dbs sqlite postgresql]
        [--keep var/bench-1m.sqlite3]   # the SQLite file (default: a temporary one)
        [--keep-postgresql rolefit_bench_1m]   # the PostgreSQL database (default: a temporary one, dropped)
    .venv/bin/python -m bench.hr_pages --remeasure var/bench-1m.sqlite3   # or the kept PostgreSQL URL

With ``--keep-postgresql NAME`` the PostgreSQL database (on the server of ROLEFIT_BENCH_POSTGRES_URL) is
kept and its URL printed on stderr and in the report, for ``bench.plans``; drop it when done
(``DROP DATABASE NAME``: 1M people take some GB).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, insert, text

from app import auth as accounts
from app.config import ROOT, Settings
from app.db import Database
from app.main import create_app
from app.migrate import downgrade, upgrade
from app.models import Assessment, Cohort, Participation, utcnow
from app.search import document
from app.services import hr
from tests.app.conftest import Browser

COHORT = 10_000
DEPARTMENTS = ("Sales", "Delivery", "Engineering", "Customer Success", "Finance", "Operations")
LEVELS = ("Junior", "Senior", "Lead", "Manager")
ROLES = ("am", "pm", "engineer", "sales", "other", "student")
PASSWORD = "bench password, long enough"


def add_cohort(db: Database, org_id: str, index: int, rng: random.Random) -> str:
    now = utcnow()
    cohort_id = uuid.uuid4().hex[:22]
    with db.write() as session:
        session.execute(
            insert(Cohort).values(
                id=cohort_id,
                org_id=org_id,
                name=f"Cohort {index}",
                departments=list(DEPARTMENTS),
                levels=list(LEVELS),
                created_at=now - timedelta(minutes=index),
            )
        )
    batch = 5000
    for start in range(0, COHORT, batch):
        assessments, people = [], []
        for i in range(batch):
            aid = uuid.uuid4().hex[:22]
            centre = rng.choice([-0.6, -0.2, 0.0, 0.2, 0.6]) + rng.gauss(0, 0.15)
            dims = {f"d_{d}": max(-95.0, min(95.0, 100 * (centre + rng.gauss(0, 0.2)))) for d in hr.DIMENSIONS}
            overall = sum(dims.values()) / 6
            rec = "AM" if overall >= 20 else "PM" if overall <= -20 else "HYBRID"
            finished = now - timedelta(days=rng.randint(0, 365), seconds=rng.randint(0, 86399))
            role = rng.choice(ROLES)
            assessments.append(
                {
                    "id": aid,
                    "owner_hash": uuid.uuid4().hex * 2,
                    "resume_hash": uuid.uuid4().hex * 2,
                    "locale": "en",
                    "current_role": role,
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
                    "display_name": f"Person {index}-{start + i}" if identified else None,
                    "department": (department := rng.choice(DEPARTMENTS)),
                    "search_text": document(f"Person {index}-{start + i}", department, None) if identified else None,
                    "level": rng.choice(LEVELS),
                    "current_role": role,
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
        if db.dialect == "postgresql":
            copy_rows(db, [("assessment", assessments), ("participation", people)])
        else:
            with db.write() as session:
                session.execute(insert(Assessment), assessments)
                session.execute(insert(Participation), people)
    return cohort_id


def add_people(db: Database, org_id: str, upto: int, rng: random.Random) -> None:
    """The organisation's people list (/hr/people) filled up to ``upto`` people, numbered on from those it has, in
    batches as an import writes them (with their search text when the schema has it: the bench also runs against
    the code before it)."""
    from sqlalchemy import MetaData, Table

    table = Table("person", MetaData(), autoload_with=db.engine)
    searchable = "search_text" in table.c
    now = utcnow()
    for start in range(people_count(db, org_id), upto, 5000):
        rows = []
        for i in range(start, min(upto, start + 5000)):
            name, department = f"Person {i // COHORT}-{i % COHORT}", rng.choice(DEPARTMENTS)
            email = f"p{i}@bench.test"
            row = {"id": uuid.uuid4().hex[:22], "org_id": org_id, "email": email, "name": name}
            row |= {"department": department, "level": rng.choice(LEVELS), "lang": "en"}
            row |= {"created_at": now, "updated_at": now}
            if searchable:
                row["search_text"] = document(name, department, email)
            rows.append(row)
        with db.write() as session:
            session.execute(table.insert(), rows)


def copy_rows(db: Database, tables: list[tuple[str, list[dict[str, Any]]]]) -> None:
    """PostgreSQL's COPY, in one transaction (the bulk path of a real import)."""
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for table, rows in tables:
            columns = list(rows[0])
            names = ", ".join(f'"{c}"' for c in columns)
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row[c] for c in columns])
        raw.commit()
    finally:
        raw.close()


def _migration() -> Any:
    path = next((ROOT / "migrations" / "versions").glob("scale_0001_*.py"))
    spec = importlib.util.spec_from_file_location("scale_0001", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def bulk(db: Database, load: Any) -> None:
    """Run ``load()`` with the triggers and participation's secondary indexes set aside (see above)."""
    mig = _migration()
    indexes = list(Participation.__table__.indexes)  # type: ignore[attr-defined]
    with db.engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
        mig.drop_triggers(db.dialect)
        for index in indexes:
            index.drop(conn)
        conn.execute(text("DELETE FROM participation_rollup"))
    load()
    with db.engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
        for index in indexes:
            index.create(conn)
        mig._backfill(db.dialect)
        mig.create_triggers(db.dialect)


def people_count(db: Database, org_id: str) -> int:
    with db.read() as session:
        query = text("SELECT count(*) FROM person WHERE org_id = :org")
        return int(session.execute(query, {"org": org_id}).scalar_one())


def statistics_as_shipped(db: Database) -> None:
    if db.dialect == "sqlite":
        db.optimize()
    else:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE participation")
            conn.exec_driver_sql("VACUUM ANALYZE participation_rollup")
            conn.exec_driver_sql("VACUUM ANALYZE cohort")
            conn.exec_driver_sql("VACUUM ANALYZE person")


def timed(browser: Browser, path: str, runs: int) -> dict[str, Any]:
    res = browser.get(path)
    assert res.status_code == 200, (path, res.status_code, res.text[:300])
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        res = browser.get(path)
        times.append(time.perf_counter() - t0)
        assert res.status_code == 200
    return {
        "median_ms": round(statistics.median(times) * 1000, 1),
        "range_ms": [round(min(times) * 1000, 1), round(max(times) * 1000, 1)],
        "bytes": len(res.content),
    }


def pages(first: str, last: str) -> dict[str, str]:
    """Every HR page measured (and planned by bench.plans): name -> path; ``first`` and ``last`` cohorts."""
    return {
        "hr_home": "/hr",
        "cohort_page": f"/hr/cohorts/{first}",
        "cohort_page_filtered": f"/hr/cohorts/{first}?department=Sales&level=Senior",
        "organisation_page": "/hr/dashboard",
        "organisation_page_filtered": "/hr/dashboard?department=Sales&role=pm",
        "export_csv_10k_cohort": f"/hr/cohorts/{first}/export.csv",
        "export_xlsx_10k_cohort": f"/hr/cohorts/{first}/export.xlsx",
        # the participants table: first page, other sorts, filters, a deep page (offset paging), a search
        "participants_page": "/hr/participants",
        "participants_by_activity": "/hr/participants?sort=-activity",
        "participants_filtered": f"/hr/participants?cohort={first}&department=Sales&call=PM",
        "participants_sorted_by_level": "/hr/participants?sort=-level&status=finished",
        "participants_deep_page": "/hr/participants?sort=department&offset=9950",
        "participants_search": "/hr/participants?q=person%2012-",
        # a search that matches some hundreds of people ("Person 3-12", "Person 3-120".."3-12999")
        "participants_search_some": "/hr/participants?q=son%203-12",
        # a search that matches nearly everyone (the trigram index finds them all; the page sorts them)
        "participants_search_broad": "/hr/participants?q=person",
        # a search of one or two characters (session 6: the start of a word; before: "type 3 characters")
        "participants_search_short": "/hr/participants?q=pe",
        "participants_search_short_rare": "/hr/participants?q=%E7%8E%8B",  # 王: no one
        # the people list (/hr/people), as many people as participants: pages, sorts, searches
        "people_page": "/hr/people",
        "people_by_department": "/hr/people?sort=-department",
        "people_deep_page": "/hr/people?offset=9950",
        "people_search": "/hr/people?q=person%2012-",
        "people_search_some": "/hr/people?q=son%203-12",
        "people_search_broad": "/hr/people?q=person",
        "people_search_broad_by_level": "/hr/people?q=person&sort=level",
        "compare_cohort_with_organisation": f"/hr/compare?a={first}",
        "compare_two_cohorts": f"/hr/compare?a={first}&b={last}",
    }


def signed_in(url: str, email: str) -> tuple[Any, Browser]:
    """The app on ``url`` and a browser signed in as ``email`` (password :data:`PASSWORD`)."""
    app = create_app(Settings(database_url=url))
    browser = Browser(app)
    res = browser.post("/hr/login", {"email": email, "password": PASSWORD, "next": "/hr"})
    assert res.status_code == 303, res.text[:300]
    return app, browser


def kept(db: Database) -> tuple[str, list[str], str]:
    """A database this bench built: its organisation, the cohorts (cohort 0 first) and the e-mail of a new analyst
    (password :data:`PASSWORD`)."""
    with db.read() as session:
        org_id = session.exec(text("SELECT id FROM organisation WHERE name = 'Bench'")).one()[0]  # type: ignore[call-overload]
        query = text("SELECT id FROM cohort WHERE org_id = :org ORDER BY created_at DESC")  # cohort 0 first
        cohorts = [r[0] for r in session.execute(query, {"org": org_id})]
    invited = accounts.invite(db, org_id, f"hr-{uuid.uuid4().hex[:6]}@bench.test", "analyst", utcnow(), by="bench")
    accounts.set_password(db, invited.token, PASSWORD, utcnow())
    return org_id, cohorts, invited.user.email


def measure(url: str, email: str, cohorts: list[str], runs: int) -> dict[str, Any]:
    app, browser = signed_in(url, email)
    out: dict[str, Any] = {"people": len(cohorts) * COHORT, "cohorts": len(cohorts)}
    for name, path in pages(cohorts[0], cohorts[-1]).items():
        out[name] = timed(browser, path, max(3, runs // 3) if name.startswith("export") else runs)
    app.state.db.dispose()
    return out


def run(url: str, sizes: list[int], runs: int) -> dict[str, Any]:
    db = Database(url)
    upgrade(db.engine)
    org, invited = accounts.create_org(db, "Bench", f"hr-{uuid.uuid4().hex[:6]}@bench.test", utcnow())
    accounts.set_password(db, invited.token, PASSWORD, utcnow())
    rng = random.Random(7)
    cohorts: list[str] = []
    out: dict[str, Any] = {}
    for size in sorted(sizes):
        t0 = time.perf_counter()

        def load(size: int = size) -> None:
            while len(cohorts) * COHORT < size:
                cohorts.append(add_cohort(db, org.id, len(cohorts), rng))

        bulk(db, load)
        add_people(db, org.id, size, rng)
        built = time.perf_counter() - t0
        statistics_as_shipped(db)
        out[str(size)] = {"build_s": round(built, 1)} | measure(url, invited.user.email, cohorts, runs)
        print(json.dumps({size: out[str(size)]}), flush=True)
    db.dispose()
    return out


def remeasure(target: str, runs: int, remigrate: bool = False) -> dict[str, Any]:
    """Measure again on a database this bench built (``--keep`` file or ``--keep-postgresql`` URL), with the code
    as it is now."""
    url = target if "://" in target else f"sqlite:///{target}"
    db = Database(url)
    if remigrate:  # scale_0001..: undone and done again (this code's schema, sums and triggers)
        downgrade(db.engine, "0dd3a9ea9452")
    upgrade(db.engine)
    org_id, cohorts, email = kept(db)
    t0 = time.perf_counter()
    add_people(db, org_id, len(cohorts) * COHORT, random.Random(7))
    print(f"people added in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    statistics_as_shipped(db)
    db.dispose()
    return {str(len(cohorts) * COHORT): measure(url, email, cohorts, runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--dbs", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--keep", type=Path, default=None, help="SQLite file to build (kept afterwards)")
    parser.add_argument("--keep-postgresql", default=None, metavar="NAME", help="PostgreSQL database to build (kept)")
    parser.add_argument("--remeasure", default=None, help="measure again on a kept SQLite file or PostgreSQL URL")
    parser.add_argument("--remigrate", action="store_true", help="with --remeasure: run scale_0001.. again")
    args = parser.parse_args()
    if args.remeasure:
        dialect = "postgresql" if args.remeasure.startswith("postgresql") else "sqlite"
        print(json.dumps({dialect: remeasure(args.remeasure, args.runs, args.remigrate)}, indent=2))
        return
    report: dict[str, Any] = {"benchmark": "HR pages (full requests)", "targets_ms": {"100000": 100, "1000000": 300}}
    if "sqlite" in args.dbs:
        with tempfile.TemporaryDirectory() as tmp:
            path = args.keep or Path(tmp) / "bench.sqlite3"
            path.parent.mkdir(parents=True, exist_ok=True)
            report["sqlite"] = run(f"sqlite:///{path}", args.sizes, args.runs)
    pg = os.environ.get("ROLEFIT_BENCH_POSTGRES_URL")
    if "postgresql" in args.dbs and pg:
        admin = create_engine(pg, isolation_level="AUTOCOMMIT")
        name = args.keep_postgresql or f"rolefit_bench_{uuid.uuid4().hex[:8]}"
        url = re.sub(r"/[^/]*$", f"/{name}", pg)
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        if args.keep_postgresql:
            print(f"PostgreSQL database kept: {url}", file=sys.stderr, flush=True)
            report["postgresql_url"] = url
        try:
            report["postgresql"] = run(url, args.sizes, args.runs)
        finally:
            if not args.keep_postgresql:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
