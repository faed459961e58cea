"""Time to render one PDF report (HTML -> WeasyPrint -> bytes), per language. Target: under 1.5 s.

.venv/bin/python -m bench.pdf [--n 10]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

from app.config import Settings
from app.db import Database
from app.main import create_app
from app.migrate import upgrade
from tests.app.conftest import Browser
from tests.e2e.journeys import BANK, ORDER, value_for


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10, help="reports per language (after one warm-up)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        db = Database(url)
        upgrade(db.engine)
        db.dispose()
        app = create_app(Settings(database_url=url))
        out: dict[str, object] = {
            "benchmark": "PDF report (owner, full content)",
            "target_s": 1.5,
            "python": platform.python_version(),
            "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cpu",
        }
        for lang, lean in (("en", "am"), ("zh-Hans", "pm"), ("vi", "am")):
            b = Browser(app, lang=lang)
            b.post("/start", {"lang": lang, "current_role": "engineer"})
            for n, item_id in enumerate(ORDER, start=1):
                b.post(f"/quiz/{n}", {"item_id": item_id, "value": value_for(BANK.item(item_id), lean, n)})
            url_result = b.post("/quiz/finish").headers["location"]
            b.get(url_result + "/report.pdf")  # warm-up: fonts and templates load once per process
            times, sizes = [], []
            for _ in range(args.n):
                t0 = time.perf_counter()
                res = b.get(url_result + "/report.pdf")
                times.append(time.perf_counter() - t0)
                sizes.append(len(res.content))
                assert res.status_code == 200
            out[lang] = {
                "median_s": round(statistics.median(times), 3),
                "max_s": round(max(times), 3),
                "kib": round(statistics.mean(sizes) / 1024),
            }
        out["meets_target"] = all(v["max_s"] < 1.5 for k, v in out.items() if isinstance(v, dict))
        app.state.db.dispose()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
