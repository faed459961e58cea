"""Which form a person takes: the full form, or the adaptive short form (scoring/adaptive.py).

Everything here is derived from the stored answers and the assessment's id and form: resume, going
back and another device all see the same order and the same stop, with nothing kept in a session.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import col

from app.db import Database
from app.models import Assessment, utcnow
from app.services import answer_pack
from scoring.adaptive import Step, replay, step
from scoring.model import Answers, AnswerValue, Bank

FULL, ADAPTIVE, CONTINUED = "full", "adaptive", "continued"
CHECK_AFTER = (5, 11)  # where the adaptive form asks its two attention checks (before its minimum length, 16)
FORMS = (FULL, ADAPTIVE)  # what a cohort or a person chooses; CONTINUED is an adaptive form taken on to the end


@dataclass(frozen=True)
class Progress:
    """The questions in the order this person is asked them, and the adaptive form's state."""

    order: tuple[str, ...]  # adaptive: the questions asked so far, the next one (if any), then the skills
    form: str
    step: Step | None  # None on the full form

    @property
    def stopped(self) -> bool:
        """The adaptive form settled the call: the orientation part ends here."""
        return self.step is not None and self.step.stopped

    @property
    def asked(self) -> int:
        return self.step.asked if self.step is not None else 0

    @property
    def orientation_total(self) -> int:
        return self.step.total if self.step is not None else 0


def progress(
    bank: Bank,
    assessment_id: str,
    form: str,
    answers: Mapping[str, AnswerValue],
    timings_ms: Mapping[str, float] | None = None,
) -> Progress:
    """Where this person stands. On the full form the bank's order (see :func:`app.services.quiz.question_order`)."""
    from app.services.quiz import first_skill_index, question_order  # quiz imports this module

    order = question_order(bank)
    if form not in (ADAPTIVE, CONTINUED):
        return Progress(order, FULL, None)
    orientation = {i: v for i, v in answers.items() if bank.item(i).kind not in ("proficiency", "check")}
    checked = {i.id: answers[i.id] for i in bank.check_items if i.id in answers}
    asked = replay(bank, orientation, assessment_id)
    now = step(
        bank,
        Answers("en", "other", {**{i: orientation[i] for i in asked}, **checked}, timings_ms=dict(timings_ms or {})),
        assessment_id,
        stop=form == ADAPTIVE,
    )
    nxt = (now.item_id,) if now.item_id is not None else ()
    return Progress(with_checks(bank, asked + nxt) + order[first_skill_index(bank) :], form, now)


def with_checks(bank: Bank, orientation: tuple[str, ...]) -> tuple[str, ...]:
    """The adaptive order with the instructed-response checks in it: after the 5th and the 11th question asked,
    both before the shortest form may stop, so careless answering is judged on the short form as on the full."""
    pending = list(zip(CHECK_AFTER, (i.id for i in bank.check_items), strict=False))
    out: list[str] = []
    for n, item_id in enumerate(orientation, start=1):
        out.append(item_id)
        while pending and pending[0][0] == n:
            out.append(pending.pop(0)[1])
    return tuple(out)


def resume_number(progress: Progress, answers: Mapping[str, AnswerValue]) -> int | None:
    """The 1-based number of the first question not answered yet; None when every question was answered."""
    return next((n + 1 for n, i in enumerate(progress.order) if i not in answers), None)


def result_form(progress: Progress) -> str:
    """The form a result comes from: adaptive when the adaptive form asked fewer than every orientation question."""
    if progress.form == ADAPTIVE and progress.step is not None and progress.asked < progress.orientation_total:
        return ADAPTIVE
    return FULL


def continue_full(db: Database, assessment_id: str) -> None:
    """The person chose the full form: the adaptive form keeps asking until every question was asked."""
    with db.write() as session:
        moved = session.execute(
            update(Assessment)
            .where(col(Assessment.id) == assessment_id, col(Assessment.form) == ADAPTIVE)
            .values(form=CONTINUED, updated_at=utcnow())
        )
        if moved.rowcount:  # type: ignore[attr-defined]  # answered on: a finished form's answers become rows
            answer_pack.unpack_answers(session, assessment_id)
