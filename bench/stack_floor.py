"""The stack's own start-up floor: an app of the libraries rolefit imports, with one route and nothing of ours,
served by uvicorn in one process as each of `rolefit serve`'s workers serves (asyncio loop, httptools, no
websockets, no access log; `rolefit serve` adds gunicorn's arbiter, which loads the app and forks the workers).
The time to its first 200 on /healthz is what no change to rolefit's own code can go below (issue 21: start-up
< 1 s).

    .venv/bin/python -m bench.stack_floor [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from pathlib import Path

from bench.common import PY, ROOT, free_port
from bench.startup import time_to_healthz

APP = """
import asyncio, babel.support, jinja2, pydantic_settings, sqlmodel, yaml  # what rolefit imports, unused
from fastapi import FastAPI
from fastapi.responses import JSONResponse

app = FastAPI()


@app.get("/healthz")
async def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"})
"""


def start(folder: Path) -> tuple[float, float]:
    port = free_port()
    cmd = [PY, "-m", "uvicorn", "floor_app:app", "--port", str(port), "--ws", "none", "--loop", "asyncio",
           "--http", "httptools", "--no-access-log"]  # fmt: skip
    return time_to_healthz(cmd, port, folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    folder = ROOT / "var" / "stack-floor"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "floor_app.py").write_text(APP, encoding="utf-8")
    load_before = os.getloadavg()
    walls, cpus = zip(*(start(folder) for _ in range(args.runs)), strict=True)
    summary = {
        name: {"median": round(statistics.median(v), 3), "range": [round(min(v), 3), round(max(v), 3)]}
        for name, v in (("first_healthz_s", walls), ("cpu_to_first_healthz_s", cpus))
    }
    print(json.dumps({"benchmark": "the stack alone: one route, first 200 on /healthz", "runs": args.runs,
                      "load_average_before": load_before, **summary, "load_average_after": os.getloadavg()},
                     indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
