"""Quiz takers: N simulated people at once, each loading the quiz, answering every item with compressed
think times, and reading the result; bounded in time. Counts stored answers (rows or packed) against
acknowledged answers.

    .venv/bin/python -m bench.takers [--users 100] [--seconds 60] [--workers 2]

The load generator is Python (asyncio streams, a small keep-alive HTTP/1.1 client) rather than wrk because
each person is a stateful session (cookies, CSRF token, question by question); it runs in two processes on
the same two cores as the server, which it slows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import random
import statistics
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select
from sqlmodel import col

from app.db import Database
from app.models import Assessment
from app.services import answer_pack
from app.services.quiz import question_order
from bench.common import ROOT, database, server
from scoring import load_bank
from tests.e2e.journeys import value_for


class Browser:
    """One person's keep-alive HTTP/1.1 connection with a cookie jar: a few lines over asyncio streams.

    Not httpx: measured here, httpx spent about 3 ms of CPU per request on the same two cores as the
    server (a whole core at this load), which slowed the server and added its own queueing to every
    latency it measured. This client spends a small fraction of that.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.origin = f"http://{host}:{port}"
        self.cookies: dict[str, str] = {}
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(
        self, method: str, path: str, form: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        body = urlencode(form).encode() if form is not None else b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if form is not None:
            lines.append("Content-Type: application/x-www-form-urlencoded")
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()] + [f"Content-Length: {len(body)}"]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        got: dict[str, str] = {}
        for line in head[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                name, value = name.strip().lower(), value.strip()
                if name == "set-cookie":
                    pair = value.split(";", 1)[0]
                    self.cookies[pair.split("=", 1)[0]] = pair.split("=", 1)[1]
                else:
                    got[name] = value
        if "chunked" in got.get("transfer-encoding", ""):
            raise RuntimeError("chunked responses are not expected from these routes")
        content = await reader.readexactly(int(got.get("content-length", "0")))
        return status, got, content

    async def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


async def timed(
    browser: Browser, stats: dict[str, Any], method: str, url: str, kind: str, **kw: Any
) -> tuple[int, dict[str, str], bytes] | None:
    """One request, its latency recorded under ``kind``; None (an error counted) when it failed."""
    t0 = time.perf_counter()
    try:
        r = await asyncio.wait_for(browser.request(method, url, **kw), timeout=10)
    except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
        stats["errors"] += 1
        await browser.close()
        return None
    stats["latency"].append(time.perf_counter() - t0)
    stats["by_kind"].setdefault(kind, []).append(time.perf_counter() - t0)
    if r[0] >= 400:
        stats["errors"] += 1
    return r


async def person(base: str, rng: random.Random, deadline: float, ramp: float, stats: dict[str, Any]) -> None:
    bank = load_bank(ROOT / "questions")
    order = question_order(bank)
    host, port = base.removeprefix("http://").split(":")
    await asyncio.sleep(rng.uniform(0, ramp))  # people arrive over the first seconds, not all in one instant
    while time.monotonic() < deadline:
        browser = Browser(host, int(port))
        call = partial(timed, browser, stats)
        try:
            if await call("GET", "/", "landing") is None:
                continue
            await asyncio.sleep(rng.uniform(0.5, 2))  # reading the landing page, compressed
            csrf = browser.cookies["rolefit_csrf"]
            h = {"Origin": base, "HX-Request": "true", "X-CSRF-Token": csrf}
            lang = rng.choice(["en", "zh-Hans", "vi"])
            r = await call(
                "POST", "/start", "start", form={"csrf_token": csrf, "lang": lang, "current_role": "pm"},
                headers={"Origin": base},
            )  # fmt: skip
            if r is None or r[0] != 303:
                continue
            aid = browser.cookies["rolefit_quiz"].split(":")[0]
            await call("GET", "/quiz/1", "question page")
            lean = rng.choice(["am", "pm"])
            for n, item_id in enumerate(order, start=1):
                if time.monotonic() > deadline:
                    return
                await asyncio.sleep(rng.uniform(0.1, 0.4))  # think time, compressed
                form = {"item_id": item_id, "value": value_for(bank.item(item_id), lean, n)}
                r = await call("POST", f"/quiz/{n}", "answer", form=form, headers=h)
                if r is not None and r[0] == 200:
                    stats["acked"].add((aid, item_id))
            r = await call("POST", "/quiz/finish", "finish", form={}, headers=h)
            if r is not None and r[0] == 204:
                await call("GET", r[1]["hx-redirect"], "result page")
                stats["finished"] += 1
        finally:
            await browser.close()


async def load(base: str, users: int, seconds: int, ramp: float, seed: int) -> dict[str, Any]:
    stats: dict[str, Any] = {"latency": [], "by_kind": {}, "errors": 0, "acked": set(), "finished": 0}
    deadline = time.monotonic() + seconds
    rng = random.Random(seed)
    await asyncio.gather(*(person(base, random.Random(rng.random()), deadline, ramp, stats) for _ in range(users)))
    return stats


def load_in_process(job: tuple[str, int, int, float, int]) -> dict[str, Any]:
    cpu = time.process_time()
    out = asyncio.run(load(*job))
    out["generator_cpu_s"] = time.process_time() - cpu
    return out


def load_in_processes(base: str, users: int, seconds: int, ramp: float, processes: int) -> dict[str, Any]:
    """The people split over several generator processes, so that no generator loop is so busy that
    its own queueing shows up in the latencies it measures."""
    shares = [users // processes + (1 if k < users % processes else 0) for k in range(processes)]
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        parts = pool.map(load_in_process, [(base, n, seconds, ramp, 11 + k) for k, n in enumerate(shares)])
    stats: dict[str, Any] = {"latency": [], "by_kind": {}, "errors": 0, "acked": set(), "finished": 0}
    for part in parts:
        stats["latency"] += part["latency"]
        stats["errors"] += part["errors"]
        stats["acked"] |= part["acked"]
        stats["finished"] += part["finished"]
        stats["generator_cpu_s"] = stats.get("generator_cpu_s", 0) + part["generator_cpu_s"]
        for kind, values in part["by_kind"].items():
            stats["by_kind"].setdefault(kind, []).extend(values)
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--ramp", type=float, default=10, help="seconds over which the people arrive")
    parser.add_argument("--processes", type=int, default=2, help="load generator processes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, database("sqlite", Path(tmp)) as url:
        with server("app.main:create_app", args.workers, {"ROLEFIT_DATABASE_URL": url}, factory=True) as (base, _):
            stats = load_in_processes(base, args.users, args.seconds, args.ramp, args.processes)
        db = Database(url)  # every stored answer, as rows (in progress) or packed (finished)
        with db.read() as session:
            stored = answer_pack.read(session, select(col(Assessment.id)))
        rows = {(aid, a.item_id) for aid, answers in stored.items() for a in answers}
        db.dispose()
    lat = sorted(stats["latency"])
    report = {
        "benchmark": f"{args.users} quiz takers for {args.seconds} s, arriving over the first {args.ramp:g} s"
        f" ({args.workers} workers, SQLite)",
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
        "by_kind": {
            kind: {
                "n": len(v),
                "p50_ms": round(statistics.median(v) * 1000, 1),
                "p95_ms": round(sorted(v)[int(len(v) * 0.95) - 1] * 1000, 1),
            }
            for kind, v in stats["by_kind"].items()
        },
    }
    report["goals_met"] = report["errors"] == 0 and report["answers_lost"] == 0 and report["p95_ms"] < 100
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
