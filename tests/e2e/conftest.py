"""End-to-end fixtures: a live uvicorn server per test module and Debian's Chromium via Playwright."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.app.conftest import skip_or_fail
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, live_server

ARTEFACTS = Path(os.environ.get("ROLEFIT_E2E_ARTEFACTS", "var/e2e-artefacts"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not Path(CHROMIUM).exists():
        skip_or_fail(f"Chromium not installed at {CHROMIUM} (scripts/system-deps.sh installs it)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def live_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("ROLEFIT_TEST_POSTGRES_URL") if os.environ.get("ROLEFIT_E2E_DB") == "postgresql" else None
    with live_server(database_url=url, tmp=tmp_path_factory.mktemp("e2e")) as base:
        yield base


@pytest.fixture(scope="session")
def base_url(live_url: str) -> str:
    return live_url


@pytest.fixture(autouse=True)
def _screenshot_on_failure(request: pytest.FixtureRequest) -> Iterator[None]:
    # ask for the page first, so that it is torn down after this fixture has used it
    page = request.getfixturevalue("page") if "page" in request.fixturenames else None
    yield
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed and page is not None:
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        name = request.node.nodeid.replace("/", "_").replace(":", "_")[-150:]
        page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"rep_{report.when}", report)


def pytest_sessionstart(session: pytest.Session) -> None:
    if ARTEFACTS.exists():
        shutil.rmtree(ARTEFACTS, ignore_errors=True)
