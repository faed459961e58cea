"""Joining an HR cohort: see exactly what HR will see, consent (identified or aggregate-only), then the quiz."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.i18n import LANGS, normalise
from app.inputs import Line, Token
from app.messages import message
from app.routes.deferred import DeferredRoute
from app.services import hr, invitations, labels
from app.templating import render
from app.web import BankDep, CsrfDep, DbDep, NotFound, QuizCookie, SettingsDep, set_lang_cookie, set_quiz_cookie
from scoring.model import ROLES, Bank

router = APIRouter(include_in_schema=False, route_class=DeferredRoute)


def _context(bank: Bank, found: hr.OpenInvitation, errors: dict[str, str], values: dict[str, str]) -> dict[str, object]:
    return {
        "org": found.organisation,
        "cohort": found.cohort,
        "role_q": next(c for c in bank.context if c.field == "current_role"),
        "years_q": next(c for c in bank.context if c.field == "years_experience"),
        "errors": errors,
        "values": values,
        "K": hr.K,
    }


@router.get("/join/{token}", response_class=HTMLResponse)
async def consent_page(request: Request, token: Token, bank: BankDep, db: DbDep) -> HTMLResponse:
    found = hr.open_invitation(db, token, request.app.state.clock())
    if found is None:
        raise NotFound
    if found.invitation.expires_at is not None:  # a personal invitation: the funnel counts it opened
        invitations.mark_opened(db, found.invitation.id, request.app.state.clock())
    request.state.role_labels = labels.of_org(db, found.cohort.org_id, request.state.lang)
    return render(request, "join.html", _context(bank, found, {}, {}) | {"token": token})


@router.post("/join/{token}", dependencies=[CsrfDep])
async def join(
    request: Request,
    token: Token,
    bank: BankDep,
    db: DbDep,
    settings: SettingsDep,
    consent: Annotated[Line, Form(max_length=3)] = "",
    visibility: Annotated[Line, Form(max_length=16)] = "",
    display_name: Annotated[Line, Form(max_length=120)] = "",
    department: Annotated[Line, Form(max_length=100)] = "",
    level: Annotated[Line, Form(max_length=100)] = "",
    lang: Annotated[Line, Form(max_length=16)] = "",
    current_role: Annotated[Line, Form(max_length=16)] = "",
    years_experience: Annotated[Line, Form(max_length=8)] = "",
) -> Response:
    now = request.app.state.clock()
    found = hr.open_invitation(db, token, now)
    if found is None:
        raise NotFound
    ui = request.state.lang
    request.state.role_labels = labels.of_org(db, found.cohort.org_id, ui)
    values = {
        "visibility": visibility, "display_name": display_name, "department": department, "level": level,
        "lang": lang, "current_role": current_role, "years_experience": years_experience, "consent": consent,
    }  # fmt: skip
    # every problem at once, in the order of the form (the error summary lists them top to bottom)
    problems = hr.consent_problems(
        found.cohort, visibility=visibility, display_name=display_name, department=department, level=level
    )
    errors: dict[str, str] = {field: message(code, ui) for field, code in problems.items()}
    chosen_lang = normalise(lang) if lang else ui
    if chosen_lang not in LANGS:
        errors["lang"] = message("bad_lang", ui)
    if current_role not in ROLES:
        errors["current_role"] = message("bad_role", ui)
    allowed_years = {o.id for c in bank.context if c.field == "years_experience" for o in c.options}
    if years_experience and years_experience not in allowed_years:
        errors["years_experience"] = message("bad_years", ui)
    if consent != "yes":
        errors["consent"] = message("no_consent", ui)
    if not errors:
        try:
            started, _ = hr.join(
                db,
                bank,
                token,
                visibility=visibility,
                display_name=display_name,
                department=department or None,
                level=level or None,
                lang=chosen_lang or "en",
                current_role=current_role,
                years=years_experience or None,
                now=now,
            )
        except hr.HrError as err:
            if err.code == "closed":
                raise NotFound from err
            errors[err.field or "visibility"] = message(err.code, ui)
    if errors:
        return render(request, "join.html", _context(bank, found, errors, values) | {"token": token}, status_code=422)
    response = RedirectResponse("/quiz/1", status_code=303)
    set_quiz_cookie(
        request, response, QuizCookie(started.assessment.id, started.owner_token, started.resume_code), settings
    )
    set_lang_cookie(request, response, chosen_lang or "en")
    return response
