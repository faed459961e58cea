"""Retakes: "Take it again" from a result starts a linked assessment; the person says which result counts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.inputs import Line, PublicId
from app.messages import message
from app.routes.deferred import DeferredRoute
from app.services import forms, quiz, retake
from app.templating import render
from app.web import BankDep, CsrfDep, DbDep, NotFound, QuizCookie, SettingsDep, current_assessment, set_quiz_cookie

router = APIRouter(include_in_schema=False, route_class=DeferredRoute)
CHOICES = {"this": True, "earlier": False}


@router.post("/result/{assessment_id}/retake", dependencies=[CsrfDep])
async def take_again(
    request: Request,
    assessment_id: PublicId,
    bank: BankDep,
    db: DbDep,
    settings: SettingsDep,
    form: Annotated[Line, Form(max_length=16)] = "",
) -> Response:
    """Start a retake of a finished result this browser owns; the quiz cookie moves to the retake."""
    mine = current_assessment(request, db)
    if mine is None or mine[0].id != assessment_id or quiz.result_of(db, assessment_id) is None:
        raise NotFound
    chosen_form = form or forms.FULL
    if chosen_form not in forms.FORMS:
        return render(
            request, "error.html", {"status": 422, "message": message("invalid", request.state.lang)}, status_code=422
        )
    started = retake.start(db, bank, mine[0], lang=request.state.lang, form=chosen_form)
    response = RedirectResponse("/quiz/1", status_code=303)
    cookie = QuizCookie(started.assessment.id, started.owner_token, started.resume_code)
    set_quiz_cookie(request, response, cookie, settings)
    return response


@router.post("/result/{assessment_id}/counts", dependencies=[CsrfDep])
async def which_counts(
    request: Request, assessment_id: PublicId, db: DbDep, counts: Annotated[Line, Form(max_length=16)] = ""
) -> Response:
    """The person's choice: this retake is the current result ("this") or the earlier one still counts."""
    mine = current_assessment(request, db)
    if mine is None or mine[0].id != assessment_id:
        raise NotFound
    if counts not in CHOICES:
        return render(
            request, "error.html", {"status": 422, "message": message("invalid", request.state.lang)}, status_code=422
        )
    if not retake.choose(db, assessment_id, CHOICES[counts]):
        raise NotFound
    return RedirectResponse(f"/result/{assessment_id}#since", status_code=303)
