"""Check-in reminders by e-mail: the person gives (or removes) an address on their result's plan progress,
and the stop link of every check-in mail.

The stop link is its own credential (an unguessable token, stored hashed): ``GET`` shows a confirmation
button and changes nothing; ``POST`` deletes the address. The ``POST`` takes no CSRF token, because mail
programs send the one-click unsubscribe of RFC 8058 from outside any browser session; all it can do is stop.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.db import Database
from app.i18n import gettext_for
from app.inputs import Line, PublicId, Token
from app.messages import N_
from app.models import Assessment
from app.routes.deferred import DeferredRoute
from app.services import checkin_mail
from app.templating import render
from app.web import CsrfDep, DbDep, NotFound, current_assessment

router = APIRouter(include_in_schema=False, route_class=DeferredRoute)
ERRORS = {
    "checkin_mail_missing": N_("Please give the e-mail address to remind."),
    "checkin_mail_bad": N_("This is not an e-mail address."),
}
HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}


def _owned(request: Request, db: Database, assessment_id: str) -> Assessment:
    mine = current_assessment(request, db)
    if mine is None or mine[0].id != assessment_id:
        raise NotFound
    return mine[0]


def context(db: Database, assessment_id: str) -> dict[str, Any]:
    """What the result page's check-in reminder form shows: the address given, if any."""
    row = checkin_mail.of(db, assessment_id)
    return {"checkin_mail": row.email if row else "", "checkin_mail_error": ""}


@router.post("/result/{assessment_id}/checkin-mail", dependencies=[CsrfDep])
def give_address(
    request: Request, assessment_id: PublicId, db: DbDep, email: Annotated[Line, Form(max_length=300)] = ""
) -> Response:
    assessment = _owned(request, db, assessment_id)
    try:
        checkin_mail.subscribe(db, assessment.id, email, request.state.lang, request.app.state.clock())
    except checkin_mail.CheckinMailError as err:
        error = gettext_for(request.state.lang)(ERRORS.get(err.code, ERRORS["checkin_mail_bad"]))
        ctx = {"assessment_id": assessment.id, "checkin_mail": "", "checkin_mail_error": error, "given": email}
        return render(request, "progress/checkin_mail.html", ctx, status_code=422)
    return RedirectResponse(f"/result/{assessment.id}#checkin-mail", status_code=303)


@router.post("/result/{assessment_id}/checkin-mail/delete", dependencies=[CsrfDep])
def remove_address(request: Request, assessment_id: PublicId, db: DbDep) -> Response:
    assessment = _owned(request, db, assessment_id)
    checkin_mail.remove(db, assessment.id)
    return RedirectResponse(f"/result/{assessment.id}#checkin-mail", status_code=303)


@router.get("/checkin-stop/{token}", response_class=HTMLResponse)
def stop_page(request: Request, token: Token, db: DbDep) -> HTMLResponse:
    found = checkin_mail.find_stop(db, token)
    if found is None:
        raise NotFound
    done = not checkin_mail.subscribed(db, found.assessment_id)
    response = render(request, "progress/checkin_stop.html", {"token": token, "done": done})
    response.headers.update(HEADERS)
    return response


@router.post("/checkin-stop/{token}")
def stop(request: Request, token: Token, db: DbDep) -> Response:
    if not checkin_mail.stop(db, token):
        raise NotFound
    response = render(request, "progress/checkin_stop.html", {"token": token, "done": True})
    response.headers.update(HEADERS)
    return response
