"""Check-ins: at each phase of the plan, the person rates again just the skills in their plan.

A check-in asks the self-rating (proficiency) question of each skill the plan's actions build, nothing
else, and is stored linked to the first result (``checkin``, keyed to the assessment). The change per skill
is the latest check-in's level minus the first result's: a raw difference of two self-ratings, shown as
indicative (no reliable-change test is applied here).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from app.db import Database
from app.models import Assessment, CheckIn
from app.tokens import new_public_id
from scoring import plan as make_plan
from scoring.model import PHASES, Bank, Item, Result

SKIP = "skip"


class CheckInError(Exception):
    """Refused input: ``code`` names the message (app/messages.py)."""

    def __init__(self, code: str, field: str) -> None:
        super().__init__(code)
        self.code = code
        self.field = field


@dataclass(frozen=True)
class SkillChange:
    skill: str
    name: str
    first: int | None  # the first result's level (None: not rated)
    latest: int | None  # the latest check-in's level (None: skipped)

    @property
    def change(self) -> int | None:
        return None if self.first is None or self.latest is None else self.latest - self.first


@dataclass(frozen=True)
class CheckInSummary:
    phase: str
    created_at: datetime
    rows: tuple[SkillChange, ...]


def questions(bank: Bank, result: Result, current_role: str) -> list[Item]:
    """The proficiency questions of the skills in the person's plan (the default track), in bank order."""
    planned = {s for phase in make_plan(bank, result, current_role).phases for a in phase.actions for s in a.skills}
    return [i for i in bank.proficiency_items if i.skill in planned]


def parse(bank: Bank, result: Result, current_role: str, phase: str, form: Mapping[str, str]) -> dict[str, int | None]:
    """The levels given in ``form`` (``skill_<id>``: 1-5, or skip/empty), or :class:`CheckInError`."""
    if phase not in PHASES:
        raise CheckInError("bad_phase", "phase")
    items = questions(bank, result, current_role)
    if not items:
        raise CheckInError("no_checkin_skills", "phase")
    levels: dict[str, int | None] = {}
    for item in items:
        assert item.skill is not None
        raw = form.get(f"skill_{item.skill}", "")
        if raw in ("", SKIP):
            levels[item.skill] = None
        elif raw in ("1", "2", "3", "4", "5"):
            levels[item.skill] = int(raw)
        else:
            raise CheckInError("bad_choice", f"skill_{item.skill}")
    return levels


def record(db: Database, assessment: Assessment, phase: str, levels: dict[str, int | None], now: datetime) -> str:
    """Store one check-in; its id."""
    checkin = CheckIn(id=new_public_id(), assessment_id=assessment.id, phase=phase, levels=levels, created_at=now)
    with db.write() as session:
        session.add(checkin)
    return checkin.id


def latest(db: Database, bank: Bank, assessment_id: str, result: Result, lang: str) -> CheckInSummary | None:
    """The latest check-in against the first result, per skill, in ``lang`` (None: no check-in yet)."""
    with db.read() as session:
        row = session.exec(
            select(CheckIn)
            .where(col(CheckIn.assessment_id) == assessment_id)
            .order_by(col(CheckIn.created_at).desc())
            .limit(1)
        ).first()
    if row is None:
        return None
    first = {r.skill: r.level for r in result.readiness}
    known = {s.id for s in bank.skills}
    rows = tuple(
        SkillChange(skill, bank.skill(skill).name[lang], first.get(skill), level)
        for skill, level in row.levels.items()
        if skill in known
    )
    return CheckInSummary(row.phase, row.created_at, rows)
