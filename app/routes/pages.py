"""Landing page, language switch, method page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.i18n import normalise
from app.inputs import Line
from app.routes.deferred import DeferredRoute
from app.services import duration, quiz
from app.templating import render
from app.web import BankDep, CsrfDep, DbDep, current_assessment, safe_next, set_lang_cookie

router = APIRouter(include_in_schema=False, route_class=DeferredRoute)


@router.get("/", response_class=HTMLResponse)
async def landing(
    request: Request, bank: BankDep, db: DbDep, deleted: Annotated[Line, Query(max_length=1)] = ""
) -> HTMLResponse:
    mine = current_assessment(request, db)
    progress = None
    if mine is not None:
        assessment, _ = mine
        progress = {
            "id": assessment.id,
            "position": assessment.position,
            "total": len(quiz.question_order(bank)),
            "finished": assessment.finished_at is not None,
        }
    context = {
        "orientation_items": len(bank.orientation_items),
        "skill_items": len(bank.proficiency_items),
        "total_items": len(quiz.question_order(bank)),
        "progress": progress,
        "deleted": deleted == "1",
        "minutes": duration.estimate(db, bank, request.state.lang).minutes,
    }
    return render(request, "landing.html", context)


@router.post("/lang", dependencies=[CsrfDep])
async def change_language(
    request: Request,
    db: DbDep,
    lang: Annotated[Line, Form(max_length=16)],
    next: Annotated[Line, Form(max_length=500)] = "/",
) -> RedirectResponse:
    chosen = normalise(lang) or request.state.lang
    response = RedirectResponse(safe_next(next), status_code=303)
    set_lang_cookie(request, response, chosen)
    mine = current_assessment(request, db)
    if mine is not None:
        quiz.set_language(db, mine[0].id, chosen)
    return response


@router.get("/method", response_class=HTMLResponse)
async def method(request: Request, bank: BankDep) -> HTMLResponse:
    return render(request, "method.html", {"constants": bank.scoring})


@router.get("/accessibility", response_class=HTMLResponse)
async def accessibility(request: Request) -> HTMLResponse:
    """The accessibility statement (the full text, in English, is docs/accessibility.md)."""
    return render(request, "accessibility.html", {})
