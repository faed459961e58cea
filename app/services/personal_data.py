"""A person's own data, all of it, as one JSON document (GDPR articles 15 and 20: access and portability).

What rolefit holds about one assessment: the assessment itself, every answer (with the question's text in
the person's language), the stored result and its earlier versions, the share links (never their tokens:
only hashes are kept), each cohort the person joined with what they consented to show, the plan actions ticked
done (with their notes), and the check-ins. The transition
plan is derived from the result and added by the caller (it needs the request's language and labels).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import col, select

from app.db import Database
from app.models import (
    Assessment,
    CheckIn,
    Cohort,
    Organisation,
    Participation,
    PlanProgress,
    ResultHistory,
    ResultSnapshot,
    ShareLink,
)
from app.services import answer_pack
from scoring.model import Bank

FORMAT = "rolefit-personal-data/1"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def export(db: Database, bank: Bank, assessment_id: str, lang: str) -> dict[str, Any] | None:
    with db.read() as session:
        assessment = session.get(Assessment, assessment_id)
        if assessment is None:
            return None
        answers = answer_pack.read(session, [assessment_id]).get(assessment_id, [])  # rows or packed, the same
        snapshot = session.get(ResultSnapshot, assessment_id)
        history = list(
            session.exec(
                select(ResultHistory)
                .where(ResultHistory.assessment_id == assessment_id)
                .order_by(col(ResultHistory.replaced_at))
            )
        )
        links = list(session.exec(select(ShareLink).where(ShareLink.assessment_id == assessment_id)))
        ticked = list(session.exec(select(PlanProgress).where(col(PlanProgress.assessment_id) == assessment_id)))
        checkins = list(
            session.exec(
                select(CheckIn).where(col(CheckIn.assessment_id) == assessment_id).order_by(col(CheckIn.created_at))
            )
        )
        joined = list(
            session.exec(
                select(Participation, Cohort.name, Organisation.name)
                .join(Cohort, col(Cohort.id) == col(Participation.cohort_id))
                .join(Organisation, col(Organisation.id) == col(Participation.org_id))
                .where(Participation.assessment_id == assessment_id)
            )
        )
    known = {item.id for item in bank.items}
    return {
        "format": FORMAT,
        "assessment": {
            "id": assessment.id,
            "lang": assessment.locale,
            "current_role": assessment.current_role,
            "years_experience": assessment.years_experience,
            "bank_version": assessment.bank_version,
            "started_at": _iso(assessment.started_at),
            "updated_at": _iso(assessment.updated_at),
            "finished_at": _iso(assessment.finished_at),
            "retake_of": assessment.retake_of,
            "previous_assessment_id": assessment.previous_assessment_id,
            "chosen_as_current": assessment.chosen,
        },
        "answers": [
            {
                "item_id": a.item_id,
                "question": bank.item(a.item_id).text.get(lang) if a.item_id in known else None,
                "value": a.value_int if a.value_int is not None else a.value_option,
                "answered_at": _iso(a.answered_at),
            }
            for a in sorted(answers, key=lambda a: a.item_id)
        ],
        "result": (
            {
                "bank_version": snapshot.bank_version,
                "scoring_version": snapshot.scoring_version,
                "created_at": _iso(snapshot.created_at),
                "data": snapshot.data,
            }
            if snapshot is not None
            else None
        ),
        "earlier_results": [
            {
                "bank_version": h.bank_version,
                "scoring_version": h.scoring_version,
                "replaced_at": _iso(h.replaced_at),
                "data": h.data,
            }
            for h in history
        ],
        "share_links": [
            {
                "id": link.id,
                "scope": link.scope,
                "created_at": _iso(link.created_at),
                "expires_at": _iso(link.expires_at),
                "revoked_at": _iso(link.revoked_at),
                "views": link.views,
            }
            for link in links
        ],
        "cohorts": [
            {
                "organisation": org_name,
                "cohort": cohort_name,
                "visibility": p.visibility,
                "display_name": p.display_name,
                "department": p.department,
                "level": p.level,
                "current_role": p.current_role,
                "consented_at": _iso(p.consented_at),
                "finished_at": _iso(p.finished_at),
            }
            for p, cohort_name, org_name in joined
        ],
        "plan_progress": [
            {"action_id": t.action_id, "done_at": _iso(t.done_at), "note": t.note}
            for t in sorted(ticked, key=lambda t: t.action_id)
        ],
        "checkins": [{"phase": c.phase, "created_at": _iso(c.created_at), "levels": c.levels} for c in checkins],
    }


def answer_label(bank: Bank, item_id: str, value: int | str | None, lang: str) -> str:
    """The answer as the person saw it (the scale's words, the option's or the anchor's text); "" if unknown."""
    if value is None:
        return bank.skip_label.get(lang, "")
    try:
        item = bank.item(item_id)
    except KeyError:
        return str(value)
    if isinstance(value, str):
        return next((o.text.get(lang, o.id) for o in item.options if o.id == value), value)
    labels: tuple[Any, ...] = ()
    if item.kind in ("likert", "check"):
        labels = tuple(bank.scales.get("likert", ()))
    elif item.kind == "paired":
        labels = tuple(bank.scales.get("paired", ()))
    elif item.kind == "proficiency":
        labels = item.anchors
    return labels[value - 1].get(lang, str(value)) if 1 <= value <= len(labels) else str(value)
