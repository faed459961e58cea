"""HR cohorts: invitations, consent, withdrawal, and the team dashboard computed in SQL.

Privacy rules enforced here, not in templates:

- every query is scoped to one organisation (``org_id``); an object of another
  organisation is "not found";
- aggregate-only participants are counted, never listed;
- any number that would describe fewer than ``K`` people is suppressed, and a
  second cell is suppressed when the first could be recovered by subtraction;
- a filter combination is refused when dropping any one of its filters would
  change the group by 1..K-1 people (the difference would single someone out).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, bindparam, case, delete, func, or_, update
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from app import search
from app.db import Database
from app.models import (
    GAP_BITS,
    Cohort,
    Invitation,
    MailToken,
    Organisation,
    Participation,
    ParticipationRollup,
    Person,
    PersonalInvitation,
    WebhookDelivery,
)
from app.services import forms, quiz, webhooks
from app.tokens import hash_token, new_public_id, new_token
from scoring.model import ROLES, Bank, Result

K = 5
DIMENSIONS = ("scope", "stakeholders", "horizon", "capability", "position", "career")
READY = 80.0  # readiness % at which a person counts as ready for a track
NEAR = 60.0
CANDIDATES_SHOWN = 100
VISIBILITY = ("identified", "aggregate")


class HrError(ValueError):
    def __init__(self, code: str, field: str = "") -> None:
        self.code, self.field = code, field
        super().__init__(f"{field}: {code}")


# --- cohorts and invitations ---------------------------------------------------------------------


@dataclass(frozen=True)
class NewInvitation:
    invitation: Invitation
    token: str  # shown once


def _clean_list(values: Sequence[str], what: str) -> list[str]:
    out: list[str] = []
    for v in values:
        v = v.strip()
        if not v:
            continue
        if len(v) > 100:
            raise HrError("too_long", what)
        if v not in out:
            out.append(v)
    if len(out) > 50:
        raise HrError("too_many", what)
    return out


def create_cohort(
    db: Database,
    org_id: str,
    *,
    name: str,
    departments: Sequence[str] = (),
    levels: Sequence[str] = (),
    closes_at: datetime | None = None,
    max_participants: int | None = None,
    now: datetime,
    form: str = "full",
) -> tuple[Cohort, NewInvitation]:
    """A cohort and its first invitation; ``form``: full or adaptive (the short form; app/services/forms.py)."""
    name = name.strip()
    if form not in forms.FORMS:
        raise HrError("invalid", "form")
    if not 1 <= len(name) <= 200:
        raise HrError("bad_name", "name")
    if closes_at is not None and closes_at <= now:
        raise HrError("bad_date", "closes_at")
    if max_participants is not None and not 1 <= max_participants <= 1_000_000:
        raise HrError("bad_max", "max_participants")
    cohort = Cohort(
        id=new_public_id(),
        org_id=org_id,
        name=name,
        departments=_clean_list(departments, "departments"),
        levels=_clean_list(levels, "levels"),
        closes_at=closes_at,
        max_participants=max_participants,
        created_at=now,
        form=form,
    )
    with db.write() as session:
        session.add(cohort)
        session.flush()
        invitation = _add_invitation(session, cohort, now)
    return cohort, invitation


def _add_invitation(session: Session, cohort: Cohort, now: datetime) -> NewInvitation:
    token = new_token()
    inv = Invitation(
        id=new_public_id(),
        cohort_id=cohort.id,
        token_hash=hash_token(token),
        max_uses=cohort.max_participants,
        created_at=now,
    )
    session.add(inv)
    return NewInvitation(inv, token)


def new_invitation(db: Database, org_id: str, cohort_id: str, now: datetime, label: str | None = None) -> NewInvitation:
    """A shared invitation link; ``label`` is HR's own name for it, so two links can be told apart."""
    label = " ".join((label or "").split())[:80] or None
    with db.write() as session:
        cohort = session.get(Cohort, cohort_id)
        if cohort is None or cohort.org_id != org_id:
            raise HrError("not_found")
        used = session.exec(
            select(func.count()).select_from(Participation).where(Participation.cohort_id == cohort_id)
        ).one()
        made = _add_invitation(session, cohort, now)
        made.invitation.label = label
        if cohort.max_participants is not None:
            made.invitation.max_uses = max(0, cohort.max_participants - int(used))
        return made


def revoke_invitation(db: Database, org_id: str, invitation_id: str, now: datetime) -> bool:
    with db.write() as session:
        inv = session.get(Invitation, invitation_id)
        cohort = session.get(Cohort, inv.cohort_id) if inv else None
        if inv is None or cohort is None or cohort.org_id != org_id or inv.revoked_at is not None:
            return False
        inv.revoked_at = now
        session.add(inv)
        return True


@dataclass(frozen=True)
class CohortRow:
    cohort: Cohort
    participants: int  # finished or not, withdrawn excluded (a withdrawal deletes the row)
    finished: int
    invitations: tuple[Invitation, ...]


def cohorts_of(db: Database, org_id: str, cohort_id: str | None = None) -> list[CohortRow]:
    """The organisation's cohorts (or the one ``cohort_id``), newest first, with their counts.

    The counts are ``cohort.participants`` / ``cohort.finished``, kept by triggers on participation
    (migration scale_0001), so this page costs the cohorts it lists, not the people in them.
    """
    with db.read() as session:
        query = select(Cohort).where(Cohort.org_id == org_id)
        inv_query = (
            select(Invitation).join(Cohort, col(Cohort.id) == col(Invitation.cohort_id)).where(Cohort.org_id == org_id)
        )
        if cohort_id is not None:
            query = query.where(Cohort.id == cohort_id)
            inv_query = inv_query.where(Invitation.cohort_id == cohort_id)
        cohorts = list(session.exec(query.order_by(col(Cohort.created_at).desc())))
        invitations: dict[str, list[Invitation]] = {}
        for inv in session.exec(inv_query):
            invitations.setdefault(inv.cohort_id, []).append(inv)
    return [CohortRow(c, c.participants, c.finished, tuple(invitations.get(c.id, []))) for c in cohorts]


def cohort_row(db: Database, org_id: str, cohort_id: str) -> CohortRow | None:
    """One cohort of ``org_id`` with its counts and invitations (None for another organisation's)."""
    if len(cohort_id) > 32:
        return None
    rows = cohorts_of(db, org_id, cohort_id)
    return rows[0] if rows else None


def cohort_of(db: Database, org_id: str, cohort_id: str) -> Cohort | None:
    """The cohort if it belongs to ``org_id``; None otherwise (callers answer 404)."""
    if len(cohort_id) > 32:
        return None
    with db.read() as session:
        cohort = session.get(Cohort, cohort_id)
        return cohort if cohort is not None and cohort.org_id == org_id else None


@dataclass(frozen=True)
class OpenInvitation:
    invitation: Invitation
    cohort: Cohort
    organisation: Organisation


def open_invitation(db: Database, token: str, now: datetime) -> OpenInvitation | None:
    """The invitation for ``token`` if people can still join with it (not revoked, not full, not closed)."""
    if not token or len(token) > 100:
        return None
    with db.read() as session:
        inv = session.exec(select(Invitation).where(Invitation.token_hash == hash_token(token))).first()
        if inv is None:  # a reminder's link to the same personal invitation (app/mail/reminder.py)
            inv = session.exec(
                select(Invitation)
                .join(PersonalInvitation, col(PersonalInvitation.invitation_id) == col(Invitation.id))
                .join(MailToken, col(MailToken.personal_invitation_id) == col(PersonalInvitation.id))
                .where(col(MailToken.token_hash) == hash_token(token), col(MailToken.purpose) == "join")
            ).first()
        if inv is None or inv.revoked_at is not None:
            return None
        if inv.expires_at is not None and inv.expires_at <= now:
            return None
        if inv.max_uses is not None and inv.uses >= inv.max_uses:
            return None
        cohort = session.get(Cohort, inv.cohort_id)
        if cohort is None or (cohort.closes_at is not None and cohort.closes_at <= now):
            return None
        org = session.get(Organisation, cohort.org_id)
        assert org is not None
        return OpenInvitation(inv, cohort, org)


def consent_problems(
    cohort: Cohort, *, visibility: str, display_name: str | None, department: str | None, level: str | None
) -> dict[str, str]:
    """Every problem with a consent form at once, field -> message code, in the form's order (empty when fine)."""
    problems: dict[str, str] = {}
    if visibility not in VISIBILITY:
        problems["visibility"] = "bad_visibility"
    name = (display_name or "").strip()
    if visibility == "identified" and (not name or len(name) > 120):
        problems["display_name"] = "name_required"
    if cohort.departments and department not in cohort.departments:
        problems["department"] = "bad_department"
    if cohort.levels and level not in cohort.levels:
        problems["level"] = "bad_level"
    return problems


def join(
    db: Database,
    bank: Bank,
    token: str,
    *,
    visibility: str,
    display_name: str | None,
    department: str | None,
    level: str | None,
    lang: str,
    current_role: str,
    years: str | None,
    now: datetime,
) -> tuple[quiz.Started, Participation]:
    """Consent given: take one use of the invitation (atomically) and start the person's assessment."""
    found = open_invitation(db, token, now)
    if found is None:
        raise HrError("closed")
    cohort = found.cohort
    problems = consent_problems(
        cohort, visibility=visibility, display_name=display_name, department=department, level=level
    )
    if problems:
        field, code = next(iter(problems.items()))
        raise HrError(code, field)
    name = (display_name or "").strip() or None
    if visibility == "aggregate":
        name = None
    started = quiz.new_assessment(bank, lang=lang, current_role=current_role, years=years, form=cohort.form)
    participation = Participation(
        id=new_public_id(),
        org_id=cohort.org_id,
        cohort_id=cohort.id,
        assessment_id=started.assessment.id,
        visibility=visibility,
        display_name=name,
        department=department if cohort.departments else None,
        level=level if cohort.levels else None,
        current_role=current_role,
        consented_at=now,
    )
    with db.write() as session:
        taken = session.execute(
            update(Invitation)
            .where(col(Invitation.id) == found.invitation.id)
            .where(col(Invitation.revoked_at).is_(None))
            .where(or_(col(Invitation.max_uses).is_(None), col(Invitation.uses) < col(Invitation.max_uses)))
            .values(uses=col(Invitation.uses) + 1)
        )
        if getattr(taken, "rowcount", 0) != 1:
            raise HrError("closed")
        personal = select(PersonalInvitation.person_id).where(PersonalInvitation.invitation_id == found.invitation.id)
        participation.person_id = session.exec(personal).first()  # a personal link: who in the people list
        if name is not None:
            email = None
            if participation.person_id is not None:
                email = session.exec(select(Person.email).where(Person.id == participation.person_id)).first()
            participation.search_text = search.document(name, participation.department, email)
        session.add(started.assessment)
        session.flush()
        session.add(participation)
        session.flush()
        # a personal invitation remembers who joined through it (the funnel; no reminder once finished)
        session.execute(
            update(PersonalInvitation)
            .where(col(PersonalInvitation.invitation_id) == found.invitation.id)
            .values(participation_id=participation.id)
        )
    return started, participation


@dataclass(frozen=True)
class Membership:
    participation: Participation
    cohort_name: str
    organisation_name: str


def memberships(db: Database, assessment_id: str) -> list[Membership]:
    with db.read() as session:
        rows = session.exec(
            select(Participation, Cohort.name, Organisation.name)
            .join(Cohort, col(Cohort.id) == col(Participation.cohort_id))
            .join(Organisation, col(Organisation.id) == col(Cohort.org_id))
            .where(Participation.assessment_id == assessment_id)
        )
        return [Membership(p, cname, oname) for p, cname, oname in rows]


def withdraw(db: Database, assessment_id: str, participation_id: str) -> bool:
    """The person leaves the cohort: their row is deleted at once, so HR no longer sees or counts them."""
    with db.read() as session:
        row = session.get(Participation, participation_id)
        if row is None or row.assessment_id != assessment_id:
            return False
        org_id, data = row.org_id, webhooks.participation_data(row, {})
    gone = erase_participations(db, [participation_id]) == 1
    if gone:
        with db.write() as session:
            webhooks.emit(session, org_id, "participation.withdrawn", data)
    return gone


def erase_participations(db: Database, ids: Sequence[str], *, purge: bool = False) -> int:
    """Delete these participations (a withdrawal, a retention purge, a deleted cohort) and leave no copy:
    the triggers (scale_0001) keep the cohort counters and rollups right; :meth:`Database.erased` after the
    commit removes the older copies (SQLite's WAL, PostgreSQL's dead tuples).

    ``purge``: erased by the organisation's retention, not by the person. The funnel's trigger
    (reminders_0001) counts every deleted participation as a withdrawal; a purged one is taken back out in
    the same transaction, so the funnel neither calls it a withdrawal nor counts it as started any more.
    The webhook deliveries about these participations go in the same transaction (a queued one is then
    never sent; the ``participation.withdrawn`` event, emitted after, carries only the id).
    """
    if not ids:
        return 0
    with db.write() as session:
        per_cohort: list[tuple[str, int]] = []
        if purge:
            per_cohort = [
                (str(cohort_id), int(n))
                for cohort_id, n in session.execute(
                    sql_select(col(Participation.cohort_id), func.count())
                    .where(col(Participation.id).in_(list(ids)))
                    .group_by(Participation.cohort_id)
                )
            ]
        gone = session.execute(delete(Participation).where(col(Participation.id).in_(list(ids))))
        count = int(getattr(gone, "rowcount", 0) or 0)
        # the webhook deliveries that spoke of these people (their result): not kept for replay any more
        session.execute(delete(WebhookDelivery).where(col(WebhookDelivery.participation_id).in_(list(ids))))
        for cohort_id, n in per_cohort:
            session.execute(
                update(Cohort).where(col(Cohort.id) == cohort_id).values(withdrawn=col(Cohort.withdrawn) - n)
            )
    if count:
        db.erased(("participation", "webhook_delivery"))
    return count


def summary_values(bank: Bank, result: Result, finished_at: datetime) -> dict[str, Any]:
    """The result's summary as the participation columns hold it (for SQL aggregates)."""
    masks = {"am": 0, "pm": 0}
    skill_index = {s.id: i for i, s in enumerate(bank.skills)}
    for row in result.readiness:
        for track in ("am", "pm"):
            gap = row.gap[track]  # type: ignore[index,unused-ignore]
            if gap is not None and gap > 0 and row.skill in skill_index:
                masks[track] |= 1 << skill_index[row.skill]
    dims = {d.id: d.score for d in result.dimensions}
    values: dict[str, Any] = {
        "finished_at": finished_at,
        "recommendation": result.recommendation,
        "overall": result.overall,
        "readiness_am": result.track_readiness["am"],
        "readiness_pm": result.track_readiness["pm"],
        "gaps_am": masks["am"],
        "gaps_pm": masks["pm"],
        "gaps_fit": masks["am"] if result.overall >= 0 else masks["pm"],
        "bank_version": result.bank_version,
    }
    return values | {f"d_{d}": dims.get(d) for d in DIMENSIONS}


def sync_summary(session: Session, bank: Bank, assessment_id: str, result: Result, finished_at: datetime) -> None:
    """Copy the result's summary into the person's participations (for SQL aggregates)."""
    values = summary_values(bank, result, finished_at)
    newly = session.exec(
        select(Participation).where(
            Participation.assessment_id == assessment_id, col(Participation.finished_at).is_(None)
        )
    ).all()
    session.execute(update(Participation).where(col(Participation.assessment_id) == assessment_id).values(**values))
    for p in newly:  # the organisations' webhooks hear of a first finish (a rescore is no new completion)
        webhooks.emit(session, p.org_id, "participation.completed", webhooks.participation_data(p, values), finished_at)


def sync_summaries(session: Session, rows: list[tuple[str, dict[str, Any]]]) -> None:
    """:func:`sync_summary` for many results in one executemany: ``(assessment id, summary_values(...))``."""
    if not rows:
        return
    table = Participation.__table__  # type: ignore[attr-defined]
    names = list(rows[0][1])
    stmt = (
        update(table).where(table.c.assessment_id == bindparam("_aid")).values({n: bindparam(f"_{n}") for n in names})
    )
    session.execute(stmt, [{"_aid": aid, **{f"_{n}": v[n] for n in names}} for aid, v in rows])


# --- the dashboard -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    department: str | None = None
    level: str | None = None
    current_role: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None

    def active(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


@dataclass(frozen=True)
class Group:
    label: str
    count: int | None  # None: fewer than K
    means: Mapping[str, float | None]


@dataclass(frozen=True)
class Candidate:
    name: str
    department: str | None
    current_role: str
    fit: str  # AM | PM
    readiness: float | None
    gaps: tuple[str, ...]  # skill ids, largest first (bank order among equals)


@dataclass(frozen=True)
class GapRow:
    skill: str
    count: int | None
    actions: tuple[str, ...]


@dataclass
class Dashboard:
    n: int | None  # people in the filtered group (None: fewer than K)
    blocked: str | None = None  # "small" | "differencing"
    distribution: dict[str, int | None] = field(default_factory=dict)
    heatmap_by: str = "department"
    heatmap: list[Group] = field(default_factory=list)
    overall_means: dict[str, float | None] = field(default_factory=dict)
    bench: dict[str, dict[str, int | None]] = field(default_factory=dict)
    candidates: list[Candidate] | None = None  # None: fewer than K to list
    gaps: list[GapRow] = field(default_factory=list)
    options: dict[str, list[str]] = field(default_factory=dict)


FITS = ("AM", "PM", "HYBRID", "NOCALL")  # every recommendation scoring 2.0.0 can give


def employee_actions(bank: Bank, skill: str, track: str | None = None, role: str | None = None) -> tuple[str, ...]:
    """Up to three plan actions for ``skill`` that suit an employee (HR's people, not students): those
    written for any starting role first, then those for ``role``; never the student-only ones (internship
    applications and the like)."""
    fitting = [
        a
        for a in bank.actions
        if skill in a.skills and (track is None or a.track == track) and set(a.from_roles) != {"student"}
    ]
    general = [a.id for a in fitting if not a.from_roles]
    own = [a.id for a in fitting if a.from_roles and (role is None or role in a.from_roles)]
    return tuple(dict.fromkeys(general + own))[:3]


def suppress(counts: Mapping[str, int], k: int = K) -> dict[str, int | None]:
    """Hide counts under ``k``; when the hidden ones add up to 1..k-1 (recoverable from the total by
    subtraction), hide the next smallest visible count too, until they are not."""
    out: dict[str, int | None] = {key: (n if n >= k else None) for key, n in counts.items()}
    hidden = sum(n for key, n in counts.items() if out[key] is None)
    while 0 < hidden < k:
        visible = sorted((n, key) for key, n in counts.items() if out[key] is not None)
        if not visible:
            break
        n, key = visible[0]
        out[key] = None
        hidden += n
    return out


def _scope(org_id: str, cohort_id: str | None) -> list[ColumnElement[bool]]:
    """Finished participants of one cohort (whose organisation the caller checks), or of the organisation."""
    if cohort_id is not None:
        return [col(Participation.cohort_id) == cohort_id, col(Participation.finished_at).is_not(None)]
    return [col(Participation.org_id) == org_id, col(Participation.finished_at).is_not(None)]


def _filter_conditions(filters: Mapping[str, Any]) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if "department" in filters:
        conds.append(col(Participation.department) == filters["department"])
    if "level" in filters:
        conds.append(col(Participation.level) == filters["level"])
    if "current_role" in filters:
        conds.append(col(Participation.current_role) == filters["current_role"])
    if "date_from" in filters:
        conds.append(col(Participation.finished_at) >= filters["date_from"])
    if "date_to" in filters:
        conds.append(col(Participation.finished_at) < filters["date_to"])
    return conds


ROLLUP: Table = ParticipationRollup.__table__  # type: ignore[attr-defined]


def _on_day_boundaries(filters: Mapping[str, Any]) -> bool:
    return all(filters[k].timetz().replace(tzinfo=None) == time(0) for k in ("date_from", "date_to") if k in filters)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _rollup_conditions(filters: Mapping[str, Any]) -> list[ColumnElement[bool]]:
    """The rollup rows that sum exactly the people ``filters`` select: month rows for the whole months
    of the date range (all of them without one), day rows for the days at its edges."""
    r = ROLLUP.c
    conds: list[ColumnElement[bool]] = []
    for key, column in (("department", r.department), ("level", r.level), ("current_role", r.current_role)):
        if key in filters:
            conds.append(column == filters[key])
    lo = filters["date_from"].date() if "date_from" in filters else None
    hi = filters["date_to"].date() if "date_to" in filters else None
    month_lo = None if lo is None else lo if lo.day == 1 else _next_month(lo)
    month_hi = None if hi is None else hi.replace(day=1)
    if month_lo is not None and month_hi is not None and month_lo >= month_hi:  # no whole month inside
        return [*conds, r.grain == "d", r.day >= lo, r.day < hi]
    months = [r.grain == "m"]
    months += [r.day >= month_lo] if month_lo is not None else []
    months += [r.day < month_hi] if month_hi is not None else []
    parts = [and_(*months)]
    if lo is not None and lo != month_lo:
        parts.append(and_(r.grain == "d", r.day >= lo, r.day < month_lo))
    if hi is not None and hi != month_hi:
        parts.append(and_(r.grain == "d", r.day >= month_hi, r.day < hi))
    return [*conds, or_(*parts) if len(parts) > 1 else parts[0]]


def dashboard(db: Database, bank: Bank, org_id: str, cohort_id: str | None, filters: Filters) -> Dashboard:
    """Aggregates for one cohort (or the whole organisation), with suppression and differencing checks.

    Three reads, all in SQL: the group sizes for the filters and for each filter left out (differencing
    check, only with filters), every aggregate per heatmap group (GROUP BY department or level; the
    whole selection's are their totals), and the transition candidates. A cohort's reads cover its rows
    of a covering index (they cost the cohort's size); the organisation's first two read
    ``participation_rollup`` (sums per month and per day, department, level and role, kept by
    triggers), and its candidates walk an index in readiness order and stop at ``CANDIDATES_SHOWN``,
    so no page reads every person of the organisation.
    """
    active = filters.active()
    skills = [s.id for s in bank.skills]
    with db.read() as session:
        if cohort_id is not None:
            cohort = session.get(Cohort, cohort_id)
            if cohort is None or cohort.org_id != org_id:
                raise HrError("not_found")
        options = _options(session, org_id, cohort_id)
        board = Dashboard(n=None, options=options)
        by_department = bool(options["departments"])
        board.heatmap_by = "department" if by_department else "level"
        if cohort_id is None and len(skills) <= GAP_BITS and _on_day_boundaries(active):
            found = _passes_rollup(session, org_id, active, by_department, len(skills))
        else:
            found = _passes_people(session, org_id, cohort_id, active, by_department, len(skills))
        if found is None:
            board.blocked = "differencing"
            return board
        row, groups = found
        n = int(row[0] or 0)
        if n < K:
            board.blocked = "small"
            return board
        board.n = n
        # NOCALL (not enough answers) is a bucket of its own: left out, it could be read off the total
        fits = [int(x or 0) for x in row[1:4]]  # AM, PM, HYBRID; the rest of the finished are NOCALL
        board.distribution = suppress(dict(zip(FITS, (*fits, n - sum(fits)), strict=True)))
        board.overall_means = {
            d: (round(float(m), 1) if m is not None else None) for d, m in zip(DIMENSIONS, row[4:10], strict=True)
        }
        b = [int(x or 0) for x in row[10:14]]
        board.bench = {
            "am": suppress({"ready": b[0], "near": b[1], "not_yet": n - b[0] - b[1]}),
            "pm": suppress({"ready": b[2], "near": b[3], "not_yet": n - b[2] - b[3]}),
        }
        ranked = sorted(((int(t or 0), i) for i, t in enumerate(row[14:])), key=lambda x: (-x[0], x[1]))
        for total, i in ranked[:5]:
            if total > 0:
                actions = employee_actions(bank, skills[i])
                board.gaps.append(GapRow(skills[i], total if total >= K else None, actions))

        visible = suppress({str(g[0]): int(g[1]) for g in groups}) if groups else {}
        board.heatmap = [
            Group(
                str(g[0]) if g[0] is not None else "",
                visible[str(g[0])],
                {
                    d: (round(float(m), 1) if visible[str(g[0])] is not None and m is not None else None)
                    for d, m in zip(DIMENSIONS, g[2:], strict=True)
                },
            )
            for g in groups
        ]

        cands = _candidates(session, org_id, cohort_id, active)
        if len(cands) >= K:
            board.candidates = [
                Candidate(
                    name=str(c[0]),
                    department=c[1],
                    current_role=str(c[2]),
                    fit=str(c[3]),
                    readiness=c[5],
                    gaps=tuple(skills[i] for i in range(len(skills)) if int(c[4] or 0) >> i & 1)[:3],
                )
                for c in cands
            ]
    return board


Passes = tuple[list[Any], list[Any]] | None  # (the whole-group row, the heatmap groups); None: differencing


def _differencing(counts: list[int]) -> bool:
    return counts[0] >= K and any(0 < wider - counts[0] < K for wider in counts[1:])


def _passes_people(
    session: Session, org_id: str, cohort_id: str | None, active: dict[str, Any], by_department: bool, n_skills: int
) -> Passes:
    """Passes 1-3 over the participants of the scope (a cohort: an index range of its rows)."""
    scope = _scope(org_id, cohort_id)
    conds = _filter_conditions(active)
    where = and_(*scope, *conds)
    # 1. differencing: the selection's size with each one filter dropped must not differ by 1..K-1
    if active:

        def size(parts: list[ColumnElement[bool]]) -> Any:
            return func.count().filter(and_(*parts)) if parts else func.count()

        sizes = [size(conds)] + [size(_filter_conditions({k: v for k, v in active.items() if k != f})) for f in active]
        if _differencing([int(x or 0) for x in session.execute(sql_select(*sizes).where(and_(*scope))).one()]):
            return None
    # 2 and 3. every aggregate per heatmap group (department, or level when there are no departments)
    # in one pass over the cohort's rows of a covering index; the whole selection's are their totals
    p = Participation
    rec = col(p.recommendation)
    sums: list[Any] = [func.count()] + [func.count().filter(rec == r) for r in ("AM", "PM", "HYBRID")]
    for track in ("am", "pm"):
        r = getattr(p, f"readiness_{track}")
        sums += [func.count().filter(r >= READY), func.count().filter(and_(r >= NEAR, r < READY))]
    sums += [func.sum(getattr(p, f"d_{d}")) for d in DIMENSIONS]
    sums += [func.count(getattr(p, f"d_{d}")) for d in DIMENSIONS]
    fit = col(p.gaps_fit)
    sums += [func.sum(fit.op(">>")(i).op("&")(1)) for i in range(n_skills)]
    by = col(p.department) if by_department else col(p.level)
    found = session.execute(sql_select(by, *sums).where(where).group_by(by).order_by(by))
    return _from_groups([(g[0], [x or 0 for x in g[1:]]) for g in found], len(sums))


def _from_groups(grouped: list[tuple[Any, list[Any]]], width: int) -> tuple[list[Any], list[Any]]:
    """(the whole selection's row, the heatmap groups) from per-group sums laid out as: n, n_am, n_pm,
    n_hybrid, ready_am, near_am, ready_pm, near_pm, the dimensions' sums, their counts, the gap counts."""
    total = [sum(values) for values in zip(*(v for _, v in grouped), strict=True)] if grouped else [0] * width
    dims = len(DIMENSIONS)

    def means(v: list[Any]) -> list[float | None]:
        return [(v[8 + i] / v[8 + dims + i]) if v[8 + dims + i] else None for i in range(dims)]

    row = [*total[0:4], *means(total), *total[4:8], *total[8 + 2 * dims :]]
    groups = [[label, v[0], *means(v)] for label, v in grouped if v[0] > 0]
    return row, groups


def _passes_rollup(session: Session, org_id: str, active: dict[str, Any], by_department: bool, n_skills: int) -> Passes:
    """Passes 1-3 for the organisation, from the rollup's sums (the same numbers as the participants')."""
    r = ROLLUP.c
    scope = r.org_id == org_id
    conds = _rollup_conditions(active)
    where = and_(scope, *conds)
    if active:

        def size(parts: list[ColumnElement[bool]]) -> Any:
            return func.sum(r.n).filter(and_(*parts)) if parts else func.sum(r.n)

        subsets = [conds] + [_rollup_conditions({k: v for k, v in active.items() if k != f}) for f in active]
        sizes = [size(parts) for parts in subsets]
        rows: ColumnElement[bool] = or_(*(and_(*parts) for parts in subsets))  # the rows some size adds up
        if "date_from" not in active and "date_to" not in active:
            rows = and_(ROLLUP.c.grain == "m", rows)  # month rows only: lets the index narrow the read
        if _differencing([int(x or 0) for x in session.execute(sql_select(*sizes).where(scope, rows)).one()]):
            return None

    # passes 2 and 3 in one read: the sums per heatmap group; the whole group's are their totals
    by = r.department if by_department else r.level
    sums = [r.n, r.n_am, r.n_pm, r.n_hybrid, r.ready_am, r.near_am, r.ready_pm, r.near_pm]
    sums += [r[f"s_{d}"] for d in DIMENSIONS] + [r[f"c_{d}"] for d in DIMENSIONS]
    sums += [r[f"g{i}"] for i in range(n_skills)]
    found = session.execute(sql_select(by, *(func.sum(c) for c in sums)).where(where).group_by(by).order_by(by))
    return _from_groups([(g[0], [x or 0 for x in g[1:]]) for g in found], len(sums))


def _candidates(session: Session, org_id: str, cohort_id: str | None, active: dict[str, Any]) -> list[Any]:
    """Identified people whose current role is not the track they clearly fit, best readiness first
    (unknown readiness last), at most CANDIDATES_SHOWN: (name, department, role, fit, gaps, readiness)."""
    p = Participation
    base = [*_scope(org_id, cohort_id), *_filter_conditions(active), col(p.visibility) == "identified"]
    if cohort_id is not None:
        rec = col(p.recommendation)
        readiness = case((rec == "AM", col(p.readiness_am)), else_=col(p.readiness_pm))
        gaps = case((rec == "AM", col(p.gaps_am)), else_=col(p.gaps_pm))
        mismatch = or_(and_(rec == "AM", col(p.current_role) != "am"), and_(rec == "PM", col(p.current_role) != "pm"))
        return list(
            session.execute(
                sql_select(col(p.display_name), col(p.department), col(p.current_role), rec, gaps, readiness)
                .where(*base, mismatch)
                .order_by(readiness.is_(None), readiness.desc(), col(p.display_name))
                .limit(CANDIDATES_SHOWN)
            )
        )
    # the organisation: per track, walk ix_participation_candidates_<track> (org, fit, identified) in
    # readiness order and stop at CANDIDATES_SHOWN; then the people without a readiness, by name
    found: list[Any] = []
    for with_readiness in (True, False):
        batch: list[Any] = []
        for fit in ("AM", "PM"):
            track = fit.lower()
            ready, gaps = getattr(p, f"readiness_{track}"), getattr(p, f"gaps_{track}")
            known = col(ready).is_not(None) if with_readiness else col(ready).is_(None)
            order = (col(ready).desc(), col(p.display_name)) if with_readiness else (col(p.display_name),)
            batch += session.execute(
                sql_select(col(p.display_name), col(p.department), col(p.current_role), col(p.recommendation))
                .add_columns(col(gaps), col(ready))
                .where(*base, col(p.recommendation) == fit, col(p.current_role) != track, known)
                .order_by(*order)
                .limit(CANDIDATES_SHOWN - len(found))
            ).all()
        if with_readiness:
            batch.sort(key=lambda c: -float(c[5]))  # stable: each track's own order among equals
        found += batch[: CANDIDATES_SHOWN - len(found)]
        if len(found) >= CANDIDATES_SHOWN:
            break
    return found


def _options(session: Session, org_id: str, cohort_id: str | None) -> dict[str, list[str]]:
    """Filter choices from the cohorts' own lists (no scan of the participants)."""
    query = select(Cohort).where(Cohort.org_id == org_id)
    if cohort_id is not None:
        query = query.where(Cohort.id == cohort_id)
    departments: list[str] = []
    levels: list[str] = []
    for cohort in session.exec(query):
        departments += [d for d in cohort.departments if d not in departments]
        levels += [v for v in cohort.levels if v not in levels]
    return {"departments": departments, "levels": levels, "roles": list(ROLES)}


def identified_rows(db: Database, bank: Bank, org_id: str, cohort_id: str) -> list[dict[str, Any]]:
    """Export rows: identified participants only; aggregate-only people never appear by row."""
    skills = [s.id for s in bank.skills]
    with db.read() as session:
        cohort = session.get(Cohort, cohort_id)
        if cohort is None or cohort.org_id != org_id:
            return []
        # by cohort only (its organisation is checked above): ix_participation_export gives the rows in
        # name order, without a sort and without reading the rest of the organisation
        p = Participation
        columns: list[Any] = [p.display_name, p.department, p.level, p.current_role, p.recommendation, p.overall]
        columns += [getattr(p, f"d_{d}") for d in DIMENSIONS]
        columns += [p.readiness_am, p.readiness_pm, p.gaps_am, p.gaps_pm, p.finished_at]
        rows = session.execute(
            sql_select(*(col(c) for c in columns))
            .where(col(p.cohort_id) == cohort_id, col(p.visibility) == "identified", col(p.finished_at).is_not(None))
            .order_by(col(p.display_name))
        ).all()
    # gap mask -> "skill;skill": the skills of each byte of the mask looked up, not tested bit by bit
    chunks = [
        [[skills[i + b] for b in range(8) if byte >> b & 1 and i + b < len(skills)] for byte in range(256)]
        for i in range(0, len(skills), 8)
    ]

    def gaps(mask: int) -> str:
        return ";".join([s for k, table in enumerate(chunks) for s in table[mask >> (8 * k) & 255]])

    def whole(x: float | None) -> int | None:
        return None if x is None else round(x)

    out = []
    for r in rows:
        item: dict[str, Any] = {
            "name": r[0],
            "department": r[1],
            "level": r[2],
            "current_role": r[3],
            "recommendation": r[4],
            "overall": whole(r[5]),
        }
        item.update({f"d_{d}": whole(v) for d, v in zip(DIMENSIONS, r[6:12], strict=True)})
        item["readiness_am"], item["readiness_pm"] = whole(r[12]), whole(r[13])
        item["gaps_am"], item["gaps_pm"] = gaps(r[14] or 0), gaps(r[15] or 0)
        item["finished_at"] = r[16].date().isoformat() if r[16] else None
        out.append(item)
    return out


def invitation_cohort(db: Database, org_id: str, invitation_id: str) -> str | None:
    """The cohort id of an invitation of ``org_id`` (None for another organisation's)."""
    if len(invitation_id) > 32:
        return None
    with db.read() as session:
        inv = session.get(Invitation, invitation_id)
        cohort = session.get(Cohort, inv.cohort_id) if inv else None
        return cohort.id if cohort is not None and cohort.org_id == org_id else None
