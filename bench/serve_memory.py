"""Memory of `rolefit serve`: the proportional set size (PSS) of all the server's processes, per worker count.

PSS shares each page among the processes that map it, so it counts once what forked workers share with the
process they were forked from (RSS would count it in every worker). The server is started exactly as a user
starts it (the ``rolefit`` script of each checkout, on SQLite), asked for a few pages (the home page, the HR
sign-in, ``/healthz``, 10 times each) so that every worker has served, then measured from
``/proc/PID/smaps_rollup`` and stopped. 127.0.0.1 only.

    .venv/bin/python -m bench.serve_memory [--workers 1 2 4] [--against DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import ROOT, database, free_port
from bench.startup import console_script, group_stats


def kib(pid: int, field: str, name: str) -> int:
    for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def measure(script: Path, cwd: Path, env: dict[str, str], workers: int) -> dict[str, Any]:
    port = free_port()
    cmd = [str(script), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.05)
            for _ in range(10):
                for path in ("/", "/hr/login", "/healthz"):
                    client.get(path).raise_for_status()
        time.sleep(1)
        pids = list(group_stats(proc.pid))
        return {
            "processes": len(pids),
            "pss_mib": round(sum(kib(pid, "Pss", "smaps_rollup") for pid in pids) / 1024, 1),
            "rss_mib": round(sum(kib(pid, "VmRSS", "status") for pid in pids) / 1024, 1),
        }
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--against", type=Path, help="another checkout, measured the same way")
    args = parser.parse_args()
    trees = {"this": ROOT} | ({"against": args.against} if args.against is not None else {})
    report: dict[str, Any] = {"benchmark": "rolefit serve: PSS and RSS of all its processes, after 30 requests"}
    with tempfile.TemporaryDirectory() as tmp, database("sqlite", Path(tmp)) as url:
        for name, tree in trees.items():
            (Path(tmp) / name).mkdir()
            script = console_script(tree, Path(tmp) / name)
            env = {**os.environ, "ROLEFIT_DATABASE_URL": url} | ({"PYTHONPATH": str(tree)} if tree != ROOT else {})
            report[name] = {f"workers_{w}": measure(script, tree, env, w) for w in args.workers}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
