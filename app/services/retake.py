"""Retakes linked to the earlier result: start one, the "Since your last result" section, which result counts.

A retake is started from a finished result its owner holds (the quiz cookie, set by the browser that took it,
by a resume code or by the owner token). It is a new assessment whose ``previous_assessment_id`` names the
earlier one; both stay until deleted, and deleting either unlinks the other (``quiz.delete_assessment``).
The change per dimension and skill is the engine's reliable change index (``scoring.change``).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.db import Database
from app.models import Assessment, ResultSnapshot
from app.services import forms, quiz
from scoring.change import Change, compare
from scoring.model import Bank
from scoring.serialize import result_from_dict


@dataclass(frozen=True)
class ChangeRow:
    id: str
    name: str
    before: int | None
    after: int | None
    change: int | None
    rci: float | None
    reliable: bool
    direction: str  # am | pm | up | down | none
    reason: str  # comparable | not_in_both | too_few_answers | different_bank | not_rated


@dataclass(frozen=True)
class SinceLast:
    """The "Since your last result" section of a retake's result."""

    previous_id: str
    previous_at: str  # ISO date of the earlier result
    dimensions: tuple[ChangeRow, ...]
    skills: tuple[ChangeRow, ...]
    reliable: int  # how many rows changed beyond measurement error
    chosen: bool | None  # True: this retake counts; False: the earlier result counts; None: not chosen


def start(db: Database, bank: Bank, previous: Assessment, *, lang: str, form: str = forms.FULL) -> quiz.Started:
    """A new assessment linked to ``previous`` (same role and experience); ``previous`` must be finished."""
    started = quiz.new_assessment(
        bank, lang=lang, current_role=previous.current_role, years=previous.years_experience, form=form
    )
    started.assessment.previous_assessment_id = previous.id
    # the analytics' person key (test-retest) is the first take of the chain
    started.assessment.retake_of = previous.retake_of or previous.id
    with db.write() as session:
        session.add(started.assessment)
    return started


def _row(c: Change, name: str) -> ChangeRow:
    def whole(x: float | None) -> int | None:
        return None if x is None else round(x)

    return ChangeRow(
        c.id, name, whole(c.before), whole(c.after), whole(c.change), c.rci, c.reliable, c.direction, c.reason
    )


def since_last(
    db: Database, bank: Bank, assessment: Assessment, snapshot: ResultSnapshot, lang: str
) -> SinceLast | None:
    """The change since the linked earlier result; None for a first take or when the earlier one is gone."""
    if assessment.previous_assessment_id is None:
        return None
    earlier = quiz.result_of(db, assessment.previous_assessment_id)
    if earlier is None:
        return None
    change = compare(result_from_dict(earlier.data), result_from_dict(snapshot.data))
    dim_names = {d.id: d.name[lang] for d in bank.dimensions}
    skill_names = {s.id: s.name[lang] for s in bank.skills}
    dims = tuple(_row(c, dim_names.get(c.id, c.id)) for c in change.dimensions)
    skills = tuple(_row(c, skill_names.get(c.id, c.id)) for c in change.skills)
    return SinceLast(
        previous_id=earlier.assessment_id,
        previous_at=earlier.created_at.date().isoformat(),
        dimensions=dims,
        skills=skills,
        reliable=change.reliable,
        chosen=assessment.chosen,
    )


def choose(db: Database, assessment_id: str, current: bool) -> bool:
    """Record which result counts (``current``: this retake; otherwise the earlier one). False if not a retake."""
    with db.write() as session:
        found = session.get(Assessment, assessment_id)
        if found is None or found.previous_assessment_id is None:
            return False
        found.chosen = current
        session.add(found)
    return True
