"""Compared with others at 1,000,000 finished results: the result page's one comparison query, and what
keeping the counts costs a finish.

The counts table (``result_norm``) holds one row per bank version, language, dimension and 5-point bucket,
so its size does not grow with the number of people: it is filled here as 1M results would leave it
(three languages, three bank versions, six dimensions, 40 buckets). The query is timed through
``norms.compare`` (the primary key's prefix); ``norms.record`` (delete + insert of six points, the
triggers updating the counts) is timed for 1,000 finishes on top of 1M counted results.

    .venv/bin/python -m bench.comparison [--db sqlite|postgresql] [--runs 300]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, text

from app.db import Database
from app.models import Assessment, ResultNorm
from app.services import norms
from bench.common import database
from scoring import load_bank, score
from tests.conftest import BANK_DIR, pattern

PEOPLE = 1_000_000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    bank = load_bank(BANK_DIR)
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp, database(args.db, Path(tmp)) as url:
        db = Database(url)
        rows = []
        for version in ("1.0.0", "1.1.0", bank.version + "-x"):
            for lang in ("en", "zh-Hans", "vi"):
                for dim in bank.dimensions:
                    weights = [rng.random() for _ in range(norms.BUCKETS)]
                    total = sum(weights)
                    rows += [
                        {
                            "bank_version": version,
                            "lang": lang,
                            "dimension": dim.id,
                            "bucket": b,
                            "n": int(PEOPLE * w / total / 9),
                        }
                        for b, w in enumerate(weights)
                    ]
        with db.write() as session:
            session.execute(insert(ResultNorm), rows)
        scores = {d.id: d.score for d in score(bank, pattern(bank, "am")).dimensions}
        timings = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            found = norms.compare(db, "1.1.0", "en", scores, 30)
            timings.append((time.perf_counter() - t0) * 1000)
        assert found.enough and found.n > 100_000
        result = score(bank, pattern(bank, "pm"))
        finish = []
        for n in range(1000):
            with db.write() as session:
                aid = f"bench{n:027d}"
                session.add(
                    Assessment(
                        id=aid,
                        owner_hash=f"o{aid}",
                        resume_hash=f"r{aid}",
                        locale="en",
                        current_role="pm",
                        bank_version=bank.version,
                    )
                )
                session.flush()
                t0 = time.perf_counter()
                norms.record(session, f"bench{n:027d}", "en", result)
                session.flush()
                finish.append((time.perf_counter() - t0) * 1000)
        with db.read() as session:
            points = session.execute(text("SELECT count(*) FROM norm_point")).scalar_one()
        assert points == 1000 * sum(1 for d in result.dimensions if d.sufficient)
        out = {
            "db": args.db,
            "counts_rows": len(rows),
            "people_counted": PEOPLE,
            "compare_ms_median": round(statistics.median(timings), 3),
            "compare_ms_p95": round(sorted(timings)[int(0.95 * len(timings))], 3),
            "record_ms_median": round(statistics.median(finish), 3),
        }
        print(json.dumps(out))


if __name__ == "__main__":
    main()
