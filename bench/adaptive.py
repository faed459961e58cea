"""The adaptive short form: next-item speed, and a reference check against catsim on the same simulated people.

    .venv/bin/python -m bench.adaptive --n 200            # JSON on stdout
    pip install "catsim>=0.21"                           # bench-only: never a dependency of the web worker

Speed: the time of one :func:`scoring.adaptive.step` (stop check and next question) at every point of
real adaptive runs, p50 / p99.

Reference (catsim 0.21, a maintained CAT simulator): catsim is unidimensional and dichotomous, so each
orientation question becomes a two-parameter logistic item on the overall orientation: a person's answer
counts 1 when it leans AM (keyed score > 0; a situation: the chosen option's weighted leaning above the
options' mean), the parameters fitted by logistic regression of those answers on the true overall
orientation of 2,000 simulated calibration people (theta = 3 * overall). catsim then runs its own CAT
on the very people our form runs on: maximum information selection (``MaxInfoSelector``), its
numerical-search estimator, and its classification stop (``ConfidenceIntervalStopper``: stop once the
90% interval of theta excludes both cuts ``+-3h/100``), minimum 16 and maximum every question, like ours.
Reported: mean length, agreement of each call with the full form's, and how many of the first ten
questions the two forms share.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import random
import statistics
import time
from typing import Any

from scoring import load_bank, score
from scoring.adaptive import next_item, step
from scoring.engine import keyed_value
from scoring.model import Answers, AnswerValue, Bank, Item
from scoring.simulate import respondent
from scoring.simulate_adaptive import run

SCALE = 3.0  # theta = 3 * overall orientation (-1..1)


def leans_am(item: Item, value: AnswerValue) -> bool | None:
    """The dichotomised answer: does it lean towards the AM pole? None when skipped."""
    if value is None:
        return None
    if item.kind == "situational":
        weights = [sum(o.weights.values()) for o in item.options]
        chosen = next(sum(o.weights.values()) for o in item.options if o.id == value)
        return chosen > statistics.fmean(weights)
    y = keyed_value(item, value)
    return y is not None and y > 0


def fit_2pl(xs: list[float], ys: list[bool]) -> tuple[float, float]:
    """Logistic regression ``P(y) = 1 / (1 + exp(-a (x - b)))`` by Newton steps; returns ``(a, b)``."""
    w0, w1 = 0.0, 1.0
    for _ in range(50):
        g0 = g1 = h00 = h01 = h11 = 0.0
        for x, y in zip(xs, ys, strict=True):
            p = 1.0 / (1.0 + math.exp(-(w0 + w1 * x)))
            r = (1.0 if y else 0.0) - p
            v = p * (1 - p)
            g0, g1 = g0 + r, g1 + r * x
            h00, h01, h11 = h00 + v, h01 + v * x, h11 + v * x * x
        det = h00 * h11 - h01 * h01 + 1e-9
        w0 += (h11 * g0 - h01 * g1) / det
        w1 += (-h01 * g0 + h00 * g1) / det
    a = max(0.05, w1)
    return a, -w0 / a


def calibrate(bank: Bank, n: int, seed: int) -> list[tuple[float, float]]:
    rng = random.Random(f"catsim-calibration:{seed}")
    people = [respondent(bank, rng.choice(("am", "pm", "borderline")), rng, skip=0.0) for _ in range(n)]
    out = []
    for item in bank.orientation_items:
        xs = [SCALE * p.true_overall for p in people]
        ys = [bool(leans_am(item, p.answers.values.get(item.id))) for p in people]
        out.append(fit_2pl(xs, ys))
    return out


def catsim_run(bank: Bank, params: list[tuple[float, float]], values: dict[str, AnswerValue]) -> tuple[list[int], str]:
    import numpy as np
    from catsim.estimation import NumericalSearchEstimator
    from catsim.item_bank import ItemBank
    from catsim.selection import MaxInfoSelector
    from catsim.stopping import ConfidenceIntervalStopper

    table = np.array([[a, b, 0.0, 1.0] for a, b in params])
    items = ItemBank(table)
    cut = SCALE * bank.scoring.hybrid_band / 100.0
    selector, estimator = MaxInfoSelector(), NumericalSearchEstimator()
    total = len(bank.orientation_items)
    stopper = ConfidenceIntervalStopper([-cut, cut], confidence=0.90, min_items=16, max_items=total)
    administered: list[int] = []
    responses: list[bool] = []
    theta = 0.0
    while len(administered) < total:
        index = selector.select(item_bank=items, administered_items=administered, est_theta=theta)
        assert index is not None
        item = bank.orientation_items[index]
        answer = leans_am(item, values.get(item.id))
        administered.append(index)
        responses.append(bool(answer))  # a skip counts as not leaning AM (catsim has no missing answers)
        if len(set(responses)) > 1:  # the maximum-likelihood estimate exists only with both kinds of answer
            theta = estimator.estimate(
                item_bank=items, administered_items=administered, response_vector=responses, est_theta=theta
            )
        else:
            theta = 4.0 if responses[0] else -4.0
        if stopper.stop(_item_bank=items, administered_items=table[administered], theta=theta):
            break
    call = "AM" if theta >= cut else "PM" if theta <= -cut else "HYBRID"
    return administered, call


def _quantiles(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {
        "calls": len(times),
        "p50_ms": round(1000 * times[len(times) // 2], 3),
        "p99_ms": round(1000 * times[int(0.99 * len(times))], 3),
        "max_ms": round(1000 * times[-1], 3),
    }


def speed(bank: Bank, people: int, seed: int) -> dict[str, Any]:
    """``next_item`` alone (the selection) and ``step`` (the stop check, which scores, and the selection)."""
    rng = random.Random(f"speed:{seed}")
    step(bank, Answers("en", "other", {}), "warm-up")  # the bank's compiled tables are built once per process
    wall: dict[str, list[float]] = {"next_item": [], "step": []}
    cpu: dict[str, list[float]] = {"next_item": [], "step": []}
    for k in range(people):
        person = respondent(bank, rng.choice(("am", "pm", "borderline")), rng)
        values: dict[str, AnswerValue] = {}
        while True:
            t, c = time.perf_counter(), time.thread_time()
            next_item(bank, values, f"speed:{k}")
            wall["next_item"].append(time.perf_counter() - t)
            cpu["next_item"].append(time.thread_time() - c)
            t, c = time.perf_counter(), time.thread_time()
            now = step(bank, Answers("en", "other", dict(values)), f"speed:{k}")
            wall["step"].append(time.perf_counter() - t)
            cpu["step"].append(time.thread_time() - c)
            if now.item_id is None:
                break
            values[now.item_id] = person.answers.values.get(now.item_id)
    # wall time includes being pre-empted on a shared machine; the thread's CPU time does not
    return {f"{name} ({kind})": _quantiles(d[name]) for kind, d in (("wall", wall), ("cpu", cpu)) for name in d}


def reference(bank: Bank, n: int, seed: int, calibration: int) -> dict[str, Any]:
    params = calibrate(bank, calibration, seed)
    rng = random.Random(f"catsim:{seed}")
    rows = []
    for k in range(n):
        profile = rng.choice(("am", "pm", "am", "pm", "borderline"))
        person = respondent(bank, profile, rng)  # type: ignore[arg-type]
        ours = run(bank, person, f"catsim:{k}")
        with contextlib.redirect_stdout(io.StringIO()):  # catsim prints blank lines; stdout stays JSON
            administered, call = catsim_run(bank, params, dict(person.answers.values))
        full = score(bank, person.answers).recommendation
        first = {bank.orientation_items[i].id for i in administered[:10]}
        rows.append(
            (profile, len(ours.asked), ours.adaptive.recommendation, len(administered), call, full, first, ours)
        )

    def summary(group: list[Any]) -> dict[str, Any]:
        if not group:
            return {"n": 0}
        return {
            "n": len(group),
            "ours_length": round(statistics.fmean(r[1] for r in group), 1),
            "catsim_length": round(statistics.fmean(r[3] for r in group), 1),
            "ours_same_as_full": round(sum(r[2] == r[5] for r in group) / len(group), 3),
            "catsim_same_as_full": round(sum(r[4] == r[5] for r in group) / len(group), 3),
            "catsim_other_way": round(
                sum(r[4] in ("AM", "PM") and r[5] in ("AM", "PM") and r[4] != r[5] for r in group) / len(group), 3
            ),
            "first_ten_shared": round(statistics.fmean(len(r[6] & set(r[7].asked[:10])) for r in group), 1),
            "catsim_first_ten_situations": round(
                statistics.fmean(sum(bank.item(i).kind == "situational" for i in r[6]) for r in group), 1
            ),
            "ours_first_ten_situations": round(
                statistics.fmean(sum(bank.item(i).kind == "situational" for i in r[7].asked[:10]) for r in group), 1
            ),
        }

    return {
        "n": n,
        "calibration_people": calibration,
        "clear": summary([r for r in rows if r[0] != "borderline"]),
        "borderline": summary([r for r in rows if r[0] == "borderline"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--calibration", type=int, default=2000)
    parser.add_argument("--speed-people", type=int, default=50)
    args = parser.parse_args()
    bank = load_bank("questions")
    out: dict[str, Any] = {"speed": speed(bank, args.speed_people, args.seed)}
    try:
        import catsim  # noqa: F401
    except ImportError:
        out["catsim"] = "not installed: pip install 'catsim>=0.21'"
    else:
        out["catsim"] = reference(bank, args.n, args.seed, args.calibration)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
