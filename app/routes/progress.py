"""Plan progress on the result page: tick an action done (htmx or a plain form), the plan's calendar file,
and check-ins (the plan's skills rated again at each phase)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.db import Database
from app.inputs import ItemId, Line, PublicId, Text
from app.messages import message
from app.models import Assessment
from app.routes.deferred import DeferredRoute
from app.services import checkins, plan_calendar, progress, quiz
from app.templating import is_htmx, render
from app.web import BankDep, CsrfDep, DbDep, NotFound, current_assessment
from scoring.model import PHASES, Bank, TrackId
from scoring.serialize import result_from_dict

router = APIRouter(include_in_schema=False, route_class=DeferredRoute)
NOTE_FIELD_MAX = 2000  # longer than a note may be: the service refuses it with its own message, in place


def _owned(request: Request, db: Database, assessment_id: str) -> Assessment:
    mine = current_assessment(request, db)
    if mine is None or mine[0].id != assessment_id:
        raise NotFound
    return mine[0]


def _target(value: str) -> TrackId | None:
    return "am" if value == "am" else "pm" if value == "pm" else None


def _section(
    request: Request,
    bank: Bank,
    db: Database,
    assessment: Assessment,
    target: TrackId | None,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    view = progress.for_owner(db, bank, assessment, request.state.lang, target)
    if view is None:
        raise NotFound
    context = {"progress": view, "progress_editable": True, "progress_target": target or ""} | extra
    return render(request, "progress/_section.html", context, status_code=status_code)


@router.get("/result/{assessment_id}/plan.ics")
def plan_calendar_file(request: Request, assessment_id: PublicId, bank: BankDep, db: DbDep) -> Response:
    """The plan's milestones (30 days, 3 months, 6 months from the result) as a calendar file."""
    assessment = _owned(request, db, assessment_id)
    snapshot = quiz.result_of(db, assessment.id)
    view = progress.for_owner(db, bank, assessment, request.state.lang, snapshot=snapshot)
    if view is None or snapshot is None:
        raise NotFound
    url = str(request.base_url).rstrip("/") + f"/result/{assessment.id}#progress"
    body = plan_calendar.ics(view, snapshot.created_at.date(), request.state.lang, request.app.state.clock(), url)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="rolefit-plan-{snapshot.created_at:%Y-%m-%d}.ics"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/result/{assessment_id}/progress/{action_id}", dependencies=[CsrfDep])
async def tick(
    request: Request,
    assessment_id: PublicId,
    action_id: ItemId,
    bank: BankDep,
    db: DbDep,
    done: Annotated[Line, Form(max_length=1)] = "",
    note: Annotated[Text, Form(max_length=NOTE_FIELD_MAX)] = "",
    plan: Annotated[Line, Form(max_length=2)] = "",
) -> Response:
    """Tick ``action_id`` done (``done=1``, with an optional note of the evidence) or untick it."""
    assessment = _owned(request, db, assessment_id)
    target = _target(plan)
    try:
        progress.record(db, bank, assessment, action_id, done=done == "1", note=note, now=request.app.state.clock())
    except progress.ProgressError as err:
        error = message(err.code, request.state.lang, max=progress.NOTE_MAX)
        if is_htmx(request):
            return _section(request, bank, db, assessment, target, status_code=422, progress_error=error)
        return render(request, "error.html", {"status": 422, "code": err.code, "message": error}, status_code=422)
    if is_htmx(request):
        return _section(request, bank, db, assessment, target, progress_focus=action_id)
    query = f"?plan={target}" if target else ""
    return RedirectResponse(f"/result/{assessment.id}{query}#act-{action_id}", status_code=303)


def _checkin_page(
    request: Request,
    bank: Bank,
    db: Database,
    assessment: Assessment,
    phase: str,
    *,
    status_code: int = 200,
    error: str = "",
) -> Response:
    snapshot = quiz.result_of(db, assessment.id)
    if snapshot is None or phase not in PHASES:
        raise NotFound
    result = result_from_dict(snapshot.data)
    items = checkins.questions(bank, result, assessment.current_role)
    context = {
        "assessment_id": assessment.id,
        "phase": phase,
        "items": items,
        "first": {r.skill: r.level for r in result.readiness},
        "checkin_error": error,
    }
    return render(request, "progress/checkin.html", context, status_code=status_code)


@router.get("/result/{assessment_id}/checkin/{phase}", response_class=HTMLResponse)
def checkin_page(request: Request, assessment_id: PublicId, phase: PublicId, bank: BankDep, db: DbDep) -> Response:
    """A check-in: the self-rating questions of the skills in the person's plan, nothing else."""
    return _checkin_page(request, bank, db, _owned(request, db, assessment_id), phase)


@router.post("/result/{assessment_id}/checkin/{phase}", dependencies=[CsrfDep])
async def save_checkin(
    request: Request, assessment_id: PublicId, phase: PublicId, bank: BankDep, db: DbDep
) -> Response:
    assessment = _owned(request, db, assessment_id)
    snapshot = quiz.result_of(db, assessment.id)
    if snapshot is None or phase not in PHASES:
        raise NotFound
    form = await request.form()  # one field per skill of the plan (skill_<id>): read by hand
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        levels = checkins.parse(bank, result_from_dict(snapshot.data), assessment.current_role, phase, values)
    except checkins.CheckInError as err:
        error = message(err.code, request.state.lang, item=err.field)
        return _checkin_page(request, bank, db, assessment, phase, status_code=422, error=error)
    checkins.record(db, assessment, phase, levels, request.app.state.clock())
    return RedirectResponse(f"/result/{assessment.id}#checkins", status_code=303)
