"""The adaptive short form on simulated people: ``rolefit simulate --adaptive``.

Each simulated person (:mod:`scoring.simulate`, the response styles of the instrument issue)
answers the full form once; the adaptive form then asks its questions in its own order and takes
that person's answer to each, until it stops. Both results are scored by the same engine, so the
comparison is the adaptive form against the full form on the very same answers.
"""

from __future__ import annotations

import random
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scoring import SCORING_VERSION
from scoring.adaptive import RULES, Rules, Step, step
from scoring.engine import score
from scoring.model import Answers, AnswerValue, Bank, Result
from scoring.simulate import STYLES, Profile, Respondent, population, respondent

TABLE_START = "<!-- simulate:adaptive:start -->"
TABLE_END = "<!-- simulate:adaptive:end -->"


@dataclass(frozen=True)
class Run:
    """One person through the adaptive form: the questions asked, the last step, both results."""

    asked: tuple[str, ...]
    last: Step
    adaptive: Result
    full: Result


def run(bank: Bank, person: Respondent, seed: str, rules: Rules = RULES) -> Run:
    """Ask ``person`` adaptively (their answers are those they gave to the full form) until the form stops."""
    given = person.answers
    values: dict[str, AnswerValue] = {}
    while True:
        timings = {i: t for i, t in given.timings_ms.items() if i in values}
        now = step(bank, Answers(given.lang, given.current_role, dict(values), timings_ms=timings), seed, rules)
        if now.item_id is None:
            break
        values[now.item_id] = given.values.get(now.item_id)
    asked = tuple(values)
    for item in bank.proficiency_items:  # the skills part stays whole
        values[item.id] = given.values.get(item.id)
    timings = {i: t for i, t in given.timings_ms.items() if i in values}
    adaptive = score(bank, Answers(given.lang, given.current_role, values, given.years_experience, timings))
    return Run(asked, now, adaptive, score(bank, given))


def _summary(bank: Bank, runs: Sequence[tuple[Respondent, Run]], clear: bool) -> dict[str, Any]:
    n = len(runs)
    total = len(bank.orientation_items)

    def share(count: int) -> float:
        return round(count / n, 4)

    calls = ("AM", "PM")
    out: dict[str, Any] = {
        "n": n,
        "items_share": round(statistics.fmean(len(r.asked) / total for _, r in runs), 4),
        "items_mean": round(statistics.fmean(len(r.asked) for _, r in runs), 1),
        "stopped_early": share(sum(1 for _, r in runs if r.last.stopped)),
        "same_as_full": share(sum(1 for _, r in runs if r.adaptive.recommendation == r.full.recommendation)),
        "other_way": share(
            sum(
                1
                for _, r in runs
                if r.adaptive.recommendation in calls
                and r.full.recommendation in calls
                and r.adaptive.recommendation != r.full.recommendation
            )
        ),
        "hybrid": share(sum(1 for _, r in runs if r.adaptive.recommendation == "HYBRID")),
        "full_hybrid": share(sum(1 for _, r in runs if r.full.recommendation == "HYBRID")),
        "se_adaptive": round(statistics.fmean(r.adaptive.overall_se for _, r in runs), 1),
        "se_full": round(statistics.fmean(r.full.overall_se for _, r in runs), 1),
    }
    if clear:
        out["right"] = share(sum(1 for p, r in runs if r.adaptive.recommendation == p.profile.upper()))
        out["wrong"] = share(
            sum(
                1
                for p, r in runs
                if r.adaptive.recommendation in calls and r.adaptive.recommendation != p.profile.upper()
            )
        )
    else:
        out["right"] = None
        out["wrong"] = share(sum(1 for _, r in runs if r.adaptive.recommendation in calls))
    return out


def condition(bank: Bank, profile: str, style: str, n: int, seed: int, rules: Rules = RULES) -> dict[str, Any]:
    """``n`` people of one profile family (``clear``, ``borderline``, ``mixed``) and style through both forms."""
    rng = random.Random(f"{seed}:{profile}:{style}")  # noqa: S311 -- simulated people, not secrets
    runs = []
    for k in range(n):
        p: Profile = rng.choice(("am", "pm")) if profile == "clear" else profile  # type: ignore[assignment]
        person = respondent(bank, p, rng, style=style)
        runs.append((person, run(bank, person, f"sim:{seed}:{profile}:{style}:{k}", rules)))
    return {"profile": profile, "style": style, **_summary(bank, runs, profile == "clear")}


def simulate_adaptive(
    bank: Bank,
    n: int = 300,
    seed: int = 1,
    styles: Sequence[str] | None = None,
    rules: Rules = RULES,
    mix: tuple[float, float, float] = (0.4, 0.4, 0.2),
) -> dict[str, Any]:
    """Every profile family and response style, and a whole attentive population, through both forms."""
    conditions = [
        condition(bank, profile, style, n, seed, rules)
        for style in (styles or list(STYLES))
        for profile in ("clear", "borderline", "mixed")
    ]
    people = list(population(bank, n, seed, mix))
    runs = [(p, run(bank, p, f"sim:{seed}:population:{k}", rules)) for k, p in enumerate(people)]
    whole = {"profile": "population", "style": "attentive", **_summary(bank, runs, False)}
    whole["right"] = None
    whole["wrong"] = None
    return {
        "n": n,
        "seed": seed,
        "bank_version": bank.version,
        "scoring_version": SCORING_VERSION,
        "orientation_items": len(bank.orientation_items),
        "rules": {
            "min_length": rules.min_length,
            "indifference": rules.indifference,
            "alpha": rules.alpha,
            "beta": rules.beta,
            "randomesque": rules.randomesque,
            "mirror_gap": rules.mirror_gap,
        },
        "conditions": conditions,
        "population": whole,
    }


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def table(report: dict[str, Any]) -> str:
    """The adaptive conditions as a Markdown table."""
    r = report["rules"]
    lines = [
        f"n = {report['n']:,} per condition, seed {report['seed']}, bank {report['bank_version']}, "
        f"scoring {report['scoring_version']}, {report['orientation_items']} orientation questions; "
        f"minimum length {r['min_length']}, indifference +-{r['indifference']:g} points, alpha {r['alpha']:g}, "
        f"beta {r['beta']:g}; `rolefit simulate --adaptive --n {report['n']} --seed {report['seed']} "
        "--table docs/method.md` rewrites this block.",
        "",
        "| profile | style | questions asked (mean) | stopped early | same call as full form | call the other way "
        "| right | confident wrong | HYBRID (adaptive / full) | overall SE (adaptive / full) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in [*report["conditions"], report["population"]]:
        lines.append(
            f"| {c['profile']} | {c['style']} | {c['items_mean']:.1f} ({_pct(c['items_share'])}) "
            f"| {_pct(c['stopped_early'])} | {_pct(c['same_as_full'])} | {_pct(c['other_way'])} "
            f"| {_pct(c['right'])} | {_pct(c['wrong'])} | {_pct(c['hybrid'])} / {_pct(c['full_hybrid'])} "
            f"| {c['se_adaptive']:.1f} / {c['se_full']:.1f} |"
        )
    return "\n".join(lines)


def replace_block(text: str, block: str) -> str:
    """Replace the adaptive table's marked block of ``text`` with ``block`` (the markers stay)."""
    pattern = re.compile(re.escape(TABLE_START) + r".*?" + re.escape(TABLE_END), re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"no {TABLE_START} ... {TABLE_END} block")
    return pattern.sub(lambda _: f"{TABLE_START}\n{block}\n{TABLE_END}", text)
