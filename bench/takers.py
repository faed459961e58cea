"""Quiz takers: N simulated people at once, each loading the quiz, answering every item with compressed
think times, and reading the result; bounded in time. Counts answer rows against acknowledged answers.

    .venv/bin/python -m bench.takers [--users 100] [--seconds 60] [--workers 2]

The load generator is Python (httpx, asyncio) rather than wrk because each person is a stateful session
(cookies, CSRF token, question by question); it runs on the same two cores as the server, which it slows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from app.services.quiz import question_order
from bench.common import ROOT, database, server
from scoring import load_bank
from tests.e2e.journeys import value_for


async def person(base: str, rng: random.Random, deadline: float, stats: dict[str, Any]) -> None:
    bank = load_bank(ROOT / "questions")
    order = question_order(bank)
    while time.monotonic() < deadline:
        async with httpx.AsyncClient(base_url=base, follow_redirects=False, timeout=10) as c:

            async def call(method: str, url: str, **kw: Any) -> httpx.Response | None:
                t0 = time.perf_counter()
                try:
                    r = await c.request(method, url, **kw)
                except httpx.HTTPError:
                    stats["errors"] += 1
                    return None
                stats["latency"].append(time.perf_counter() - t0)
                if r.status_code >= 400:
                    stats["errors"] += 1
                return r

            if await call("GET", "/") is None:
                continue
            csrf = c.cookies["rolefit_csrf"]
            h = {"Origin": base, "HX-Request": "true", "X-CSRF-Token": csrf}
            r = await call(
                "POST",
                "/start",
                data={"csrf_token": csrf, "lang": rng.choice(["en", "zh-Hans", "vi"]), "current_role": "pm"},
                headers={"Origin": base},
            )
            if r is None or r.status_code != 303:
                continue
            aid = c.cookies["rolefit_quiz"].split(":")[0]
            await call("GET", "/quiz/1")
            lean = rng.choice(["am", "pm"])
            for n, item_id in enumerate(order, start=1):
                if time.monotonic() > deadline:
                    return
                await asyncio.sleep(rng.uniform(0.1, 0.4))  # think time, compressed
                r = await call(
                    "POST",
                    f"/quiz/{n}",
                    data={"item_id": item_id, "value": value_for(bank.item(item_id), lean, n)},
                    headers=h,
                )
                if r is not None and r.status_code == 200:
                    stats["acked"].add((aid, item_id))
            r = await call("POST", "/quiz/finish", headers=h)
            if r is not None and r.status_code == 204:
                await call("GET", r.headers["hx-redirect"])
                stats["finished"] += 1


async def load(base: str, users: int, seconds: int) -> dict[str, Any]:
    stats: dict[str, Any] = {"latency": [], "errors": 0, "acked": set(), "finished": 0}
    deadline = time.monotonic() + seconds
    rng = random.Random(11)
    await asyncio.gather(*(person(base, random.Random(rng.random()), deadline, stats) for _ in range(users)))
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, database("sqlite", Path(tmp)) as url:
        with server("app.main:create_app", args.workers, {"ROLEFIT_DATABASE_URL": url}, factory=True) as (base, _):
            stats = asyncio.run(load(base, args.users, args.seconds))
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        rows = set(conn.execute("SELECT assessment_id, item_id FROM answer"))
        conn.close()
    lat = sorted(stats["latency"])
    report = {
        "benchmark": f"{args.users} quiz takers for {args.seconds} s ({args.workers} workers, SQLite)",
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cpu",
        "requests": len(lat),
        "requests_per_s": round(len(lat) / args.seconds, 1),
        "p50_ms": round(statistics.median(lat) * 1000, 1),
        "p95_ms": round(lat[int(len(lat) * 0.95) - 1] * 1000, 1),
        "p99_ms": round(lat[int(len(lat) * 0.99) - 1] * 1000, 1),
        "errors": stats["errors"],
        "answers_acknowledged": len(stats["acked"]),
        "answers_lost": len(stats["acked"] - rows),
        "quizzes_finished": stats["finished"],
    }
    report["goals_met"] = report["errors"] == 0 and report["answers_lost"] == 0 and report["p95_ms"] < 100
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
