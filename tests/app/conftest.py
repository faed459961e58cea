"""App fixtures: a fresh, migrated database per test (SQLite file, and PostgreSQL when available)."""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from app.config import Settings
from app.db import Database
from app.main import create_app
from app.migrate import upgrade
from app.security import CSRF_COOKIE, CSRF_FIELD

PG_ENV = "ROLEFIT_TEST_POSTGRES_URL"
REQUIRE_ENV = "ROLEFIT_REQUIRE_SERVICES"


def skip_or_fail(reason: str) -> None:
    """Skip a test whose service is absent; in CI (ROLEFIT_REQUIRE_SERVICES=1) fail instead."""
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason} (required: {REQUIRE_ENV}=1)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    db = Database(f"sqlite:///{path}")
    upgrade(db.engine)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[tuple[str, str] | None]:
    base = os.environ.get(PG_ENV)
    if not base:
        yield None
        return
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"rolefit_tpl_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = re.sub(r"/[^/]*$", f"/{name}", base)
    db = Database(url)
    upgrade(db.engine)
    db.dispose()
    yield base, name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    if request.param == "sqlite":
        target = tmp_path / "rolefit.sqlite3"
        shutil.copy(sqlite_template, target)
        yield f"sqlite:///{target}"
        return
    template = request.getfixturevalue("pg_template")
    if template is None:
        skip_or_fail(f"PostgreSQL not available: set {PG_ENV} (scripts/postgres.sh prints one)")
    base, tpl = template
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"rolefit_t_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{tpl}"'))
    yield re.sub(r"/[^/]*$", f"/{name}", base)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url)


@pytest.fixture
def app(settings: Settings) -> Iterator[Any]:
    application = create_app(settings)
    yield application
    application.state.db.dispose()


class Browser:
    """A TestClient that behaves like a browser: cookies, CSRF token in forms, same-origin header."""

    def __init__(self, app: Any, lang: str = "en") -> None:
        self.client = TestClient(app, base_url="http://testserver", follow_redirects=False)
        self.client.headers["accept-language"] = lang

    def get(self, path: str, *, htmx: bool = False, **kw: Any) -> Any:
        headers = {"HX-Request": "true"} if htmx else {}
        return self.client.get(path, headers=headers | kw.pop("headers", {}), **kw)

    def csrf(self) -> str:
        token = self.client.cookies.get(CSRF_COOKIE)
        if token is None:
            self.get("/")
            token = self.client.cookies.get(CSRF_COOKIE)
        assert token
        return str(token)

    def post(
        self, path: str, data: dict[str, Any] | None = None, *, htmx: bool = False, csrf: bool = True, **kw: Any
    ) -> Any:
        form = dict(data or {})
        headers = {"Origin": "http://testserver"}
        if csrf:
            if htmx:
                headers["X-CSRF-Token"] = self.csrf()
            else:
                form[CSRF_FIELD] = self.csrf()
        if htmx:
            headers["HX-Request"] = "true"
        return self.client.post(path, data=form, headers=headers | kw.pop("headers", {}), **kw)


@pytest.fixture
def browser(app: Any) -> Browser:
    return Browser(app)
