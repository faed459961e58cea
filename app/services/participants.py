"""The organisation's identified participants, one row each: search, sort, filters and pages in SQL; and one
participant's page. Aggregate-only participants never appear here, by row or by page (their summary only
counts in the dashboard's groups of at least five).

Each sort walks its own index (``ix_participation_people_*``: organisation, visibility, the key, name), so a
page costs what it shows, not the organisation's size; the total is counted up to :data:`COUNT_CAP` and
the page says "more than" beyond it. A search counts its matches through the trigram index up to
``app.search.CAP`` ("1,000+ matches" beyond) and, when they are more, walks the same sort index checking
each row's text (``app.search.plan``): a page of a broad search costs a page, not the matches.

Where people without a value (no department, not finished) come in a sort follows the database (SQLite:
first when ascending; PostgreSQL: last): either way they stay together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlalchemy import select as sql_select
from sqlmodel import col, select

from app import search
from app.db import Database
from app.models import Cohort, Participation, Person
from app.services.hr import DIMENSIONS, FITS, employee_actions
from scoring.model import Bank

PAGE = 50
COUNT_CAP = 10_000  # beyond this the page says "more than 10,000" (an exact count reads every match)
STATUSES = ("started", "finished")
CALLS = FITS
SORTS = {
    "name": Participation.display_name,
    "department": Participation.department,
    "level": Participation.level,
    "status": Participation.finished_at,  # not finished yet together, the finished by date
    "activity": Participation.finished_at,
    "call": Participation.recommendation,
}


@dataclass(frozen=True)
class Query:
    search: str = ""
    cohort: str | None = None
    department: str | None = None
    level: str | None = None
    status: str | None = None  # started | finished
    call: str | None = None  # AM | PM | HYBRID | NOCALL
    sort: str = "name"
    descending: bool = False
    offset: int = 0

    def active(self) -> dict[str, str]:
        """The query as URL parameters (for links that keep it)."""
        out = {
            "q": self.search,
            "cohort": self.cohort or "",
            "department": self.department or "",
            "level": self.level or "",
            "status": self.status or "",
            "call": self.call or "",
            "sort": ("-" if self.descending else "") + self.sort,
        }
        return {k: v for k, v in out.items() if v and not (k == "sort" and v == "name")}


@dataclass(frozen=True)
class Row:
    id: str
    name: str
    email: str | None
    cohort: str
    department: str | None
    level: str | None
    current_role: str
    status: str
    activity: datetime
    call: str | None
    readiness: float | None  # for the track of the call (AM or PM); None otherwise


@dataclass(frozen=True)
class Listing:
    rows: list[Row]
    total: int  # up to COUNT_CAP + 1
    capped: bool
    query: Query
    options: dict[str, list[Any]]
    has_next: bool = False  # a row after this page (paging goes on past the count's cap)
    short: bool = False  # a search of one or two characters: the words that start with it


def _conditions(dialect: str, org_id: str, q: Query) -> list[ColumnElement[bool]]:
    p = Participation
    conds: list[ColumnElement[bool]] = [col(p.org_id) == org_id, col(p.visibility) == "identified"]
    if q.cohort:
        conds.append(col(p.cohort_id) == q.cohort)
    if q.department:
        conds.append(col(p.department) == q.department)
    if q.level:
        conds.append(col(p.level) == q.level)
    if q.status == "finished":
        conds.append(col(p.finished_at).is_not(None))
    elif q.status == "started":
        conds.append(col(p.finished_at).is_(None))
    if q.call:
        conds.append(col(p.recommendation) == q.call)
    return conds


def _options(session: Any, org_id: str) -> dict[str, list[Any]]:
    """Filter choices from the cohorts' own lists (no scan of the participants)."""
    cohorts = list(session.exec(select(Cohort).where(Cohort.org_id == org_id).order_by(col(Cohort.created_at))))
    departments: list[str] = []
    levels: list[str] = []
    for cohort in cohorts:
        departments += [d for d in cohort.departments if d not in departments]
        levels += [v for v in cohort.levels if v not in levels]
    return {
        "cohorts": [(c.id, c.name) for c in cohorts],
        "departments": departments,
        "levels": levels,
        "statuses": list(STATUSES),
        "calls": list(FITS),
    }


def listing(db: Database, org_id: str, q: Query, page: int = PAGE) -> Listing:
    """One page of the organisation's identified participants for ``q``."""
    p = Participation
    conds = _conditions(db.dialect, org_id, q)
    searching = bool(search.fold(q.search))
    key = col(SORTS.get(q.sort, p.display_name))
    order = (
        [key.desc(), col(p.display_name).desc(), col(p.id).desc()]
        if q.descending
        else [key, col(p.display_name), col(p.id)]
    )
    if q.sort == "name":
        order = order[1:]
    columns: list[Any] = [
        p.id,
        p.display_name,
        Person.email,
        Cohort.name,
        p.department,
        p.level,
        p.current_role,
        p.consented_at,
        p.finished_at,
        p.recommendation,
        p.readiness_am,
        p.readiness_pm,
    ]
    base = sql_select(*(col(c) for c in columns)).select_from(p)
    base = base.join(Cohort, col(Cohort.id) == col(p.cohort_id))
    base = base.join(Person, col(Person.id) == col(p.person_id), isouter=True)
    cap = search.CAP if searching else COUNT_CAP
    with db.read() as session:
        if searching:
            matching, total = search.plan(session, db.dialect, q.search, p, conds)
            conds = [*conds, matching]
        else:
            capped = sql_select(col(p.id)).select_from(p).where(*conds).limit(COUNT_CAP + 1).subquery()
            total = int(session.execute(sql_select(func.count()).select_from(capped)).scalar_one())
        found = session.execute(base.where(*conds).order_by(*order).limit(page + 1).offset(q.offset)).all()
        options = _options(session, org_id)
    rows = []
    for r in found[:page]:
        readiness = r[10] if r[9] == "AM" else r[11] if r[9] == "PM" else None
        rows.append(
            Row(
                id=r[0],
                name=r[1] or "",
                email=r[2],
                cohort=r[3],
                department=r[4],
                level=r[5],
                current_role=r[6],
                status="finished" if r[8] is not None else "started",
                activity=r[8] or r[7],
                call=r[9],
                readiness=readiness,
            )
        )
    return Listing(
        rows,
        min(total, cap),
        total > cap,
        q,
        options,
        has_next=len(found) > page,
        short=searching and search.short(q.search),
    )


@dataclass(frozen=True)
class Gap:
    skill: str
    actions: tuple[str, ...]  # action ids, for employees (app.services.hr.employee_actions)


@dataclass(frozen=True)
class Profile:
    """What the participant agreed HR sees: never their answers."""

    id: str
    name: str
    email: str | None
    cohort_id: str
    cohort: str
    department: str | None
    level: str | None
    current_role: str
    consented_at: datetime
    finished_at: datetime | None
    call: str | None
    overall: float | None
    readiness: dict[str, float | None]
    dimensions: dict[str, float | None]
    fit: str | None  # am | pm: the track whose gaps the plan closes (the side the overall score leans to)
    gaps: list[Gap]


def _skills(bank: Bank, mask: int) -> list[str]:
    return [s.id for i, s in enumerate(bank.skills) if mask >> i & 1]


def profile(db: Database, bank: Bank, org_id: str, participation_id: str) -> Profile | None:
    """One identified participant of ``org_id``; None for anyone else (aggregate-only, withdrawn, another
    organisation's, unknown): the caller answers 404 to all of them alike."""
    if len(participation_id) > 32:
        return None
    with db.read() as session:
        found = session.exec(
            select(Participation, Cohort.name, Person.email)
            .join(Cohort, col(Cohort.id) == col(Participation.cohort_id))
            .join(Person, col(Person.id) == col(Participation.person_id), isouter=True)
            .where(col(Participation.id) == participation_id, col(Participation.org_id) == org_id)
            .where(col(Participation.visibility) == "identified")
        ).first()
    if found is None:
        return None
    p, cohort_name, email = found
    fit: str | None = None
    gaps: list[Gap] = []
    if p.finished_at is not None and p.overall is not None:
        fit = "am" if p.overall >= 0 else "pm"
        mask = p.gaps_am if fit == "am" else p.gaps_pm
        gaps = [Gap(s, employee_actions(bank, s, fit, p.current_role)) for s in _skills(bank, mask)]
    return Profile(
        id=p.id,
        name=p.display_name or "",
        email=email,
        cohort_id=p.cohort_id,
        cohort=cohort_name,
        department=p.department,
        level=p.level,
        current_role=p.current_role,
        consented_at=p.consented_at,
        finished_at=p.finished_at,
        call=p.recommendation,
        overall=p.overall,
        readiness={"am": p.readiness_am, "pm": p.readiness_pm},
        dimensions={d: getattr(p, f"d_{d}") for d in DIMENSIONS},
        fit=fit,
        gaps=gaps,
    )
