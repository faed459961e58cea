"""The result page (owner only) and "delete my data"."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.models import Assessment
from app.services import quiz, results
from app.templating import render
from app.web import BankDep, CsrfDep, DbDep, NotFound, clear_quiz_cookie, current_assessment

router = APIRouter(include_in_schema=False)


def _owned(request: Request, db: DbDep, assessment_id: str) -> Assessment:
    mine = current_assessment(request, db)
    if mine is None or mine[0].id != assessment_id:
        raise NotFound
    return mine[0]


@router.get("/result/{assessment_id}", response_class=HTMLResponse)
def result_page(request: Request, assessment_id: str, bank: BankDep, db: DbDep) -> HTMLResponse:
    assessment = _owned(request, db, assessment_id)
    snapshot = quiz.result_of(db, assessment.id)
    if snapshot is None:
        raise NotFound
    track = request.query_params.get("plan")
    target = track if track in ("am", "pm") else None
    values = quiz.answers_of(db, bank, assessment.id)
    page = results.build(
        bank,
        snapshot,
        values,
        lang=request.state.lang,
        current_role=assessment.current_role,
        target=target,  # type: ignore[arg-type]
    )
    mine = current_assessment(request, db)
    resume_code = mine[1].resume_code if mine else ""
    return render(
        request,
        "result.html",
        {"page": page, "resume_code": resume_code, "current_role": assessment.current_role},
        block="plan",
    )


@router.post("/result/{assessment_id}/delete", dependencies=[CsrfDep])
def delete_my_data(request: Request, assessment_id: str, db: DbDep) -> RedirectResponse:
    assessment = _owned(request, db, assessment_id)
    quiz.delete_assessment(db, assessment.id)
    response = RedirectResponse("/?deleted=1", status_code=303)
    clear_quiz_cookie(request, response)
    return response
