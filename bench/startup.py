"""Start-up: from `rolefit serve` to the first 200 on /healthz, per worker count (target < 1 s per worker),
and what the time goes to in one process (`import app.main`, wall and CPU; `create_app`; one argon2id hash,
which the app computes on the first sign-in, never at start). 127.0.0.1 only; each start bounded to 30 s.

    .venv/bin/python -m bench.startup [--runs 5] [--workers 1 2] [--against DIR] [--bytecode source|compiled]

Every measurement is made in rounds: in each round, every checkout measured once of each kind, in turn, so a
change of machine load shows in every column instead of in the difference between two of them (a shared
machine: read the medians and ranges together). ``--against DIR`` adds another checkout of the repository
(for example ``git worktree add /tmp/main main``), run with this virtualenv and ``PYTHONPATH=DIR``.

Each checkout is started through the ``rolefit`` script its own pyproject.toml declares (as pip writes it), and
the CPU seconds its processes had used at the first 200 are read from /proc beside the wall time.

``--bytecode``: ``source`` runs the code as the environment leaves it (with ``PYTHONDONTWRITEBYTECODE=1``
and no ``__pycache__`` in the checkout, each process compiles every module of ours again); ``compiled``
gives every process one warm bytecode cache (``PYTHONPYCACHEPREFIX``, filled by a first run), as an install
with compiled bytecode (the Dockerfile's ``compileall``) has.
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
import tomllib
from pathlib import Path
from typing import Any

import httpx

from bench.common import PY, ROOT, database, free_port

PROFILE = """
import time, json
t0, c0 = time.perf_counter(), time.process_time()
import app.main
t1, c1 = time.perf_counter(), time.process_time()
from app.main import create_app
a = create_app()
t2 = time.perf_counter()
from argon2 import PasswordHasher
h = PasswordHasher()
t3 = time.perf_counter(); h.hash("x"); t4 = time.perf_counter()
print(json.dumps({"import_app_main_ms": (t1 - t0) * 1000, "import_app_main_cpu_ms": (c1 - c0) * 1000,
                  "create_app_ms": (t2 - t1) * 1000, "one_argon2_hash_ms": (t4 - t3) * 1000}))
"""


def console_script(tree: Path, folder: Path) -> Path:
    """The ``rolefit`` script as pip writes it for this checkout's pyproject.toml (its own entry point: with
    several workers, multiprocessing's spawn runs the script again in every worker, so its imports count)."""
    target = tomllib.loads((tree / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]["rolefit"]
    module, func = target.split("#")[0].strip().split(":")
    script = folder / "rolefit"
    script.write_text(f"#!{PY}\nimport sys\nfrom {module} import {func}\nif __name__ == '__main__':\n"
                      f"    sys.exit({func}())\n", encoding="utf-8")  # fmt: skip
    script.chmod(0o755)
    return script


def group_stats(pgid: int) -> dict[int, list[str]]:
    """Every live process of a process group and its /proc/PID/stat fields after the command: state, ppid,
    pgrp, ..., utime (index 11), stime (12) (Linux /proc)."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[2]) == pgid:
            found[int(stat.parent.name)] = fields
    return found


def group_cpu_s(pgid: int) -> float:
    """CPU seconds (user + system) used so far by every live process of a process group."""
    ticks = sum(int(fields[11]) + int(fields[12]) for fields in group_stats(pgid).values())
    return ticks / os.sysconf("SC_CLK_TCK")


def time_to_healthz(cmd: list[str], port: int, cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Start ``cmd`` (a server on ``port``) and stop it at its first 200 on /healthz: the seconds from the command
    to that answer (what a proxy's health check sees), and the CPU seconds the server's processes had used by
    then (all workers, the parent too: less noisy than the wall time on a shared machine)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, start_new_session=True, stderr=subprocess.PIPE)
    first = cpu = None
    try:
        with httpx.Client(timeout=1) as client:
            while time.perf_counter() - t0 < 30:
                try:
                    if client.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                        first = time.perf_counter() - t0
                        cpu = group_cpu_s(proc.pid)
                        break
                except httpx.HTTPError:
                    time.sleep(0.01)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        _, err = proc.communicate(timeout=15)
    if first is None or cpu is None:
        raise RuntimeError(f"no /healthz within 30 s: {err.decode()[-500:]}")
    return first, cpu


def first_healthz(env: dict[str, str], cwd: Path, workers: int, script: Path) -> tuple[float, float]:
    """:func:`time_to_healthz` of ``rolefit serve`` with ``workers`` workers, started through ``script``."""
    port = free_port()
    cmd = [str(script), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    return time_to_healthz(cmd, port, cwd, env)


def _summary(values: list[float], digits: int) -> dict[str, Any]:
    return {"median": round(statistics.median(values), digits), "range": [round(min(values), digits),
            round(max(values), digits)], "runs": len(values)}  # fmt: skip


def run(runs: int, workers_list: list[int], against: Path | None = None, bytecode: str = "source") -> dict[str, Any]:
    trees = {"this": ROOT} | ({"against": against} if against is not None else {})
    profiles: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    starts: dict[str, dict[int, list[float]]] = {name: {w: [] for w in workers_list} for name in trees}
    cpus: dict[str, dict[int, list[float]]] = {name: {w: [] for w in workers_list} for name in trees}
    with tempfile.TemporaryDirectory() as tmp, database("sqlite", Path(tmp)) as url:
        envs, scripts = {}, {}
        for name, tree in trees.items():
            (Path(tmp) / name).mkdir()
            scripts[name] = console_script(tree, Path(tmp) / name)
            env = {**os.environ, "ROLEFIT_DATABASE_URL": url}
            if tree != ROOT:
                env["PYTHONPATH"] = str(tree)
            if bytecode == "compiled":
                env.pop("PYTHONDONTWRITEBYTECODE", None)
                env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / f"pycache-{name}")
                subprocess.run([PY, "-c", "import app.main, app.cli, uvicorn"], cwd=tree, env=env, check=True)
            envs[name] = env
        for _ in range(runs):
            for name, tree in trees.items():
                out = subprocess.run(
                    [PY, "-c", PROFILE],
                    cwd=tree,
                    env=envs[name],
                    capture_output=True,
                    text=True,
                    check=True,
                    timeout=60,
                )
                profiles[name].append(json.loads(out.stdout))
                for workers in workers_list:
                    wall, cpu = first_healthz(envs[name], tree, workers, scripts[name])
                    starts[name][workers].append(wall)
                    cpus[name][workers].append(cpu)
    report: dict[str, Any] = {}
    for name, tree in trees.items():
        part: dict[str, Any] = {"checkout": str(tree)}
        part["in_process_ms"] = {k: _summary([p[k] for p in profiles[name]], 1) for k in profiles[name][0]}
        for workers in workers_list:
            part[f"workers_{workers}_first_healthz_s"] = _summary(starts[name][workers], 3)
            part[f"workers_{workers}_cpu_to_first_healthz_s"] = _summary(cpus[name][workers], 3)
        report[name] = part
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--against", type=Path, help="another checkout, measured in the same rounds")
    parser.add_argument("--bytecode", choices=["source", "compiled"], default="source")
    args = parser.parse_args()
    report: dict[str, Any] = {"benchmark": "start-up: rolefit serve to the first 200 on /healthz", "target_s": 1.0}
    report |= {"bytecode": args.bytecode, "load_average_before": os.getloadavg()}
    report |= run(args.runs, args.workers, args.against, args.bytecode)
    report["load_average_after"] = os.getloadavg()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
