"""Shared pieces of the HTTP benchmarks: a uvicorn server in a subprocess, fresh databases, wrk."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from app import serving

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def database(kind: str, tmp: Path) -> Iterator[str]:
    """A fresh, migrated database: ``sqlite`` (a file in ``tmp``) or ``postgresql`` (ROLEFIT_BENCH_POSTGRES_URL)."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp / f'bench-{uuid.uuid4().hex[:6]}.sqlite3'}"
        subprocess.run(
            [PY, "-m", "app.cli", "db", "upgrade"],
            env={**os.environ, "ROLEFIT_DATABASE_URL": url},
            check=True,
            cwd=ROOT,
            capture_output=True,
        )
        yield url
        return
    base = os.environ.get("ROLEFIT_BENCH_POSTGRES_URL")
    if not base:
        raise RuntimeError("set ROLEFIT_BENCH_POSTGRES_URL (scripts/postgres.sh prints one)")
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"rolefit_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = re.sub(r"/[^/]*$", f"/{name}", base)
    subprocess.run(
        [PY, "-m", "app.cli", "db", "upgrade"],
        env={**os.environ, "ROLEFIT_DATABASE_URL": url},
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def server(
    target: str, workers: int, env: dict[str, str] | None = None, factory: bool = False, loop: str = serving.LOOP
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The app (``factory``) exactly as a user starts it, ``rolefit serve`` (its own loop, HTTP parser and
    access-log setting), or TARGET (the ceiling) with uvicorn's same options, on 127.0.0.1 with
    ``workers`` processes (``loop="uvloop"``: uvicorn's default instead, for the comparison in RESULTS.md)."""
    port = free_port()
    if factory and loop == serving.LOOP:
        cmd = [str(Path(PY).parent / "rolefit"), "serve", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers)]  # fmt: skip
    else:
        cmd = [PY, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
               "--log-level", "warning", "--no-access-log"]  # fmt: skip
        cmd += ["--loop", "asyncio", "--http", serving.HTTP] if loop == serving.LOOP else ["--loop", "uvloop"]
        if factory:
            cmd.append("--factory")
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **(env or {})}, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(base + ("/healthz" if factory else "/"), timeout=1).status_code in (200, 503):
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            raise RuntimeError(f"server did not start: {cmd}")
        time.sleep(0.1)
    time.sleep(0.5 * workers)  # let every worker finish starting
    try:
        yield base, proc
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server started in its own session: SIGTERM to its process group, SIGKILL after 15 s."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def wrk_rotation(sessions: list[str], steps: list[str], build: list[str]) -> str:
    """A wrk Lua script that sends, in turn, one request per (session, step): ``sessions`` and ``steps`` are
    Lua table rows, ``build`` the Lua lines that make request ``k`` from ``s`` (a session) and ``st`` (a
    step) into ``requests[k + 1]``. Every request is formatted once, in init: wrk's Lua then only picks
    the next one, so the load generator spends its share of the two cores on sending, not on strings."""
    lines = ["local sessions = {", *sessions, "}", "local steps = {", *steps, "}", "local requests = {}"]
    lines += [
        "init = function(args)",
        "  for k = 0, #sessions * #steps - 1 do",
        "    local s = sessions[(k % #sessions) + 1]",
        "    local st = steps[(math.floor(k / #sessions) % #steps) + 1]",
        *build,
        "  end",
        "end",
        "local counter = 0",
        "request = function()",
        "  counter = counter + 1",
        "  return requests[(counter % #requests) + 1]",
        "end",
    ]
    return "\n".join(lines) + "\n"


def wrk(url: str, *, connections: int = 64, seconds: int = 10, script: Path | None = None) -> dict[str, Any]:
    """Run wrk (2 threads) and parse req/s, latency percentiles and errors."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if script is not None:
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True, timeout=seconds + 60).stdout

    def ms(label: str) -> float | None:
        m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return None
        value, unit = float(m.group(1)), m.group(2)
        return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 2)

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(int(x) for x in sock.groups()) if sock else 0)
    return {"rps": round(rps, 1), "requests": total, "p50_ms": ms("50"), "p99_ms": ms("99"), "errors": errors}
