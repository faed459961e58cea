"""Reminders, the funnel and the digest: a cohort's funnel and reminder schedule, the organisation's funnel
with the digest setting (HR), and the stop link of every invitation and reminder mail (the person).

The stop link is its own credential (an unguessable token, stored hashed): ``GET`` shows a confirmation
button and changes nothing; ``POST`` stops. The ``POST`` takes no CSRF token, because mail programs send
the one-click unsubscribe of RFC 8058 (``List-Unsubscribe-Post: List-Unsubscribe=One-Click``) from outside
any browser session; knowing the token is what authorises it, and all it can do is stop reminders.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.inputs import Line, PublicId, Token
from app.messages import message
from app.routes.deferred import DeferredRoute
from app.routes.hr import OwnerDep, UserDep
from app.services import digest, funnel, hr, reminders
from app.templating import render
from app.web import CsrfDep, DbDep, NotFound

router = APIRouter(include_in_schema=False, route_class=DeferredRoute)


def _cohort_context(request: Request, db: Any, user: Any, cohort_id: str, **extra: Any) -> dict[str, Any]:
    found = funnel.of_cohort(db, user.org_id, cohort_id)
    if found is None:
        raise NotFound
    days = ", ".join(str(d) for d in found.reminder_days)
    return {"user": user, "funnel": found, "days": days, "error": None, "K": hr.K} | extra


@router.get("/hr/cohorts/{cohort_id}/funnel", response_class=HTMLResponse)
def cohort_funnel(request: Request, cohort_id: PublicId, db: DbDep, user: UserDep) -> HTMLResponse:
    return render(request, "hr/funnel.html", _cohort_context(request, db, user, cohort_id))


@router.post("/hr/cohorts/{cohort_id}/reminders", dependencies=[CsrfDep])
def set_reminders(
    request: Request,
    cohort_id: PublicId,
    db: DbDep,
    user: OwnerDep,
    days: Annotated[Line, Form(max_length=100)] = "",
) -> Any:
    context = _cohort_context(request, db, user, cohort_id)
    try:
        reminders.set_schedule(db, user.org_id, cohort_id, days)
    except reminders.ScheduleError as err:
        if err.code == "not_found":
            raise NotFound from err
        context |= {"error": message(err.code, request.state.lang), "days": days}
        return render(request, "hr/funnel.html", context, status_code=422)
    return RedirectResponse(f"/hr/cohorts/{cohort_id}/funnel", status_code=303)


@router.get("/hr/funnel", response_class=HTMLResponse)
def org_funnel(request: Request, db: DbDep, user: UserDep) -> HTMLResponse:
    total, rows = funnel.of_organisation(db, user.org_id)
    context = {"user": user, "total": total, "rows": rows, "digest_on": digest.subscribed(db, user.id), "K": hr.K}
    return render(request, "hr/funnel_org.html", context)


@router.post("/hr/digest", dependencies=[CsrfDep])
def set_digest(request: Request, db: DbDep, user: UserDep, on: Annotated[Line, Form(max_length=3)] = "") -> Any:
    digest.subscribe(db, user.id, on == "yes", request.app.state.clock())
    return RedirectResponse("/hr/funnel", status_code=303)


# --- the person's stop link ----------------------------------------------------------------------------


@router.get("/stop/{token}", response_class=HTMLResponse)
def stop_page(request: Request, token: Token, db: DbDep) -> HTMLResponse:
    found = reminders.find_stop(db, token)
    if found is None:
        raise NotFound
    return render(request, "stop.html", {"found": found, "token": token, "done": found.stopped})


@router.post("/stop/{token}")
def stop_reminders(request: Request, token: Token, db: DbDep) -> Response:
    found = reminders.stop(db, token, request.app.state.clock())
    if found is None:
        raise NotFound
    return render(request, "stop.html", {"found": found, "token": token, "done": True})
