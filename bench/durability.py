"""Durability under a crash: SIGKILL the server in the middle of 1,000+ answer writes, then check that every
answer the server acknowledged (HTTP 200) is in the database. SQLite, synchronous=NORMAL and FULL.

    .venv/bin/python -m bench.durability [--acks 1200]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from app.services.quiz import question_order
from bench.common import ROOT, database, server
from bench.http import prepare_sessions
from scoring import load_bank

SESSIONS = 40
THREADS = 8


def run(mode: str, acks_wanted: int, tmp: Path) -> dict[str, Any]:
    bank = load_bank(ROOT / "questions")
    order = question_order(bank)
    numbered = [(n, i) for n, i in enumerate(order, start=1) if bank.item(i).kind in ("likert", "proficiency")]
    with database("sqlite", tmp) as url:
        path = url.removeprefix("sqlite:///")
        acked: dict[tuple[str, str], int] = {}
        lock = threading.Lock()
        stop = threading.Event()
        with server(
            "app.main:create_app", 1, {"ROLEFIT_DATABASE_URL": url, "ROLEFIT_SQLITE_SYNCHRONOUS": mode}, factory=True
        ) as (base, proc):
            sessions = prepare_sessions(base, SESSIONS)
            aids = [s["cookie"].split("rolefit_quiz=")[1].split(":")[0] for s in sessions]
            work = [(k, n, i) for k in range(SESSIONS) for n, i in numbered]  # every (session, item) written once

            def worker(part: list[tuple[int, int, str]]) -> None:
                with httpx.Client(base_url=base, timeout=5) as c:
                    for k, n, item in part:
                        if stop.is_set():
                            return
                        s = sessions[k]
                        value = (n % 5) + 1
                        try:
                            r = c.post(
                                f"/quiz/{n}",
                                data={"csrf_token": s["csrf"], "item_id": item, "value": str(value)},
                                headers={
                                    "Cookie": s["cookie"],
                                    "Origin": base,
                                    "HX-Request": "true",
                                    "X-CSRF-Token": s["csrf"],
                                },
                            )
                        except httpx.HTTPError:
                            return  # the server died under us: this answer was never acknowledged
                        if r.status_code == 200:
                            with lock:
                                acked[(aids[k], item)] = value

            threads = [threading.Thread(target=worker, args=(work[t::THREADS],)) for t in range(THREADS)]
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            while len(acked) < acks_wanted and any(t.is_alive() for t in threads):
                time.sleep(0.005)
            os.killpg(proc.pid, signal.SIGKILL)  # mid-flight: requests are still being written
            killed_at = time.perf_counter() - t0
            stop.set()
            for t in threads:
                t.join()
        # "restart": open the database as the next server would, and look for every acknowledged answer
        conn = sqlite3.connect(path)
        rows = {(a, i): v for a, i, v in conn.execute("SELECT assessment_id, item_id, value_int FROM answer")}
        conn.close()
        lost = [k for k, v in acked.items() if rows.get(k) != v]
        return {
            "synchronous": mode,
            "acknowledged": len(acked),
            "rows_after_restart": len(rows),
            "lost": len(lost),
            "acknowledged_per_s_before_kill": round(len(acked) / killed_at, 1),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--acks", type=int, default=1200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = [run(mode, args.acks, Path(tmp)) for mode in ("NORMAL", "FULL")]
    print(json.dumps({"benchmark": "SIGKILL during answer writes (SQLite, WAL)", "runs": results}, indent=2))


if __name__ == "__main__":
    main()
