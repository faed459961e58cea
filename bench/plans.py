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
from typing import Any

from sqlalchemy import event

from app.db import Database
from bench.hr_pages import kept, pages, signed_in

READS = re.compile(r"\b(participation\w*|person\w*|answer\w*|cohort)\b")


def main() -> None:
    url = sys.argv[1]
    db = Database(url)
    _, cohorts, email = kept(db)
    app, browser = signed_in(url, email)
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
