"""Time to score one full response (validate + score + plan), printed as JSON. Target: under 1 ms.

make bench            # or: .venv/bin/python bench/scoring.py --n 5000
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import time
from pathlib import Path

from scoring import load_bank, parse_answers, plan, score
from scoring.simulate import respondent

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=5000, help="responses to time")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    bank = load_bank(ROOT / "questions")
    rng = random.Random(args.seed)
    payloads = []
    for _ in range(200):
        r = respondent(bank, rng.choice(["am", "pm", "borderline"]), rng)
        payloads.append({"lang": "en", "current_role": r.answers.current_role, "answers": dict(r.answers.values)})
    for p in payloads[:50]:  # warm-up
        score(bank, parse_answers(bank, p))
    timings = {"score": [], "parse_score_plan": []}
    for i in range(args.n):
        p = payloads[i % len(payloads)]
        answers = parse_answers(bank, p)
        t0 = time.perf_counter()
        result = score(bank, answers)
        t1 = time.perf_counter()
        timings["score"].append(t1 - t0)
        t0 = time.perf_counter()
        answers = parse_answers(bank, p)
        plan(bank, score(bank, answers), answers.current_role)
        timings["parse_score_plan"].append(time.perf_counter() - t0)
    assert result.items == len(bank.items)

    def summary(xs: list[float]) -> dict[str, float]:
        xs = sorted(xs)
        return {
            "median_ms": round(statistics.median(xs) * 1000, 4),
            "p99_ms": round(xs[int(len(xs) * 0.99) - 1] * 1000, 4),
            "max_ms": round(xs[-1] * 1000, 4),
        }

    out = {
        "benchmark": "score one full response",
        "items_per_response": len(bank.items),
        "n": args.n,
        "target_ms": 1.0,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cpu",
        **{k: summary(v) for k, v in timings.items()},
    }
    out["meets_target"] = out["parse_score_plan"]["p99_ms"] < 1.0
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
