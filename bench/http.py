"""Answer-save throughput against the bare ASGI ceiling, measured with wrk in the same run.

For each worker count (1, 2): the ceiling (bench/ceiling.py under uvicorn with the same loop and parser)
and the app started exactly as a user does (`rolefit serve`, one per database: SQLite; PostgreSQL when
ROLEFIT_BENCH_POSTGRES_URL is set) are all up at once and measured in interleaved rounds (ceiling,
SQLite, PostgreSQL, ceiling, ...); the report gives each round and the medians with their ranges. The
app's request is the real answer POST: CSRF token, htmx request, row upserted, next-question fragment
rendered, from 64 prepared quiz sessions. The peer column (bench/peer.py: django-survey-and-report in a
temporary virtualenv, gunicorn with the same worker count) runs in the same rounds unless `--no-peer`.

    .venv/bin/python -m bench.http [--seconds 10] [--rounds 3] [--dbs sqlite postgresql] [--no-peer]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

from app.services.quiz import question_order
from bench.common import ROOT, database, server, wrk, wrk_rotation
from bench.peer import peer_server
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
    build = [
        "    local body = 'csrf_token=' .. s.csrf .. '&item_id=' .. st.id .. '&value=' .. ((k % 5) + 1)",
        "    local headers = {",
        "      ['Cookie'] = s.cookie,",
        "      ['Content-Type'] = 'application/x-www-form-urlencoded',",
        "      ['HX-Request'] = 'true',",
        f"      ['Origin'] = '{base}',",
        "      ['X-CSRF-Token'] = s.csrf,",
        "    }",
        "    requests[k + 1] = wrk.format('POST', '/quiz/' .. st.n, headers, body)",
    ]
    script = wrk_rotation(
        [f'  {{cookie = "{s["cookie"]}", csrf = "{s["csrf"]}"}},' for s in sessions],
        [f'  {{n = {n}, id = "{i}"}},' for n, i in likert],
        build,
    )
    path.write_text(script, encoding="utf-8")


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median of each figure over the rounds, with the range of req/s and p99."""
    out: dict[str, Any] = {k: statistics.median(r[k] or 0 for r in runs) for k in ("rps", "p50_ms", "p99_ms")}
    out["rps_range"] = [min(r["rps"] for r in runs), max(r["rps"] for r in runs)]
    out["p99_range_ms"] = [min(r["p99_ms"] or 0 for r in runs), max(r["p99_ms"] or 0 for r in runs)]
    out["errors"] = sum(r["errors"] for r in runs)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds: ceiling, then each database")
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
    parser.add_argument("--no-peer", dest="peer", action="store_false", help="leave out django-survey")
    args = parser.parse_args()
    report: dict[str, Any] = {
        "benchmark": "answer save vs bare ASGI ceiling (wrk, 64 connections, 2 threads), interleaved rounds",
        "server": "rolefit serve as shipped (access log as configured: off by default)",
        "seconds": args.seconds,
        "event_loop": args.loop,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cpu",
        "runs": [],
    }
    with tempfile.TemporaryDirectory() as tmp:
        for workers in args.workers:
            with ExitStack() as stack:
                # every server of this worker count is up at once; the rounds interleave them, so a
                # change of the machine's load shows in both the ceiling and the app of the same round
                ceiling_base, _ = stack.enter_context(server("bench.ceiling:app", workers, loop=args.loop))
                apps = {}
                for db in args.dbs:
                    url = stack.enter_context(database(db, Path(tmp)))
                    env = {"ROLEFIT_DATABASE_URL": url}
                    base, _ = stack.enter_context(
                        server("app.main:create_app", workers, env, factory=True, loop=args.loop)
                    )
                    script = Path(tmp) / f"answer-{db}-{workers}.lua"
                    lua_script(script, base, prepare_sessions(base, SESSIONS))
                    apps[db] = (base, script)
                if args.peer:
                    apps["peer"] = stack.enter_context(peer_server(workers, Path(tmp)))
                rounds: list[dict[str, Any]] = []
                for _ in range(args.rounds):
                    one: dict[str, Any] = {"ceiling": wrk(ceiling_base + "/", seconds=args.seconds)}
                    for db, (base, script) in apps.items():
                        one[db] = wrk(base + "/", seconds=args.seconds, script=script)
                    rounds.append(one)
            for db in [*args.dbs, *(["peer"] if args.peer else [])]:
                ratios = [r[db]["rps"] / r["ceiling"]["rps"] for r in rounds]
                over_peer = [r[db]["rps"] / r["peer"]["rps"] for r in rounds] if args.peer else []
                p99s = [r[db]["p99_ms"] or 1e9 for r in rounds]
                report["runs"].append(
                    {
                        "workers": workers,
                        "db": db,
                        "rounds": [{"ceiling": r["ceiling"], "answer_save": r[db]} for r in rounds],
                        "ceiling": _summary([r["ceiling"] for r in rounds]),
                        "answer_save": _summary([r[db] for r in rounds]),
                        "ratio_to_ceiling": round(statistics.median(ratios), 4),
                        "ratio_range": [round(min(ratios), 4), round(max(ratios), 4)],
                        "times_peer": round(statistics.median(over_peer), 1) if over_peer else None,
                        "times_peer_range": [round(min(over_peer), 1), round(max(over_peer), 1)] if over_peer else None,
                        "goals_met": statistics.median(ratios) >= 0.07
                        and statistics.median(p99s) < 100
                        and all(r[db]["errors"] == 0 for r in rounds)
                        and (not over_peer or statistics.median(over_peer) >= 12)
                        if workers == 2 and db != "peer"
                        else None,
                    }
                )
    print(json.dumps(report, indent=2))
    print()
    print(
        f"{'workers':>7} {'db':>10} {'ceiling r/s':>12} {'save r/s':>9} {'ratio':>6} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'x peer':>6}"
    )
    for r in report["runs"]:
        s = r["answer_save"]
        print(
            f"{r['workers']:>7} {r['db']:>10} {r['ceiling']['rps']:>12} {s['rps']:>9} {r['ratio_to_ceiling']:>6} {s['p50_ms']:>7} {s['p99_ms']:>7} {s['errors']:>6} {r['times_peer'] or '':>6}"
        )


if __name__ == "__main__":
    main()
