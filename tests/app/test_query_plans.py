"""HR pages cost what they show: no page reads every participation (or answer) of the organisation.

Every SELECT an HR page runs is captured and planned by the database itself:

- SQLite: ``EXPLAIN QUERY PLAN`` with ``sqlite_stat1`` set to what ANALYZE writes for one organisation of
  1,000,000 finished people in 100 cohorts (the test data is small; the planner must see the big one).
  A search of participation by ``org_id`` alone counts as a full read too (it is every person of the
  organisation).
- PostgreSQL: ``EXPLAIN (FORMAT JSON)`` after ANALYZE, with ``enable_seqscan = off``. On a few dozen rows
  PostgreSQL rightly prefers a sequential scan; switched off, it still chooses one when no index can
  serve the query (it only adds a large cost), so a "Seq Scan" or an index scan without an index
  condition in the plan means the query can only be answered by reading the whole table.

And the sums the organisation pages read (the rollup and the cohort counters, kept by triggers) equal
what counting the people gives, after joins, finishes, withdrawals and deleted assessments.
"""

from __future__ import annotations

import json
import random
import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import col, select

from app.models import Cohort, Participation, utcnow
from app.services import hr, quiz
from app.services.demo import add_simulated
from scoring.model import Bank
from tests.app.test_hr import make_org, signed_in

# the rollup's size is days x groups, not people: reading it is fine
WATCHED = ("participation", "answer", "answer_pack")
PEOPLE = 1_000_000
# distinct values per column at 1M people in one organisation (for the fake SQLite statistics)
DISTINCT = {
    "org_id": 1,
    "cohort_id": 100,
    "department": 6,
    "level": 4,
    "current_role": 6,
    "recommendation": 3,
    "visibility": 2,
    "day": 365,
    "assessment_id": PEOPLE,
}


def _stat(columns: list[str], rows: int) -> str:
    out, groups = [str(rows)], 1
    for c in columns:
        groups *= DISTINCT.get(c, rows)  # anything else: (nearly) unique
        out.append(str(max(1, rows // min(groups, rows))))
    return " ".join(out)


def fake_big_statistics(db: Any) -> None:
    """ANALYZE, then overwrite the statistics of participation, answer and the rollup with 1M-person figures."""
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
        for table, rows in (
            ("participation", PEOPLE),
            ("answer", 68 * 10_000),  # only the assessments in progress: finished ones are packed
            ("answer_pack", PEOPLE),
            ("participation_rollup", 50_000),
        ):
            conn.exec_driver_sql("DELETE FROM sqlite_stat1 WHERE tbl = ?", (table,))
            conn.exec_driver_sql("INSERT INTO sqlite_stat1 VALUES (?, NULL, ?)", (table, str(rows)))
            for (index,) in conn.exec_driver_sql(f"SELECT name FROM pragma_index_list('{table}')").all():
                columns = [r[0] for r in conn.exec_driver_sql(f"SELECT name FROM pragma_index_info('{index}')")]
                conn.exec_driver_sql("INSERT INTO sqlite_stat1 VALUES (?, ?, ?)", (table, index, _stat(columns, rows)))
    db.engine.dispose()  # new connections load the statistics


def full_scans(db: Any, statement: str, parameters: Any) -> list[str]:
    """The plan's full reads of a watched table (empty: every read is an index search)."""
    with db.engine.connect() as conn:
        if db.dialect == "sqlite":
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            return [
                row[3]
                for row in plan
                if re.match(rf"SCAN ({'|'.join(WATCHED)})\b", row[3])  # the whole table
                or re.match(r"SEARCH participation .*\(org_id=\?\)$", row[3])  # the whole organisation
            ]
        conn.exec_driver_sql("SET enable_seqscan = off")
        raw = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar_one()
        plan = raw if isinstance(raw, list) else json.loads(raw)
        bad: list[str] = []

        def walk(node: dict[str, Any]) -> None:
            if node.get("Relation Name") in WATCHED:
                kind = node["Node Type"]
                cond = node.get("Index Cond", "")
                whole_org = re.fullmatch(r"\(+org_id = [^)]*\)+", cond) is not None  # only the organisation
                if kind == "Seq Scan" or (kind in ("Index Scan", "Index Only Scan") and not cond) or whole_org:
                    bad.append(f"{kind} on {node['Relation Name']} ({node.get('Index Name', '')})")
            for child in node.get("Plans", []):
                walk(child)

        walk(plan[0]["Plan"])
        conn.rollback()
        return bad


@pytest.fixture
def org(app: Any, bank: Bank) -> tuple[str, str, str, str]:
    org_id, email = make_org(app)
    cohorts = []
    for name in ("Spring", "Autumn"):
        cohort, _ = hr.create_cohort(
            app.state.db,
            org_id,
            name=name,
            departments=["Sales", "Delivery"],
            levels=["Junior", "Senior"],
            now=utcnow(),
        )
        add_simulated(app.state.db, bank, org_id, cohort.id, n=12, rng=random.Random(len(cohorts)), now=utcnow())
        cohorts.append(cohort.id)
    return org_id, email, cohorts[0], cohorts[1]


def test_no_hr_page_reads_every_person(app: Any, org: tuple[str, str, str, str]) -> None:
    _, email, cohort, _ = org
    db = app.state.db
    if db.dialect == "sqlite":
        fake_big_statistics(db)
    else:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    browser = signed_in(app, email)
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _ctx: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and any(t in statement for t in WATCHED):
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    pages = [
        "/hr",
        f"/hr/cohorts/{cohort}",
        f"/hr/cohorts/{cohort}?department=Sales&level=Senior&role=pm",
        f"/hr/cohorts/{cohort}?from=2020-01-01&to=2099-12-31",
        "/hr/dashboard",
        "/hr/dashboard?department=Sales",
        "/hr/dashboard?department=Delivery&level=Junior&role=engineer&from=2020-01-01",
        f"/hr/cohorts/{cohort}/export.csv",
        "/hr/participants",
        "/hr/participants?sort=-activity&department=Sales",
        "/hr/participants?sort=call&status=finished&offset=50",
        f"/hr/participants?cohort={cohort}&sort=-level",
        "/hr/participants?sort=department&level=Senior",
        "/hr/participants?q=person",  # the search: the trigram index (FTS5 / pg_trgm), never the table
        f"/hr/participants?q=sales&cohort={cohort}&sort=-activity",
        "/hr/participants?q=ng",  # short: the start of a word, through the same trigram index
        "/hr/compare",
        f"/hr/compare?a={cohort}",
        f"/hr/compare?a={cohort}&b={cohort}",
        f"/hr/cohorts/{cohort}/funnel",
        "/hr/funnel",
    ]
    try:
        for page in pages:
            assert browser.get(page).status_code == 200, page
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert len(seen) >= 10  # the pages did query people
    scans = {statement: found for statement, params in seen if (found := full_scans(db, statement, params))}
    assert scans == {}, f"full scans of {WATCHED} (add an index or read the rollup): {scans}"


def test_counters_and_rollup_equal_counting_people(app: Any, bank: Bank, org: tuple[str, str, str, str]) -> None:
    org_id, _, cohort, other = org
    db = app.state.db
    # a withdrawal, a deleted assessment (cascade) and a person who has not finished
    with db.read() as session:
        people = list(session.exec(select(Participation).where(col(Participation.cohort_id) == cohort)))
    assert hr.withdraw(db, people[0].assessment_id, people[0].id)
    assert quiz.delete_assessment(db, people[1].assessment_id)
    with db.write() as session:
        unfinished = session.get(Participation, people[2].id)
        assert unfinished is not None
        unfinished.finished_at = None
        session.add(unfinished)

    with db.read() as session:
        for cid in (cohort, other):
            row = session.get(Cohort, cid)
            rows = list(session.exec(select(Participation).where(col(Participation.cohort_id) == cid)))
            assert row is not None
            assert (row.participants, row.finished) == (len(rows), sum(p.finished_at is not None for p in rows))
            identified = [p for p in rows if p.visibility == "identified"]  # the funnel's counters (reminders_0001)
            assert (row.identified, row.identified_finished) == (
                len(identified),
                sum(p.finished_at is not None for p in identified),
            )
            assert row.withdrawn == (2 if cid == cohort else 0)  # the withdrawal and the deleted assessment
        assert [r.participants for r in hr.cohorts_of(db, org_id) if r.cohort.id == cohort] == [10]

        n_skills = len(bank.skills)
        day = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
        month = day.replace(day=1)
        cases: list[dict[str, Any]] = [
            {},
            {"department": "Sales"},
            {"level": "Junior", "current_role": "pm"},
            {"date_from": day - timedelta(days=40)},  # edge days, then whole months
            {"date_to": day - timedelta(days=3)},
            {"date_from": day - timedelta(days=50), "date_to": day - timedelta(days=5), "department": "Delivery"},
            {"date_from": month, "date_to": day + timedelta(days=1)},
            {"date_from": day - timedelta(days=2), "date_to": day},  # within a month, or across one boundary
        ]
        for active in cases:
            by_people = hr._passes_people(session, org_id, None, active, True, n_skills)
            by_rollup = hr._passes_rollup(session, org_id, active, True, n_skills)
            assert (by_people is None) == (by_rollup is None)
            if by_people is None or by_rollup is None:
                continue
            if not by_people[0][0]:  # nobody: both say so (the page shows "fewer than 5")
                assert not by_rollup[0][0] and not by_rollup[1], active
                continue
            for got, want in zip([by_rollup[0], *by_rollup[1]], [by_people[0], *by_people[1]], strict=True):
                assert list(got) == pytest.approx(list(want), abs=1e-9), active


def test_people_searches_read_a_page(app: Any, org: tuple[str, str, str, str], monkeypatch: Any) -> None:
    """The people list (/hr/people) and the participants' searches, narrow and broad (app.search.plan): a
    search with few matches is driven by the trigram index (never a walk of the organisation), a broad one
    walks the sort's own index in order (never a read of the organisation's rows to sort them), and
    neither ever reads the whole table. ``app.search.CAP`` is lowered so that the broad path is planned on
    the test's few rows."""
    from app import search
    from app.services import people

    org_id, email, cohort, _ = org
    db = app.state.db
    for i in range(30):
        department = ("Sales", "Delivery")[i % 2]
        raw = {"name": f"Person {i} Nguyễn", "email": f"p{i}@acme.test", "department": department, "lang": "vi"}
        people.add_person(db, org_id, raw, utcnow())
    watched = ("participation", "person")
    if db.dialect == "sqlite":
        fake_big_statistics(db)
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM sqlite_stat1 WHERE tbl = 'person'")
            conn.exec_driver_sql("INSERT INTO sqlite_stat1 VALUES ('person', NULL, ?)", (str(PEOPLE),))
            for (index,) in conn.exec_driver_sql("SELECT name FROM pragma_index_list('person')").all():
                columns = [r[0] for r in conn.exec_driver_sql(f"SELECT name FROM pragma_index_info('{index}')")]
                stat = _stat(columns, PEOPLE)
                conn.exec_driver_sql("INSERT INTO sqlite_stat1 VALUES ('person', ?, ?)", (index, stat))
        db.engine.dispose()
    else:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    browser = signed_in(app, email)
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _ctx: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and any(re.search(rf"\b{t}\b", statement) for t in watched):
            seen.append((statement, parameters))

    pages = [
        "/hr/people",
        "/hr/people?sort=-department",
        "/hr/people?sort=level&offset=50",
        "/hr/people?q=nguyen",
        "/hr/people?q=ng&sort=email",  # short: the start of a word, through the same index
        "/hr/people?q=p1&sort=-name",
        "/hr/participants?q=sales&sort=-activity",
        f"/hr/participants?q=ng&cohort={cohort}",
    ]
    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        for page in pages:  # narrow: up to CAP matches
            assert browser.get(page).status_code == 200, page
        monkeypatch.setattr(search, "CAP", 0)
        for page in pages:  # broad: more than CAP
            assert browser.get(page).status_code == 200, page
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    walks = [s for s, _ in seen if ("instr(" in s or "strpos(" in s)]
    assert len(walks) == (5 if db.dialect == "sqlite" else 0)  # SQLite: the broad path; PostgreSQL: its planner
    bad: dict[str, list[str]] = {}
    for statement, params in seen:
        # the table the page lists (a participant's person is a lookup by key: on a few rows PostgreSQL
        # rightly joins it by reading its primary key whole, which says nothing of a big organisation)
        table = ("person",) if re.search(r"FROM person\b", statement) else ("participation",)
        if found := _page_cost(db, statement, params, table):
            bad[statement] = found
    assert bad == {}, f"a search that reads its matches or the organisation: {bad}"


def _page_cost(db: Any, statement: str, parameters: Any, watched: tuple[str, ...]) -> list[str]:
    """What makes a page of the people tables cost more than a page: a read of the whole table; a read of
    the organisation's rows to be sorted (SQLite: a temporary B-tree for ORDER BY above an organisation-wide
    search; PostgreSQL: a Sort above an organisation-only scan); and, when the trigram index is in the
    query, a walk of the organisation instead of it."""
    names = "|".join(watched)
    through_index = "_fts MATCH" in statement or " LIKE " in statement
    with db.engine.connect() as conn:
        if db.dialect == "sqlite":
            plan = [r[3] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()]
            org_wide = [d for d in plan if re.match(rf"SEARCH ({names}) .*\((org_id=\?)( AND visibility=\?)?\)$", d)]
            out = [d for d in plan if re.match(rf"SCAN ({names})\b", d)]
            if org_wide and (through_index or any("TEMP B-TREE FOR ORDER BY" in d for d in plan)):
                out += org_wide
            return out
        conn.exec_driver_sql("SET enable_seqscan = off")
        raw = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar_one()
        tree = raw if isinstance(raw, list) else json.loads(raw)
        out: list[str] = []

        def walk(node: dict[str, Any], sorted_above: bool) -> None:
            kind = node["Node Type"]
            if node.get("Relation Name") in watched:
                cond = node.get("Index Cond", "")
                org_only = re.fullmatch(r"\(+org_id = [^)]*\)+( AND \(+visibility = [^)]*\)+)?\)?", cond) is not None
                if kind == "Seq Scan" or (kind in ("Index Scan", "Index Only Scan") and not cond):
                    out.append(f"{kind} on {node['Relation Name']}")
                elif org_only and (sorted_above or through_index):
                    out.append(f"{kind} of the organisation on {node['Relation Name']} ({cond})")
            for child in node.get("Plans", []):
                walk(child, sorted_above or kind in ("Sort", "Incremental Sort"))

        walk(tree[0]["Plan"], False)
        conn.rollback()
        return out
