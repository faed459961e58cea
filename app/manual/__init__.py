"""The technical manual, generated from the data: ``rolefit manual --out docs/manual/``.

One face: :func:`write`. It takes the psychometrics report the CLI computed (``analytics.psychometrics``:
the statistics stay in the optional extra) and renders, per language, an HTML page and a PDF (WeasyPrint,
as ``app/reports.py``). The sections follow the EFPA test review model; each names the ITC guideline and
the chapter of the 2014 Standards it answers, and the checklist at the end says what is shown and what is
not known yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from app.config import ROOT
from scoring import SCORING_VERSION
from scoring.model import Bank

__all__ = ["write"]

CSS = "app/static/css/manual.css"
WEB_CSS = "/static/css/manual.css"  # the same file, as the web page (/ops/manual) links it


def _figures(bank: Bank, report: dict[str, Any]) -> dict[str, Any]:
    """The installed bank version's figures over all languages (empty when nothing is stored)."""
    version = next((v for v in report.get("versions", []) if v["bank_version"] == bank.version), None)
    if version is None:
        return {"n": 0, "group": None, "dif": None, "midpoint": None, "forms": None}
    group = next((g for g in version["groups"] if g["lang"] == "all"), None)
    return {
        "n": version["n"],
        "group": group,
        "dif": version.get("dif"),
        "midpoint": version.get("midpoint_by_language"),
        "forms": version.get("forms"),  # results of the full and of the adaptive short form, counted apart
    }


def _status(fig: Any) -> str:
    """shown | suppressed | absent, for the checklist."""
    if not fig:
        return "absent"
    if isinstance(fig, dict) and fig.get("status") is not None:
        return "suppressed"
    if isinstance(fig, dict) and all(isinstance(v, dict) and v.get("status") for v in fig.values()):
        return "suppressed"
    return "shown"


def context(bank: Bank, report: dict[str, Any], generated_on: date, params_version: str | None) -> dict[str, Any]:
    figs = _figures(bank, report)
    g = figs["group"] or {}
    kinds = {k: sum(1 for i in bank.orientation_items if i.kind == k) for k in ("likert", "paired", "situational")}
    status = {
        "reliability": _status(g.get("reliability")),
        "retest": _status(g.get("retest")),
        "known_groups": _status(g.get("known_groups")),
        "dif": _status(figs["dif"]),
        "usage": _status(g.get("usage")),
    }
    return {
        "report": report,
        "figures": figs,
        "group": g,
        "status": status,
        "kinds": kinds,
        "checks": len(bank.check_items),
        "skills": len(bank.proficiency_items),
        "dims": {d.id: d.name for d in bank.dimensions},
        "dimensions": bank.dimensions,
        "bank_version": bank.version,
        "scoring_version": SCORING_VERSION,
        "params_version": params_version,
        "generated_on": generated_on,
        "languages": bank.languages,
    }


def write(
    out: Path,
    bank: Bank,
    report: dict[str, Any],
    langs: Iterable[str],
    *,
    generated_on: date,
    params_version: str | None = None,
    pdf: bool = True,
) -> list[Path]:
    """Write ``manual.<lang>.html`` (and ``.pdf``) for each language into ``out``; return the files."""
    from app.reports import html_to_pdf
    from app.templating import environment

    out.mkdir(parents=True, exist_ok=True)
    ctx = context(bank, report, generated_on, params_version)
    css = out / "manual.css"
    css.write_text((ROOT / CSS).read_text(encoding="utf-8"), encoding="utf-8")
    written = [css]
    for lang in langs:
        template = environment(lang).get_template("manual/manual.html")
        page = out / f"manual.{lang}.html"
        page.write_text(template.render(lang=lang, css="manual.css", **ctx), encoding="utf-8")
        written.append(page)
        if pdf:
            doc = out / f"manual.{lang}.pdf"
            doc.write_bytes(html_to_pdf(template.render(lang=lang, css=CSS, **ctx)))  # relative to ROOT
            written.append(doc)
    return written
