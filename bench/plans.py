"""The query plans of every HR page's SELECTs on a database built by bench.hr_pages (1M people), as the
database chose them with its statistics: SQLite ``EXPLAIN QUERY PLAN``, PostgreSQL ``EXPLAIN``.

Every page that bench.hr_pages measures (``bench.hr_pages.pages``) is opened once, signed in as an analyst of
the bench's organisation; each SELECT it runs that reads people (participation, its rollup, person, the
search indexes, answers, cohorts) is planned, once per page, in the order the page ran it. One block per
page: ``-- the statement's start`` then its plan (or the page where the same query with the same values was
planned).

    .venv/bin/python -m bench.plans sqlite:///var/bench-1m.sqlite3
    .venv/bin/python -m bench.plans postgresql+psycopg://rolefit:rolefit@127.0.0.1:5432/rolefit_bench_1m
"""

from __future__ import annotations

import re
import sys
import uuid
from typing import Any

from sqlalchemy import event, text

from app import auth as accounts
from app.config import Settings
from app.db import Database
from app.main import create_app
from app.models import utcnow
from bench.hr_pages import PASSWORD, pages
from tests.app.conftest import Browser

READS = re.compile(r"\b(participation\w*|person\w*|answer\w*|cohort)\b")


def main() -> None:
    url = sys.argv[1]
    db = Database(url)
    with db.read() as session:
        org_id = session.execute(text("SELECT id FROM organisation WHERE name = 'Bench'")).one()[0]
        query = text("SELECT id FROM cohort WHERE org_id = :org ORDER BY created_at DESC")  # cohort 0 first
        cohorts = [r[0] for r in session.execute(query, {"org": org_id})]
    invited = accounts.invite(db, org_id, f"plans-{uuid.uuid4().hex[:6]}@bench.test", "analyst", utcnow(), by="bench")
    accounts.set_password(db, invited.token, PASSWORD, utcnow())
    app = create_app(Settings(database_url=url))
    browser = Browser(app)
    assert browser.post("/hr/login", {"email": invited.user.email, "password": PASSWORD}).status_code == 303
    seen: dict[str, list[tuple[str, Any]]] = {}
    current = {"page": ""}

    def capture(_c: Any, _cur: Any, statement: str, parameters: Any, _ctx: Any, _many: bool) -> None:
        planned = seen.setdefault(current["page"], [])
        head = statement.lstrip()[:4].upper()
        if head in ("SELE", "WITH") and READS.search(statement) and all(statement != s for s, _ in planned):
            planned.append((statement, parameters))

    engine = app.state.db.engine
    event.listen(engine, "before_cursor_execute", capture)
    paths = pages(cohorts[0], cohorts[-1])
    for name, path in paths.items():
        current["page"] = name
        assert browser.get(path).status_code == 200, path
    event.remove(engine, "before_cursor_execute", capture)
    print(f"{len(cohorts)} cohorts; the first cohort is {cohorts[0]}")
    planned: dict[tuple[str, str], str] = {}
    with engine.connect() as conn:
        for name, statements in seen.items():
            if not statements:
                continue
            print(f"\n#### {name}: `{paths[name]}`\n```")
            for statement, params in statements:
                print("-- " + " ".join(statement.split())[:140])
                if (statement, repr(params)) in planned:  # the same query with the same values: the same plan
                    print(f"(as on {planned[statement, repr(params)]})")
                    continue
                planned[statement, repr(params)] = name
                if db.dialect == "sqlite":
                    for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params):
                        print(row[3])
                else:
                    for (line,) in conn.exec_driver_sql("EXPLAIN " + statement, params):
                        print(line)
            print("```")
    app.state.db.dispose()
    db.dispose()


if __name__ == "__main__":
    main()
