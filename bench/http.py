"""Answer-save throughput against the bare ASGI ceiling, measured with wrk in the same run.

For each worker count (1, 2) and database (SQLite; PostgreSQL when ROLEFIT_BENCH_POSTGRES_URL is set):
the ceiling (bench/ceiling.py under uvicorn), then the real answer POST: CSRF token, htmx request,
row upserted, next-question fragment rendered, from 64 prepared quiz sessions.

    .venv/bin/python -m bench.http [--seconds 10] [--dbs sqlite postgresql]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
from pathlib import Path
from typing import Any

import httpx

from app.services.quiz import question_order
from bench.common import ROOT, database, server, wrk
from scoring import load_bank

SESSIONS = 64


def prepare_sessions(base: str, n: int) -> list[dict[str, str]]:
    out = []
    for _ in range(n):
        with httpx.Client(base_url=base, follow_redirects=False) as c:
            c.get("/")
            csrf = c.cookies["rolefit_csrf"]
            res = c.post(
                "/start", data={"csrf_token": csrf, "lang": "en", "current_role": "pm"}, headers={"Origin": base}
            )
            assert res.status_code == 303, res.text
            cookie = "; ".join(f"{k}={v}" for k, v in c.cookies.items())
            out.append({"cookie": cookie, "csrf": csrf})
    return out


def lua_script(path: Path, base: str, sessions: list[dict[str, str]]) -> None:
    bank = load_bank(ROOT / "questions")
    likert = [(n, i) for n, i in enumerate(question_order(bank), start=1) if bank.item(i).kind == "likert"]
    lines = ["local sessions = {"]
    lines += [f'  {{cookie = "{s["cookie"]}", csrf = "{s["csrf"]}"}},' for s in sessions]
    lines += ["}", "local items = {"]
    lines += [f'  {{n = {n}, id = "{i}"}},' for n, i in likert]
    # every request is formatted once, in init: wrk's Lua then only picks the next one, so the load
    # generator spends its share of the two cores on sending, not on building strings
    lines += [
        "}",
        "local requests = {}",
        "init = function(args)",
        "  for k = 0, #sessions * #items - 1 do",
        "    local s = sessions[(k % #sessions) + 1]",
        "    local it = items[(math.floor(k / #sessions) % #items) + 1]",
        "    local body = 'csrf_token=' .. s.csrf .. '&item_id=' .. it.id .. '&value=' .. ((k % 5) + 1)",
        "    local headers = {",
        "      ['Cookie'] = s.cookie,",
        "      ['Content-Type'] = 'application/x-www-form-urlencoded',",
        "      ['HX-Request'] = 'true',",
        f"      ['Origin'] = '{base}',",
        "      ['X-CSRF-Token'] = s.csrf,",
        "    }",
        "    requests[k + 1] = wrk.format('POST', '/quiz/' .. it.n, headers, body)",
        "  end",
        "end",
        "local counter = 0",
        "request = function()",
        "  counter = counter + 1",
        "  return requests[(counter % #requests) + 1]",
        "end",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument(
        "--dbs",
        nargs="+",
        default=["sqlite", "postgresql"] if os.environ.get("ROLEFIT_BENCH_POSTGRES_URL") else ["sqlite"],
    )
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--loop",
        choices=["asyncio", "uvloop"],
        default="asyncio",
        help="asyncio: as `rolefit serve`; uvloop: to compare",
    )
    args = parser.parse_args()
    report: dict[str, Any] = {
        "benchmark": "answer save vs bare ASGI ceiling (wrk, 64 connections, 2 threads)",
        "seconds": args.seconds,
        "event_loop": args.loop,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cpu",
        "runs": [],
    }
    with tempfile.TemporaryDirectory() as tmp:
        for workers in args.workers:
            with server("bench.ceiling:app", workers, loop=args.loop) as (base, _):
                ceiling = wrk(base + "/", seconds=args.seconds)
            for db in args.dbs:
                with (
                    database(db, Path(tmp)) as url,
                    server(
                        "app.main:create_app", workers, {"ROLEFIT_DATABASE_URL": url}, factory=True, loop=args.loop
                    ) as (
                        base,
                        _,
                    ),
                ):
                    sessions = prepare_sessions(base, SESSIONS)
                    script = Path(tmp) / "answer.lua"
                    lua_script(script, base, sessions)
                    saved = wrk(base + "/", seconds=args.seconds, script=script)
                report["runs"].append(
                    {
                        "workers": workers,
                        "db": db,
                        "ceiling": ceiling,
                        "answer_save": saved,
                        "ratio_to_ceiling": round(saved["rps"] / ceiling["rps"], 4),
                        "goals_met": saved["rps"] / ceiling["rps"] >= 0.04
                        and (saved["p99_ms"] or 1e9) < 50
                        and saved["errors"] == 0
                        if workers == 2
                        else None,
                    }
                )
    print(json.dumps(report, indent=2))
    print()
    print(
        f"{'workers':>7} {'db':>10} {'ceiling r/s':>12} {'save r/s':>9} {'ratio':>6} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}"
    )
    for r in report["runs"]:
        s = r["answer_save"]
        print(
            f"{r['workers']:>7} {r['db']:>10} {r['ceiling']['rps']:>12} {s['rps']:>9} {r['ratio_to_ceiling']:>6} {s['p50_ms']:>7} {s['p99_ms']:>7} {s['errors']:>6}"
        )


if __name__ == "__main__":
    main()
