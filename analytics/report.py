"""The psychometrics report: every figure per bank version and per language, as data and as a table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from analytics import minimum
from analytics.data import Response, Scored, keyed_matrix, rescore
from analytics.dif import dif
from analytics.reliability import dimension_reliability
from analytics.usage import category_use, midpoint_by_language, usage
from analytics.validity import known_groups, retest
from scoring import SCORING_VERSION
from scoring.model import Bank

ALL = "all"


def psychometrics(
    bank: Bank,
    responses: Sequence[Response],
    *,
    bank_version: str | None = None,
    lang: str | None = None,
    boot: int = 200,
    seed: int = 0,
    form: str | None = None,
) -> dict[str, Any]:
    """All figures for the stored ``responses``, per bank version, for all languages and each one.

    Item-level figures read the items through ``bank`` (the installed one; item
    ids are stable across versions, an item no longer in the bank is left out).
    DIF compares languages, so it is left out when ``lang`` narrows the report. ``form`` narrows it to the
    results of one form (full or adaptive): an adaptive result lacks the questions its form did not ask, by
    design, so item-level figures are best read on the full form; every version counts both.
    """
    rows = [r for r in responses if (bank_version is None or r.bank_version == bank_version)]
    rows = [r for r in rows if lang is None or r.lang == lang]
    every_form = rows
    rows = [r for r in rows if form is None or _form(r) == form]
    cache: dict[str, Scored] = {}

    def scored(r: Response) -> Scored:
        if r.assessment_id not in cache:
            cache[r.assessment_id] = rescore(bank, r)
        return cache[r.assessment_id]

    rng = np.random.default_rng(seed)
    versions: list[dict[str, Any]] = []
    for version in sorted({r.bank_version for r in rows}):
        in_version = [r for r in rows if r.bank_version == version]
        groups: list[dict[str, Any]] = []
        for name in [ALL, *bank.languages] if lang is None else [lang]:
            group = in_version if name == ALL else [r for r in in_version if r.lang == name]
            groups.append(_group(bank, name, group, scored, boot, rng))
        entry: dict[str, Any] = {"bank_version": version, "n": minimum.count(len(in_version)), "groups": groups}
        taken = [_form(r) for r in every_form if r.bank_version == version]
        entry["forms"] = {f: minimum.count(taken.count(f)) for f in ("full", "adaptive")}
        if lang is None:
            finished = [r for r in in_version if r.finished]
            entry["midpoint_by_language"] = midpoint_by_language(bank, in_version)
            entry["dif"] = dif(bank, finished)
        versions.append(entry)
    return {
        "scoring_version": SCORING_VERSION,
        "installed_bank_version": bank.version,
        "filters": {"bank_version": bank_version, "lang": lang, "form": form},
        "minimum_n": {
            "usage": minimum.USAGE,
            "category_use": minimum.CATEGORY_USE,
            "reliability": minimum.RELIABILITY,
            "item_rest": minimum.ITEM_REST,
            "known_groups_per_role": minimum.KNOWN_GROUP,
            "dif_per_language": minimum.DIF_GROUP,
            "retest_pairs": minimum.RETEST,
        },
        "versions": versions,
    }


def _form(r: Response) -> str:
    """The form a response's figures come from: adaptive only when the short form stopped early."""
    return "adaptive" if getattr(r, "form", "full") == "adaptive" else "full"


def _group(
    bank: Bank, name: str, group: list[Response], scored: Any, boot: int, rng: np.random.Generator
) -> dict[str, Any]:
    finished = [r for r in group if r.finished]
    reliability = {}
    for dim in bank.dimensions:
        ids, x = keyed_matrix(bank, finished, dim.id)
        reliability[dim.id] = dimension_reliability(ids, x, boot=boot, rng=rng)
    return {
        "lang": name,
        "n": minimum.count(len(group)),
        "usage": usage(bank, group),
        "category_use": category_use(bank, group),
        "reliability": reliability,
        "known_groups": known_groups(bank, finished, scored),
        "retest": retest(bank, finished, scored),
    }


# --- the readable table -------------------------------------------------------------------------


def _missing(fig: Any, unit: str = "") -> str | None:
    if isinstance(fig, dict) and fig.get("status") == "not_enough_data":
        n = fig["n"]
        have = ", ".join(f"{k.upper()} {v}" for k, v in n.items()) if isinstance(n, dict) else f"n={n}"
        return f"not enough data ({have}, needs {fig['needed']}{unit})"
    return None


def _fmt(v: Any) -> str:
    return "-" if v is None else f"{v:.2f}" if isinstance(v, float) else str(v)


def _ci(fig: dict[str, Any]) -> str:
    ci = fig.get("ci95")
    return f"{_fmt(fig['value'])} [{_fmt(ci[0])}, {_fmt(ci[1])}]" if ci else _fmt(fig.get("value"))


def render_table(report: dict[str, Any]) -> str:
    """The report as plain text: one block per bank version and language."""
    versions = f"scoring {report['scoring_version']}, installed bank {report['installed_bank_version']}"
    out: list[str] = [f"rolefit psychometrics ({versions})"]
    if not report["versions"]:
        out.append("no stored responses match")
    for version in report["versions"]:
        out.append("")
        out.append(f"== bank {version['bank_version']}: {version['n']} assessments ==")
        if "forms" in version:
            forms = version["forms"]
            out.append(f"forms: full {forms['full']}, adaptive short form {forms['adaptive']}")
        for g in version["groups"]:
            out.extend(_render_group(g))
        if "midpoint_by_language" in version:
            out.extend(_render_midpoint(version["midpoint_by_language"]))
        if "dif" in version:
            out.extend(_render_dif(version["dif"]))
        else:
            out.extend(["", "(differential item functioning compares languages: run without --lang to see it)"])
    return "\n".join(out) + "\n"


def _render_group(g: dict[str, Any]) -> list[str]:
    out = ["", f"-- language: {g['lang']} ({g['n']} assessments) --"]
    u = g["usage"]
    if (miss := _missing(u)) is not None:
        out.append(f"usage: {miss}")
    else:
        out.append(
            f"completion {_fmt(u['completion_rate'])}  skip rate {_fmt(u['skip_rate'])}  "
            f"median {_fmt(u['median_seconds_per_answer'])} s per answer, {_fmt(u['median_minutes_total'])} min in all"
        )
        if u["most_skipped"]:
            out.append("most skipped: " + ", ".join(f"{s['item']} {s['rate']:.2f}" for s in u["most_skipped"]))
    c = g["category_use"]
    if (miss := _missing(c)) is not None:
        out.append(f"category use: {miss}")
    else:
        shares = "  ".join(f"{k}:{v:.2f}" for k, v in c["shares"].items())
        out.append(f"statement answers 1..5: {shares}  (middle {c['midpoint']:.2f}, ends {c['extremes']:.2f})")
    out.append(f"{'dimension':<14}{'n':>6}  {'alpha [95% CI]':<22}{'omega [95% CI]':<22}lowest item-rest")
    for dim, fig in g["reliability"].items():
        if (miss := _missing(fig)) is not None:
            out.append(f"{dim:<14}{'':>6}  {miss}")
            continue
        rest = [(v["item_rest"], k) for k, v in fig["items"].items() if v.get("item_rest") is not None]
        low = f"{min(rest)[1]} {min(rest)[0]:.2f}" if rest else "-"
        out.append(f"{dim:<14}{fig['n']:>6}  {_ci(fig['alpha']):<22}{_ci(fig['omega']):<22}{low}")
    k = g["known_groups"]
    if (miss := _missing(k, " per role")) is not None:
        out.append(f"known groups (current AM vs PM): {miss}")
    else:
        effects = "  ".join(f"{d}:{e['g']:+.2f}" for d, e in k["effect_am_minus_pm"].items())
        out.append(f"known groups AM {k['n']['am']} vs PM {k['n']['pm']}, Hedges' g: {effects}")
        out.append(
            f"  call matches the role {k['call_matches_role']:.2f} (AM called AM {k['calls']['am']['called_am']:.2f}, "
            f"PM called PM {k['calls']['pm']['called_pm']:.2f})"
        )
    t = g["retest"]
    if (miss := _missing(t, " pairs")) is not None:
        out.append(f"test-retest: {miss}")
    else:
        rs = "  ".join(f"{d}:{v['r']:.2f}" for d, v in t["r"].items())
        out.append(f"test-retest {t['pairs']} pairs, r: {rs}; same call {t['same_call']:.2f}")
    return out


def _render_midpoint(m: dict[str, Any]) -> list[str]:
    out = ["", f"-- middle answers by language (against {m['reference']}) --"]
    if (miss := _missing(m)) is not None:
        return [*out, miss]
    for lang, row in m["languages"].items():
        if (miss := _missing(row)) is not None:
            out.append(f"{lang:<8} {miss}")
        elif "ratio" in row:
            out.append(f"{lang:<8} middle {row['midpoint']:.3f}  x{_fmt(row['ratio'])}  p={row['p']:.3g}")
        else:
            out.append(f"{lang:<8} middle {row['midpoint']:.3f}  (reference)")
    return out


def _render_dif(d: dict[str, Any]) -> list[str]:
    out = ["", f"-- differential item functioning against {d['reference']} (ETS A/B/C) --"]
    if (miss := _missing(d)) is not None:
        return [*out, miss]
    for lang, fig in d.get("not_enough", {}).items():
        out.append(f"{lang}: {_missing(fig)}")
    if not d["flagged"]:
        out.append(f"no item flagged B or C ({len(d['items'])} items checked)")
    for f in d["flagged"]:
        side = "AM" if f["delta"] < 0 else "PM"
        out.append(
            f"{f['class']}  {f['item']:<24}{f['lang']:<8} delta {f['delta']:+.2f} (se {f['se']:.2f}), leans {side}"
        )
    return out
