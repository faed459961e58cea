"""A real uvicorn server on 127.0.0.1 in a background thread, and Debian's Chromium for Playwright."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from app import serving
from app.config import Settings
from app.db import Database
from app.main import create_app
from app.migrate import upgrade

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_CURRENT: list[object] = []


def live_app() -> Any:
    """The app behind the running live server (for tests that set up data through services)."""
    return _CURRENT[-1]


@contextmanager
def live_server(
    database_url: str | None = None, tmp: Path | None = None, port: int | None = None, **settings: object
) -> Iterator[str]:
    """Serve a freshly migrated database; yield the base URL. ``port``: a given one (e.g. to set
    ``base_url`` to match it beforehand); by default a free one."""
    if database_url is None:
        assert tmp is not None
        database_url = f"sqlite:///{tmp / 'e2e.sqlite3'}"
    db = Database(database_url)
    upgrade(db.engine)
    db.dispose()
    app = create_app(Settings(database_url=database_url, **settings))  # type: ignore[arg-type]
    _CURRENT.append(app)
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", loop=serving.LOOP, http=serving.HTTP)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("live server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.state.db.dispose()
        _CURRENT.remove(app)  # a module's own server ends: live_app() is the session's server's app again
