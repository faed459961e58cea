"""CPU per answer save, in process: the quiz's answer POST (CSRF token, htmx, row upserted, next question's
fragment rendered) sent straight to the ASGI app, with no server, socket or HTTP parser in between, so
what is measured is the app's own work per request. CPU time (``time.process_time``) rather than wall time,
so that a shared machine's load changes the figure less; the median of ``--repeats`` batches.

    .venv/bin/python -m bench.answer_cpu [--requests 2000] [--repeats 5] [--profile 30]

``--profile N``: one more batch under cProfile, its N most expensive functions (by own time). To measure
another checkout with the same script: ``PYTHONPATH=DIR .venv/bin/python bench/answer_cpu.py`` (run as a
file, ``app`` comes from DIR).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: not bench/ first (bench/http.py would hide the standard http)
    sys.path.pop(0)
    sys.path.append(str(Path(__file__).resolve().parent.parent))  # after PYTHONPATH: its app comes first

from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.services.quiz import question_order
from bench.common import database

SESSIONS = 16
BASE = "http://testserver"


def sessions(app: Any, n: int) -> list[dict[str, str]]:
    """``n`` quizzes started the way a browser starts one: their cookies and CSRF tokens."""
    out = []
    for _ in range(n):
        client = TestClient(app, base_url=BASE, follow_redirects=False)
        client.get("/")
        csrf = client.cookies["rolefit_csrf"]
        res = client.post(
            "/start", data={"csrf_token": csrf, "lang": "en", "current_role": "pm"}, headers={"Origin": BASE}
        )
        assert res.status_code == 303, res.text
        out.append({"cookie": "; ".join(f"{k}={v}" for k, v in client.cookies.items()), "csrf": csrf})
    return out


def requests(app: Any, people: list[dict[str, str]], count: int) -> list[tuple[dict[str, Any], bytes]]:
    bank = app.state.bank
    likert = [(n, i) for n, i in enumerate(question_order(bank), start=1) if bank.item(i).kind == "likert"]
    out = []
    for k in range(count):
        person, (number, item) = people[k % len(people)], likert[(k // len(people)) % len(likert)]
        body = f"csrf_token={person['csrf']}&item_id={item}&value={k % 5 + 1}".encode()
        headers = [
            (b"host", b"testserver"),
            (b"cookie", person["cookie"].encode()),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", str(len(body)).encode()),
            (b"hx-request", b"true"),
            (b"origin", BASE.encode()),
            (b"x-csrf-token", person["csrf"].encode()),
        ]
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
            "path": f"/quiz/{number}", "raw_path": f"/quiz/{number}".encode(), "query_string": b"", "root_path": "",
            "headers": headers, "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
        }  # fmt: skip
        out.append((scope, body))
    return out


async def batch(app: Any, prepared: list[tuple[dict[str, Any], bytes]]) -> tuple[float, float]:
    """CPU and wall seconds for the batch; every answer must come back 200."""
    statuses: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    c0, t0 = time.process_time(), time.perf_counter()
    for scope, body in prepared:

        async def receive(body: bytes = body) -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        await app(dict(scope, state={}), receive, send)
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    bad = [s for s in statuses if s != 200]
    assert not bad and len(statuses) == len(prepared), f"{len(bad)} answers refused: {bad[:5]}"
    return cpu, wall


async def measure(
    app: Any, prepared: list[tuple[dict[str, Any], bytes]], repeats: int, top: int, sort: str = "tottime"
) -> dict[str, Any]:
    async with app.router.lifespan_context(app):
        await batch(app, prepared[:200])  # warm: templates compiled, statements cached
        runs = [await batch(app, prepared) for _ in range(repeats)]
        profile = ""
        if top:
            profiler = cProfile.Profile()
            profiler.enable()
            await batch(app, prepared)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(sort).print_stats(top)
            profile = out.getvalue()
    per = [cpu / len(prepared) * 1e6 for cpu, _ in runs]
    wall = [w / len(prepared) * 1e6 for _, w in runs]
    return {
        "cpu_us_per_answer": {"median": round(statistics.median(per), 1), "range": [round(min(per), 1), round(max(per), 1)]},
        "wall_us_per_answer": {"median": round(statistics.median(wall), 1), "range": [round(min(wall), 1), round(max(wall), 1)]},
        "profile": profile,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, database("sqlite", Path(tmp)) as url:
        app = create_app(Settings(database_url=url))
        prepared = requests(app, sessions(app, SESSIONS), args.requests)
        result = asyncio.run(measure(app, prepared, args.repeats, args.profile))
        app.state.db.dispose()
    profile = result.pop("profile")
    report = {"benchmark": "answer save, CPU per request in process (SQLite)", "requests": args.requests}
    report |= {"repeats": args.repeats, "load_average": os.getloadavg(), **result}
    print(json.dumps(report))
    if profile:
        print(profile)


if __name__ == "__main__":
    main()
