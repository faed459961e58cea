"""The operator's pages: the site-wide psychometrics report and the technical manual (all organisations).

Signed in as an HR user whom ``rolefit operator grant EMAIL`` made an operator; everyone else signed in gets
403, and the permission matrix (app/auth/permissions.py) lists the routes with that outcome for every HR role.
The statistics are computed by the CLI (``rolefit psychometrics --save``); these pages only read the stored
report, so no statistics library is loaded in the web worker.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from app import auth, manual
from app.models import HrUser
from app.routes.deferred import DeferredRoute
from app.routes.hr import Forbidden, LoginRequired, hr_cookie_name
from app.services import operators, psychometrics
from app.templating import render
from app.web import BankDep, DbDep

router = APIRouter(include_in_schema=False, route_class=DeferredRoute)


def operator(request: Request, db: DbDep) -> HrUser:
    user = auth.session_user(db, request.cookies.get(hr_cookie_name(request)), request.app.state.clock())
    if user is None:
        raise LoginRequired
    if not operators.is_operator(db, user.id):
        raise Forbidden
    request.state.hr_user = user
    return user


OperatorDep = Annotated[HrUser, Depends(operator)]


@router.get("/ops/psychometrics", response_class=HTMLResponse)
def psychometrics_page(request: Request, bank: BankDep, db: DbDep, user: OperatorDep) -> HTMLResponse:
    """The newest site-wide report (``rolefit psychometrics --save``)."""
    stored = psychometrics.latest(db, None)
    context = {
        "user": user,
        "stored": stored,
        "report": stored.data if stored is not None else None,
        "dims": {d.id: d.name for d in bank.dimensions},
        "lang": request.state.lang,
    }
    return render(request, "ops/psychometrics.html", context)


@router.get("/ops/manual", response_class=HTMLResponse)
def manual_page(request: Request, bank: BankDep, db: DbDep, user: OperatorDep) -> HTMLResponse:
    """The technical manual from the newest site-wide report, in the reader's language."""
    stored = psychometrics.latest(db, None)
    if stored is None:
        return render(request, "ops/psychometrics.html", {"user": user, "stored": None, "report": None})
    on = stored.created_at.date() if stored.created_at else date.today()
    context = manual.context(bank, stored.data, on, request.app.state.params and request.app.state.params.version)
    return render(request, "manual/manual.html", {"css": manual.WEB_CSS} | context)
