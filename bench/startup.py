"""Start-up: from `rolefit serve` to the first 200 on /healthz, per worker count (target < 1 s per worker),
and what the time goes to in one process (imports, create_app, the argon2 dummy hash that importing
app.services.accounts computes). 127.0.0.1 only; each start bounded to 30 s.

    .venv/bin/python -m bench.startup [--runs 5] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import PY, ROOT, database, free_port

PROFILE = """
import time, json
t0 = time.perf_counter()
import app.main
t1 = time.perf_counter()
from app.main import create_app
a = create_app()
t2 = time.perf_counter()
from argon2 import PasswordHasher
h = PasswordHasher()
t3 = time.perf_counter(); h.hash("x"); t4 = time.perf_counter()
print(json.dumps({"import_app_main_ms": (t1 - t0) * 1000, "create_app_ms": (t2 - t1) * 1000,
                  "one_argon2_hash_ms": (t4 - t3) * 1000}))
"""


def first_healthz(url: str, workers: int) -> float:
    """Seconds from the command to the first 200 on /healthz (what a proxy's health check sees)."""
    port = free_port()
    env = {**os.environ, "ROLEFIT_DATABASE_URL": url}
    cmd = [str(Path(PY).parent / "rolefit"), "serve", "--host", "127.0.0.1", "--port", str(port),
           "--workers", str(workers)]  # fmt: skip
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True, stderr=subprocess.PIPE)
    first = None
    try:
        with httpx.Client(timeout=1) as client:
            while time.perf_counter() - t0 < 30:
                try:
                    if client.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                        first = time.perf_counter() - t0
                        break
                except httpx.HTTPError:
                    time.sleep(0.01)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        _, err = proc.communicate(timeout=15)
    if first is None:
        raise RuntimeError(f"no /healthz within 30 s: {err.decode()[-500:]}")
    return first


def run(runs: int, workers_list: list[int]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp, database("sqlite", Path(tmp)) as url:
        profiles = [
            json.loads(
                subprocess.run(
                    [PY, "-c", PROFILE],
                    cwd=ROOT,
                    env={**os.environ, "ROLEFIT_DATABASE_URL": url},
                    capture_output=True,
                    text=True,
                    check=True,
                    timeout=60,
                ).stdout
            )
            for _ in range(runs)
        ]
        out["in_process_median_ms"] = {k: round(statistics.median(p[k] for p in profiles), 1) for k in profiles[0]}
        for workers in workers_list:
            times = [first_healthz(url, workers) for _ in range(runs)]
            out[f"workers_{workers}"] = {
                "first_healthz_median_s": round(statistics.median(times), 3),
                "range_s": [round(min(times), 3), round(max(times), 3)],
                "runs": runs,
            }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    report = {"benchmark": "start-up: rolefit serve to the first 200 on /healthz", "target_s": 1.0}
    report |= run(args.runs, args.workers)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
