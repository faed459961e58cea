"""The people search on PostgreSQL when ``pg_trgm`` cannot be created: the app runs as a real role that is
neither a superuser nor the database's owner and has no CREATE on the database, so ``CREATE EXTENSION
pg_trgm`` (a trusted extension) is refused. The migrations say so in the log and go on; each worker of the
app says so at start-up; the search gives the same rows without the index (docs/deploy.md).

The role is made by the test (the test server's ``rolefit`` role has CREATEROLE: scripts/postgres.sh)."""

from __future__ import annotations

import logging
import os
import re
import secrets
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from app import search
from app.config import Settings
from app.db import Database
from app.main import create_app
from app.migrate import upgrade
from tests.app.conftest import PG_ENV, skip_or_fail
from tests.app.test_hr import signed_in
from tests.app.test_people_search import found, org  # noqa: F401  (org: the people of the search tests)

MIGRATION_LOG: list[str] = []


class Collect(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        MIGRATION_LOG.append(record.getMessage())


@pytest.fixture
def settings() -> Iterator[Settings]:
    """A database owned by ``rolefit`` that a new role without CREATE on it migrates and then uses."""
    base = os.environ.get(PG_ENV)
    if not base:
        skip_or_fail(f"PostgreSQL not available: set {PG_ENV} (scripts/postgres.sh prints one)")
        return
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    suffix = uuid.uuid4().hex[:10]
    name, role, password = f"rolefit_nt_{suffix}", f"rolefit_app_{suffix}", secrets.token_hex(16)
    with admin.connect() as conn:
        may = conn.execute(text("SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user"))
        if not may.scalar_one():
            admin.dispose()
            skip_or_fail("the test role may not create roles: run scripts/postgres.sh again (ALTER ROLE CREATEROLE)")
        conn.execute(text(f"CREATE ROLE \"{role}\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{password}'"))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    owner_url = re.sub(r"/[^/]*$", f"/{name}", base)
    owner = create_engine(owner_url, isolation_level="AUTOCOMMIT")
    with owner.connect() as conn:  # its own tables in the public schema, nothing more
        conn.execute(text(f'GRANT USAGE, CREATE ON SCHEMA public TO "{role}"'))
    owner.dispose()
    url = re.sub(r"//[^@/]*@", f"//{role}:{password}@", owner_url)
    db = Database(url)
    handler = Collect(logging.WARNING)
    migration_log = logging.getLogger("alembic.runtime.migration")
    migration_log.addHandler(handler)
    MIGRATION_LOG.clear()
    try:
        upgrade(db.engine)
    finally:
        migration_log.removeHandler(handler)
        db.dispose()
    try:
        yield Settings(database_url=url)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


def test_without_pg_trgm_the_app_says_so_and_searches_the_same(
    app: Any,
    org: tuple[str, str, dict[str, str]],  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    db: Database = app.state.db
    # the migration was refused the extension, said why and what to do, and went on to the head
    [warned] = [m for m in MIGRATION_LOG if "pg_trgm could not be created" in m]
    assert "permission denied" in warned and "CREATE EXTENSION pg_trgm" in warned
    assert "CREATE INDEX ix_participation_search" in warned and "downgrade" not in warned  # no data lost to add it
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")).scalar_one() == 0
        assert conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar_one() is False
    assert not search.indexed(db)

    # each worker of the app says so when it starts
    with caplog.at_level(logging.WARNING, logger="app.search"), TestClient(app):
        pass
    assert "people search without the pg_trgm index" in caplog.text and "docs/deploy.md" in caplog.text

    # the same rows as with the index (tests/app/test_people_search.py), through the service and the page
    org_id, email, _ = org
    assert found(app, org_id, "nguyen") == {"Nguyễn Văn An", "Nguyen Van Binh"}
    assert found(app, org_id, "王小明") == {"王小明"}
    assert found(app, org_id, "LI.MINGHUA@") == {"李明华"}
    assert found(app, org_id, "%_%") == set()
    page = signed_in(app, email).get("/hr/participants?q=nguyen")
    assert page.status_code == 200
    assert "Nguyễn Văn An" in page.text and "Nguyen Van Binh" in page.text and "Aggregate Nguyen" not in page.text


def test_with_the_index_the_app_says_nothing(db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """The usual test databases: SQLite (FTS5), and PostgreSQL where ``rolefit`` owns the database (the
    trusted extension was created): nothing to say."""
    app = create_app(Settings(database_url=db_url))
    try:
        with caplog.at_level(logging.WARNING, logger="app.search"), TestClient(app):
            pass
        assert search.indexed(app.state.db) and "pg_trgm" not in caplog.text
    finally:
        app.state.db.dispose()
