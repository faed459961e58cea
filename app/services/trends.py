"""Comparison and trends: a cohort beside another cohort or beside the whole organisation (per dimension,
and how the calls are distributed), and the distribution by month of completion.

The same rules as the dashboard: a group under K people shows nothing; a hidden count that the visible
ones would give away by subtraction hides the next smallest too (:func:`app.services.hr.suppress`); and
two views of which one contains the other (a cohort and its organisation, a cohort's month and the
organisation's month) must not differ by 1..K-1 people, or the difference would describe a group
smaller than K: then the smaller view hides what would give the difference away.

Cost: the organisation's figures are sums of ``participation_rollup`` month rows (kept by triggers: a few
rows per month, whatever the number of people); a cohort's come from its own rows of the covering index
``ix_participation_summary`` (the cohort's size, never the organisation's).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sql_select
from sqlmodel import col, select

from app.db import Database
from app.models import Cohort, Participation
from app.services.hr import DIMENSIONS, FITS, ROLLUP, K, suppress

Counts = dict[str, int]  # "n" and one per call (FITS)


@dataclass
class Side:
    label: str  # a cohort's name, or "" for the whole organisation
    n: int | None = None  # None: fewer than K (or hidden by the differencing rule)
    distribution: dict[str, int | None] = field(default_factory=dict)
    means: dict[str, float | None] = field(default_factory=dict)
    small: frozenset[str] = frozenset()  # the hidden calls that are themselves under K (others protect them)


@dataclass
class Month:
    month: date
    n: int | None
    distribution: dict[str, int | None]
    small: bool = False  # hidden because fewer than K finished that month (else: hidden to protect another)
    small_calls: frozenset[str] = frozenset()


@dataclass
class Comparison:
    a: Side
    b: Side
    blocked: str | None = None  # "differencing": the organisation minus the cohort would be under K
    months: list[Month] = field(default_factory=list)  # the trend of a


@dataclass
class _Raw:
    counts: Counts
    sums: dict[str, float]
    dims: dict[str, int]


def _empty() -> _Raw:
    return _Raw({"n": 0, **dict.fromkeys(FITS, 0)}, dict.fromkeys(DIMENSIONS, 0.0), dict.fromkeys(DIMENSIONS, 0))


def _month(day: Any) -> date:
    return date(day.year, day.month, 1)


def _cohort_raw(session: Any, cohort_id: str) -> tuple[_Raw, dict[date, Counts]]:
    """The cohort's finished people: totals and calls per month, summed in SQL over the cohort's rows of
    the covering index (month and call groups come back, never people)."""
    p = Participation
    finished = col(p.finished_at)
    if session.get_bind().dialect.name == "postgresql":
        month: Any = func.to_char(finished, "YYYY-MM")
    else:
        month = func.strftime("%Y-%m", finished)
    dims: list[Any] = [func.sum(col(getattr(p, f"d_{d}"))) for d in DIMENSIONS]
    dims += [func.count(col(getattr(p, f"d_{d}"))) for d in DIMENSIONS]
    rows = session.execute(
        sql_select(month, col(p.recommendation), func.count(), *dims)
        .where(col(p.cohort_id) == cohort_id, finished.is_not(None))
        .group_by(month, col(p.recommendation))
    ).all()
    total = _empty()
    months: dict[date, Counts] = defaultdict(lambda: {"n": 0, **dict.fromkeys(FITS, 0)})
    width = len(DIMENSIONS)
    for row in rows:
        call = row[1] if row[1] in FITS else "NOCALL"
        year, mon = (int(x) for x in str(row[0]).split("-"))
        n = int(row[2])
        for counts in (total.counts, months[date(year, mon, 1)]):
            counts["n"] += n
            counts[call] += n
        for i, d in enumerate(DIMENSIONS):
            total.sums[d] += float(row[3 + i] or 0)
            total.dims[d] += int(row[3 + width + i] or 0)
    return total, dict(months)


def _org_raw(session: Any, org_id: str) -> tuple[_Raw, dict[date, Counts]]:
    """The organisation's finished people from the rollup's month rows (sums kept by triggers)."""
    r = ROLLUP.c
    sums = [r.n, r.n_am, r.n_pm, r.n_hybrid]
    sums += [r[f"s_{d}"] for d in DIMENSIONS] + [r[f"c_{d}"] for d in DIMENSIONS]
    found = session.execute(
        sql_select(r.day, *(func.sum(c) for c in sums))
        .where(r.org_id == org_id, r.grain == "m")
        .group_by(r.day)
        .order_by(r.day)
    ).all()
    total = _empty()
    months: dict[date, Counts] = {}
    dims = len(DIMENSIONS)
    for row in found:
        n, am, pm, hybrid = (int(x or 0) for x in row[1:5])
        counts = {"n": n, "AM": am, "PM": pm, "HYBRID": hybrid, "NOCALL": n - am - pm - hybrid}
        months[_month(row[0])] = counts
        for key, value in counts.items():
            total.counts[key] += value
        for i, d in enumerate(DIMENSIONS):
            total.sums[d] += float(row[5 + i] or 0)
            total.dims[d] += int(row[5 + dims + i] or 0)
    return total, months


def guarded(part: Counts, whole: Counts | None = None) -> dict[str, int | None]:
    """``part``'s calls, suppressed; with ``whole`` (a view that contains it) also every call whose
    difference ``whole - part`` would be 1..K-1, and again the smallest visible one while the hidden
    ones add up to 1..K-1 (so none can be read off the total)."""
    shown = suppress({k: part[k] for k in FITS})
    if whole is None:
        return shown
    while True:
        leaks = [k for k in FITS if shown[k] is not None and 0 < whole[k] - part[k] < K]
        if not leaks:
            return shown
        for k in leaks:
            shown[k] = None
        hidden = sum(part[k] for k in FITS if shown[k] is None)
        visible = sorted((part[k], k) for k in FITS if shown[k] is not None)
        while 0 < hidden < K and visible:
            n, k = visible.pop(0)
            shown[k] = None
            hidden += n


def _side(label: str, raw: _Raw, whole: _Raw | None = None) -> Side:
    n = raw.counts["n"]
    if n < K:
        return Side(label)
    means = {d: (round(raw.sums[d] / raw.dims[d], 1) if raw.dims[d] else None) for d in DIMENSIONS}
    small = frozenset(k for k in FITS if raw.counts[k] < K)
    return Side(label, n, guarded(raw.counts, whole.counts if whole else None), means, small)


def _months(months: dict[date, Counts], wider: dict[date, Counts] | None) -> list[Month]:
    """Months in order; each under K (or 1..K-1 away from the wider view's same month) hidden, and more
    hidden while the hidden months add up to 1..K-1 (the total would give them away)."""
    sizes = {m: c["n"] for m, c in months.items()}
    shown = suppress({m.isoformat(): n for m, n in sizes.items()})
    if wider is not None:
        for m, n in sizes.items():
            if 0 < wider.get(m, {"n": n})["n"] - n < K:
                shown[m.isoformat()] = None
        hidden = sum(n for m, n in sizes.items() if shown[m.isoformat()] is None)
        visible = sorted((n, m) for m, n in sizes.items() if shown[m.isoformat()] is not None)
        while 0 < hidden < K and visible:
            n, m = visible.pop(0)
            shown[m.isoformat()] = None
            hidden += n
    out = []
    for m in sorted(months):
        visible_n = shown[m.isoformat()]
        whole = wider.get(m) if wider is not None else None
        calls = guarded(months[m], whole) if visible_n is not None else dict.fromkeys(FITS)
        small_calls = frozenset(k for k in FITS if months[m][k] < K)
        out.append(Month(m, visible_n, calls, sizes[m] < K, small_calls))
    return out


def compare(db: Database, org_id: str, a: str | None, b: str | None) -> Comparison | None:
    """Cohort ``a`` (None: the organisation) beside cohort ``b`` (None: the organisation), and ``a``'s
    months. None when a cohort is not this organisation's."""
    with db.read() as session:
        names: dict[str, str] = {}
        for cohort_id in (a, b):
            if cohort_id is not None:
                cohort = session.exec(select(Cohort).where(Cohort.id == cohort_id, Cohort.org_id == org_id)).first()
                if cohort is None:
                    return None
                names[cohort_id] = cohort.name
        org, org_months = _org_raw(session, org_id)
        raw_a, months_a = _cohort_raw(session, a) if a is not None else (org, org_months)
        raw_b, _ = _cohort_raw(session, b) if b is not None else (org, org_months)
    # a cohort beside (or inside) the organisation: the rest of the organisation must not be a small group
    blocked = None
    sides = []
    for cohort_id, raw in ((a, raw_a), (b, raw_b)):
        side = _side(names.get(cohort_id or "", ""), raw, org if cohort_id is not None else None)
        if cohort_id is not None and 0 < org.counts["n"] - raw.counts["n"] < K:
            blocked, side = "differencing", Side(side.label)  # its means and calls would give the rest's away
        sides.append(side)
    months = _months(months_a, org_months if a is not None else None)
    side_a, side_b = sides
    return Comparison(side_a, side_b, blocked, months)


def cohort_choices(db: Database, org_id: str) -> list[tuple[str, str]]:
    with db.read() as session:
        query = select(Cohort).where(Cohort.org_id == org_id).order_by(col(Cohort.created_at))
        return [(c.id, c.name) for c in session.exec(query)]
