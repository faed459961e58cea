"""A manager's view (180°): the person's invitation links, the manager's form, and withdrawing a rating."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.db import Database
from app.i18n import gettext_for
from app.inputs import Line, PublicId, Token, parse_int
from app.messages import N_, message
from app.models import Assessment, ManagerRating
from app.routes.deferred import DeferredRoute
from app.security import is_https
from app.services import labels, manager_view, quiz, results
from app.services.results import ResultPage
from app.templating import render
from app.web import BankDep, CsrfDep, DbDep, NotFound, current_assessment
from scoring.model import Bank

router = APIRouter(include_in_schema=False, route_class=DeferredRoute)
NEW_LINK_COOKIE = "rolefit_new_manager"
# same-origin, not no-referrer: with no-referrer the browser sends "Origin: null" on the form POST (the CSRF check
# refuses it); the token still never leaves for another site
HEADERS = {"Referrer-Policy": "same-origin", "Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}
ERRORS = {
    "manager_bad_name": N_("A name can have at most 80 characters, without braces or angle brackets."),
    "manager_bad_scope": N_("Choose what your manager sees: nothing of your result, or your recommendation."),
    "manager_bad_days": N_("A manager link can be valid for 1 to 60 days."),
    "manager_missing": N_("Please choose a level, or “I cannot judge this”."),
    "manager_bad_level": N_("Please choose one of the five levels, or “I cannot judge this”."),
    "manager_none_rated": N_("Please rate at least one skill."),
}


def _error(code: str, lang: str) -> str:
    return gettext_for(lang)(ERRORS[code]) if code in ERRORS else message(code, lang)


def _owned(request: Request, db: Database, assessment_id: str) -> Assessment:
    mine = current_assessment(request, db)
    if mine is None or mine[0].id != assessment_id:
        raise NotFound
    return mine[0]


def _url(request: Request, token: str, lang: str) -> str:
    return str(request.base_url).rstrip("/") + f"/m/{token}?lang={lang}"


def manager_context(request: Request, bank: Bank, db: Database, page: ResultPage) -> dict[str, Any]:
    """What the result page's manager section shows: the links, the side-by-side views, a new link once."""
    now = request.app.state.clock()
    rows = manager_view.of(db, page.assessment_id)
    views = _views(request, bank, page, rows)
    pending = [r for r in rows if r.submitted_at is None and r.expires_at > now]
    token = request.cookies.get(NEW_LINK_COOKIE, "")
    new_link = None
    if token and len(token) < 100:
        found = manager_view.resolve(db, token, now)
        if found is not None and found[1].id == page.assessment_id:
            new_link = _url(request, token, found[0].lang)
    return {"manager_views": views, "manager_pending": pending, "new_manager_link": new_link}


def _views(request: Request, bank: Bank, page: ResultPage, rows: list[ManagerRating]) -> list[manager_view.SideBySide]:
    self_levels = {s.id: s.level for s in page.skills}
    return [
        manager_view.side_by_side(bank, self_levels, r, request.state.lang) for r in rows if r.submitted_at is not None
    ]


def pdf_context(request: Request, bank: Bank, db: Database, page: ResultPage) -> dict[str, Any]:
    """The owner's PDF: the answered ratings side by side (never a shared PDF: its route does not call this)."""
    return {"manager_views": _views(request, bank, page, manager_view.of(db, page.assessment_id))}


def forget_new_link(request: Request, response: Response, assessment_id: str) -> None:
    """A new link is shown once: the result page that showed it drops its cookie."""
    if NEW_LINK_COOKIE in request.cookies:
        response.delete_cookie(NEW_LINK_COOKIE, path=f"/result/{assessment_id}")


@router.post("/result/{assessment_id}/manager", dependencies=[CsrfDep])
async def create_link(
    request: Request,
    assessment_id: PublicId,
    db: DbDep,
    name: Annotated[Line, Form(max_length=200)] = "",
    display_name: Annotated[Line, Form(max_length=200)] = "",
    lang: Annotated[Line, Form(max_length=10)] = "",
    scope: Annotated[Line, Form(max_length=20)] = "none",
    days: Annotated[Line, Form(max_length=4)] = "14",
) -> Response:
    assessment = _owned(request, db, assessment_id)
    number = parse_int(days, 0, 9999)
    try:
        created = manager_view.create(
            db,
            assessment.id,
            label=name,
            person_name=display_name,
            lang=lang or request.state.lang,
            scope=scope,
            days=-1 if number is None else number,
            now=request.app.state.clock(),
        )
    except manager_view.ManagerError as err:
        context = {"status": 422, "message": _error(err.code, request.state.lang)}
        return render(request, "error.html", context, status_code=422)
    # to the new link itself: a browser focuses a focusable fragment target (an element that is not focusable, such
    # as the section, would take the focus away from the link that app.js focused, leaving it on <body>)
    response = RedirectResponse(f"/result/{assessment.id}#new-manager-url", status_code=303)
    response.set_cookie(  # shown once on the next page; the database keeps only the hash
        NEW_LINK_COOKIE,
        created.token,
        max_age=300,
        path=f"/result/{assessment.id}",
        httponly=True,
        samesite="strict",
        secure=is_https(request),
    )
    return response


@router.post("/result/{assessment_id}/manager/{rating_id}/delete", dependencies=[CsrfDep])
async def withdraw_rating(request: Request, assessment_id: PublicId, rating_id: PublicId, db: DbDep) -> Response:
    assessment = _owned(request, db, assessment_id)
    if not manager_view.withdraw(db, assessment.id, rating_id):
        raise NotFound
    response = RedirectResponse(f"/result/{assessment.id}#manager", status_code=303)
    response.delete_cookie(NEW_LINK_COOKIE, path=f"/result/{assessment.id}")
    return response


def _form_page(
    request: Request,
    bank: Bank,
    db: Database,
    token: str,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    found = manager_view.resolve(db, token, request.app.state.clock())
    if found is None:
        raise NotFound
    rating, assessment = found
    lang = request.state.lang
    page = None
    if rating.scope == "recommendation" and rating.submitted_at is None:
        snapshot = quiz.result_of(db, assessment.id)
        if snapshot is not None:
            request.state.role_labels = labels.for_assessment(db, assessment.id, lang)
            page = results.build(bank, snapshot, {}, lang=lang, current_role=assessment.current_role, shared=True)
    context = {
        "rating": rating,
        "token": token,
        "skills": [(s, manager_view.field_name(s.id)) for s in bank.skills],
        "anchors": {manager_view.field_name(s.id): manager_view.field_name(s.id) + "-1" for s in bank.skills},
        "values": values or {},
        "errors": {k: _error(v, lang) for k, v in (errors or {}).items()},
        "page": page,
    }
    return render(request, "manager_form.html", context, status_code=status_code, headers=HEADERS)


@router.get("/m/{token}", response_class=HTMLResponse)
async def manager_form(request: Request, token: Token, bank: BankDep, db: DbDep) -> HTMLResponse:
    return _form_page(request, bank, db, token)


@router.post("/m/{token}", dependencies=[CsrfDep])
async def manager_submit(request: Request, token: Token, bank: BankDep, db: DbDep) -> Response:
    # the skills' fields are read by hand: one per skill of the bank, validated each by manager_view.parse
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str) and k.startswith("skill_") and len(v) <= 10}
    ratings, errors = manager_view.parse(bank, values)
    if errors:
        return _form_page(request, bank, db, token, values=values, errors=errors, status_code=422)
    if not manager_view.submit(db, token, ratings, request.app.state.clock()):
        if manager_view.resolve(db, token, request.app.state.clock()) is None:
            raise NotFound
        return _form_page(request, bank, db, token, status_code=409)  # already sent: the page says so
    return RedirectResponse(f"/m/{token}", status_code=303)
