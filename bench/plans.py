"""The query plans of every HR page's SELECTs on a database built by bench.hr_pages (1M people), as the
database chose them with its statistics: SQLite ``EXPLAIN QUERY PLAN``, PostgreSQL ``EXPLAIN``.

    .venv/bin/python -m bench.plans sqlite:///var/bench-1m.sqlite3
"""

from __future__ import annotations

import sys
import uuid
from typing import Any

from sqlalchemy import event, text

from app.config import Settings
from app.db import Database
from app.main import create_app
from app.models import utcnow
from app.services import accounts
from bench.hr_pages import PASSWORD
from tests.app.conftest import Browser


def main() -> None:
    url = sys.argv[1]
    db = Database(url)
    with db.read() as session:
        org_id = session.execute(text("SELECT id FROM organisation WHERE name = 'Bench'")).one()[0]
        query = text("SELECT id FROM cohort WHERE org_id = :org ORDER BY created_at DESC LIMIT 1")
        cohort = session.execute(query, {"org": org_id}).one()[0]
    invited = accounts.invite(db, org_id, f"plans-{uuid.uuid4().hex[:6]}@bench.test", "analyst", utcnow(), by="bench")
    accounts.set_password(db, invited.token, PASSWORD, utcnow())
    app = create_app(Settings(database_url=url))
    browser = Browser(app)
    assert browser.post("/hr/login", {"email": invited.user.email, "password": PASSWORD}).status_code == 303
    seen: list[tuple[str, str, Any]] = []
    page = ""

    def capture(_c: Any, _cur: Any, statement: str, parameters: Any, _ctx: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "participation" in statement:
            seen.append((page, statement, parameters))

    engine = app.state.db.engine
    event.listen(engine, "before_cursor_execute", capture)
    for page in ("/hr", f"/hr/cohorts/{cohort}", "/hr/dashboard", "/hr/dashboard?department=Sales&role=pm",
                 f"/hr/cohorts/{cohort}/export.csv"):  # fmt: skip
        assert browser.get(page).status_code == 200
    event.remove(engine, "before_cursor_execute", capture)
    with engine.connect() as conn:
        for where, statement, params in seen:
            first = " ".join(statement.split())[:150]
            print(f"\n### {where}\n`{first}...`\n```")
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
