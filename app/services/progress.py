"""Plan progress: the person ticks their plan's actions done, with an optional note of the evidence.

Stored with the assessment (``plan_progress``: one row per ticked action, keyed by assessment and action;
unticking deletes the row; the assessment's deletion cascades). Only the owner (quiz cookie, resume code,
owner token) writes it; a share link whose scope includes the plan and HR, for an identified participant who
consented, read it. An action can be ticked when it is in the person's plan for either track (the result
page lets them switch); anything else is refused and nothing is stored.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import delete
from sqlmodel import col, select

from app.db import Database
from app.models import Assessment, Participation, PlanProgress, ResultSnapshot
from app.services import checkins, quiz
from app.services.checkins import CheckInSummary
from app.services.results import PlanView, plan_view
from scoring import plan as make_plan
from scoring.model import Bank, Result, TrackId
from scoring.serialize import result_from_dict

NOTE_MAX = 280


def add_months(day: date, months: int) -> date:
    """``day`` plus calendar months, kept within the target month (31 January + 1 month = 28/29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def milestone(start: date, phase: str) -> date:
    """The day a phase ends: 30 days, 3 months or 6 months after ``start`` (the result's date)."""
    if phase == "30d":
        return start + timedelta(days=30)
    return add_months(start, 3 if phase == "3m" else 6)


class ProgressError(Exception):
    """Refused input: ``code`` names the message (app/messages.py)."""

    def __init__(self, code: str, field: str) -> None:
        super().__init__(code)
        self.code = code
        self.field = field


@dataclass(frozen=True)
class Tick:
    action_id: str
    done_at: datetime
    note: str | None


@dataclass(frozen=True)
class ActionProgress:
    id: str
    title: str
    outcome: str
    done: bool
    done_at: datetime | None
    note: str | None


@dataclass(frozen=True)
class PhaseProgress:
    id: str  # 30d | 3m | 6m
    actions: tuple[ActionProgress, ...]
    due: date | None = None  # the day the phase ends (its check-in)

    @property
    def done(self) -> int:
        return sum(1 for a in self.actions if a.done)

    @property
    def total(self) -> int:
        return len(self.actions)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass(frozen=True)
class ProgressView:
    assessment_id: str
    phases: tuple[PhaseProgress, ...]
    checkin: CheckInSummary | None = None  # the latest check-in against the first result (owner only)

    @property
    def done(self) -> int:
        return sum(p.done for p in self.phases)

    @property
    def done_titles(self) -> tuple[str, ...]:
        return tuple(a.title for p in self.phases for a in p.actions if a.done)

    def without_notes(self) -> ProgressView:
        """What a share link or HR sees: which actions are done and when, not the person's notes."""
        return replace(
            self,
            checkin=None,
            phases=tuple(replace(p, actions=tuple(replace(a, note=None) for a in p.actions)) for p in self.phases),
        )

    @property
    def total(self) -> int:
        return sum(p.total for p in self.phases)


def ticks(db: Database, assessment_id: str) -> dict[str, Tick]:
    """The actions ticked done, by action id."""
    with db.read() as session:
        rows = session.exec(select(PlanProgress).where(col(PlanProgress.assessment_id) == assessment_id)).all()
    return {r.action_id: Tick(r.action_id, r.done_at, r.note) for r in rows}


def plan_actions(bank: Bank, result: Result, current_role: str) -> set[str]:
    """Every action of the person's plan, for either track (the ones they may tick)."""
    return {
        a.action
        for track in ("am", "pm")
        for phase in make_plan(bank, result, current_role, track).phases
        for a in phase.actions
    }


def _result(db: Database, assessment: Assessment, snapshot: ResultSnapshot | None = None) -> Result | None:
    snapshot = snapshot or quiz.result_of(db, assessment.id)
    return result_from_dict(snapshot.data) if snapshot is not None else None


def record(
    db: Database, bank: Bank, assessment: Assessment, action_id: str, *, done: bool, note: str, now: datetime
) -> None:
    """Tick ``action_id`` done (with ``note``) or untick it. Refused input raises :class:`ProgressError`."""
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ProgressError("note_too_long", "note")
    result = _result(db, assessment)
    if result is None or action_id not in plan_actions(bank, result, assessment.current_role):
        raise ProgressError("unknown_action", "action")
    with db.write() as session:
        if not done:
            session.execute(
                delete(PlanProgress).where(
                    col(PlanProgress.assessment_id) == assessment.id, col(PlanProgress.action_id) == action_id
                )
            )
            return
        row = session.get(PlanProgress, (assessment.id, action_id))
        if row is None:
            session.add(PlanProgress(assessment_id=assessment.id, action_id=action_id, done_at=now, note=note or None))
        else:
            row.note = note or None
            session.add(row)


def view(plan: PlanView, assessment_id: str, done: dict[str, Tick], start: date | None = None) -> ProgressView:
    """The plan as shown (``plan``: in the person's language) with what is done, per phase."""
    phases = []
    for phase in plan.phases:
        actions = []
        for a in phase.actions:
            tick = done.get(a.id)
            actions.append(
                ActionProgress(
                    a.id,
                    a.title,
                    a.outcome,
                    tick is not None,
                    tick.done_at if tick else None,
                    tick.note if tick else None,
                )
            )
        phases.append(PhaseProgress(phase.id, tuple(actions), milestone(start, phase.id) if start else None))
    return ProgressView(assessment_id, tuple(phases))


def export(db: Database, assessment_id: str) -> list[dict[str, str | None]]:
    """The person's ticks for their data export."""
    return [
        {"action_id": t.action_id, "done_at": t.done_at.isoformat(), "note": t.note}
        for t in sorted(ticks(db, assessment_id).values(), key=lambda t: t.action_id)
    ]


def plan_of(bank: Bank, result: Result, current_role: str, lang: str, target: TrackId | None = None) -> PlanView:
    """The person's plan in ``lang`` (the default track, or ``target``), as the result page shows it."""
    return plan_view(bank, make_plan(bank, result, current_role, target), lang)


def for_owner(
    db: Database,
    bank: Bank,
    assessment: Assessment,
    lang: str,
    target: TrackId | None = None,
    snapshot: ResultSnapshot | None = None,
) -> ProgressView | None:
    """The owner's progress on the plan they see (None: no result yet); ``snapshot``: the result, if read."""
    snapshot = snapshot or quiz.result_of(db, assessment.id)
    if snapshot is None:
        return None
    result = result_from_dict(snapshot.data)
    plan = plan_of(bank, result, assessment.current_role, lang, target)
    found = view(plan, assessment.id, ticks(db, assessment.id), snapshot.created_at.date())
    return replace(found, checkin=checkins.latest(db, bank, assessment.id, result, lang))


def for_participant(db: Database, bank: Bank, org_id: str, participation_id: str, lang: str) -> ProgressView | None:
    """What HR sees of an identified participant's progress (the ticks, never the notes); None for anyone HR
    may not see (aggregate-only, withdrawn, another organisation's, unknown) or with no result."""
    with db.read() as session:
        assessment = session.exec(
            select(Assessment)
            .join(Participation, col(Participation.assessment_id) == col(Assessment.id))
            .where(col(Participation.id) == participation_id, col(Participation.org_id) == org_id)
            .where(col(Participation.visibility) == "identified")
        ).first()
    if assessment is None:
        return None
    found = for_owner(db, bank, assessment, lang)
    return found.without_notes() if found is not None else None
