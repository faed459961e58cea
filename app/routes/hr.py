"""HR: sign-in, cohorts and invitations, the team dashboard, exports, users. Every query is org-scoped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app import auth, reports, sso
from app.db import Database
from app.i18n import LANGS, fmt_wait
from app.inputs import Line, PublicId, Text, Token, parse_day, parse_int
from app.messages import message
from app.models import HrUser
from app.routes.deferred import DeferredRoute
from app.security import is_https
from app.services import duration, exports, forms, hr, psychometrics
from app.services import labels as role_labels
from app.templating import labels_for, render
from app.web import BankDep, CsrfDep, DbDep, NotFound, safe_next
from scoring.model import ROLES, Bank

router = APIRouter(include_in_schema=False, route_class=DeferredRoute)
FLASH = "rolefit_hr_flash"


class LoginRequired(Exception):
    """Not signed in (or the session expired): go to the sign-in page."""


class Forbidden(Exception):
    """Signed in, but the permission matrix (app/auth/permissions.py) does not give this role this route."""


DEVICE_MAX_AGE = 180 * 86400


def hr_cookie_name(request: Request) -> str:
    # behind HTTPS the __Host- prefix pins the cookie to this host, path / and Secure
    return "__Host-rolefit_hr" if is_https(request) else "rolefit_hr"


def device_cookie_name(request: Request) -> str:
    return "__Host-rolefit_device" if is_https(request) else "rolefit_device"


def current_user(request: Request, db: DbDep) -> HrUser:
    """The signed-in HR user, if the permission matrix gives their role the route being served."""
    token = request.cookies.get(hr_cookie_name(request))
    user = auth.session_user(db, token, request.app.state.clock())
    if user is None:
        raise LoginRequired
    request.state.hr_user = user
    request.state.role_labels = role_labels.of_org(db, user.org_id, request.state.lang)  # the org's own titles
    route = request.scope.get("route")
    if not auth.allows(request.method, getattr(route, "path", ""), user.role):
        raise Forbidden
    return user


UserDep = Annotated[HrUser, Depends(current_user)]


def owner(user: UserDep) -> HrUser:
    if user.role != "owner":
        raise Forbidden
    return user


OwnerDep = Annotated[HrUser, Depends(owner)]


def _flash(response: Response, request: Request, value: str, path: str) -> None:
    response.set_cookie(
        FLASH, value, max_age=300, path=path, httponly=True, samesite="strict", secure=is_https(request)
    )


def _take_flash(request: Request, response: Response, path: str) -> None:
    if request.cookies.get(FLASH):
        response.delete_cookie(FLASH, path=path)


def client_address(request: Request) -> str | None:
    return request.client.host[:64] if request.client else None


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        hr_cookie_name(request), token, httponly=True, samesite="lax", secure=is_https(request), path="/"
    )


def link(request: Request, path: str) -> str:
    return str(request.base_url).rstrip("/") + path


# --- sign-in ---------------------------------------------------------------------------------------


@router.get("/hr/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return render(
        request,
        "hr/login.html",
        {"error": None, "email": "", "org": "", "next": safe_next(request.query_params.get("next"), "/hr")},
    )


@router.post("/hr/login", dependencies=[CsrfDep])
def login(
    request: Request,
    db: DbDep,
    email: Annotated[Line, Form(max_length=254)] = "",
    password: Annotated[Line, Form(max_length=1000)] = "",
    next: Annotated[Line, Form(max_length=500)] = "/hr",
    org: Annotated[Line, Form(max_length=200)] = "",
) -> Response:
    address = request.client.host if request.client else "unknown"
    now = request.app.state.clock()
    device = request.cookies.get(device_cookie_name(request))
    try:
        user = auth.authenticate(db, email, password, address, now, device=device, org=org)
    except auth.AccountError as err:
        lang = request.state.lang
        if err.code == "rate_limited":
            text = message(err.code, lang, wait=fmt_wait(err.retry_after, lang))
            context = {"error": text, "email": email[:254], "org": org, "next": safe_next(next, "/hr")}
            limited = render(request, "hr/login.html", context, status_code=429)
            limited.headers["Retry-After"] = str(err.retry_after)
            return limited
        context = {"error": message(err.code, lang), "email": email[:254], "org": org, "next": safe_next(next, "/hr")}
        return render(request, "hr/login.html", context, status_code=401)
    if sso.password_refused(db, user):  # the organisation requires single sign-on (owners keep a password)
        auth.audit(db, user.org_id, user.id, "user.login_refused", "SSO required", address)
        context = {"error": message("sso_required", request.state.lang), "email": email[:254], "org": org}
        context |= {"next": safe_next(next, "/hr"), "sso_value": email[:254]}
        return render(request, "hr/login.html", context, status_code=403)
    stage = auth.mfa.stage_for(db, user)
    token = auth.start_session(db, user, now, stage=stage, address=address)
    # the second factor first, when one is set up (or the organisation requires one): see app/routes/identity.py
    target = {auth.MFA: "/hr/mfa", auth.ENROL: "/hr/mfa/setup"}.get(stage, safe_next(next, "/hr"))
    if stage == auth.MFA:
        target += "?next=" + quote(safe_next(next, "/hr"))
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        hr_cookie_name(request), token, httponly=True, samesite="lax", secure=is_https(request), path="/"
    )
    trusted = auth.remember_device(db, user, device, now)
    response.set_cookie(
        device_cookie_name(request),
        trusted,
        max_age=DEVICE_MAX_AGE,
        httponly=True,
        samesite="strict",
        secure=is_https(request),
        path="/",
    )
    return response


@router.post("/hr/logout", dependencies=[CsrfDep])
def logout(request: Request, db: DbDep) -> RedirectResponse:
    token = request.cookies.get(hr_cookie_name(request))
    if token:
        auth.end_session(db, token)
    response = RedirectResponse("/hr/login", status_code=303)
    response.delete_cookie(hr_cookie_name(request), path="/", secure=is_https(request), httponly=True, samesite="lax")
    return response


@router.post("/hr/logout-everywhere", dependencies=[CsrfDep])
def logout_everywhere(request: Request, db: DbDep, user: UserDep) -> RedirectResponse:
    auth.end_all_sessions(db, user.id)
    auth.audit(db, user.org_id, user.id, "user.logout_all")
    response = RedirectResponse("/hr/login", status_code=303)
    response.delete_cookie(hr_cookie_name(request), path="/", secure=is_https(request), httponly=True, samesite="lax")
    return response


@router.get("/hr/set-password/{token}", response_class=HTMLResponse)
def set_password_form(request: Request, token: Token, db: DbDep) -> HTMLResponse:
    user = auth.password_token_user(db, token, request.app.state.clock())
    if user is None:
        raise NotFound
    return render(request, "hr/set_password.html", {"email": user.email, "token": token, "error": None})


@router.post("/hr/set-password/{token}", dependencies=[CsrfDep])
def set_password(
    request: Request,
    token: Token,
    db: DbDep,
    password: Annotated[Line, Form(max_length=1000)] = "",
    confirm: Annotated[Line, Form(max_length=1000)] = "",
) -> Response:
    user = auth.password_token_user(db, token, request.app.state.clock())
    if user is None:
        raise NotFound
    error = None
    if password != confirm:
        error = message("password_mismatch", request.state.lang)
    else:
        try:
            auth.set_password(db, token, password, request.app.state.clock())
        except auth.AccountError as err:
            error = message(err.code, request.state.lang, low=auth.MIN_PASSWORD, high=auth.MAX_PASSWORD)
    if error:
        return render(
            request, "hr/set_password.html", {"email": user.email, "token": token, "error": error}, status_code=422
        )
    return RedirectResponse("/hr/login", status_code=303)


# --- cohorts ---------------------------------------------------------------------------------------


def _parse_date(value: str, field: str) -> datetime | None:
    if not value:
        return None
    day = parse_day(value)  # a real day in range, ASCII digits: the day after it is still a date
    if day is None:
        raise hr.HrError("bad_date", field)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.replace("\r", "").replace(",", "\n").split("\n") if v.strip()]


def _form_minutes(request: Request, db: Database, bank: Bank) -> dict[str, int]:
    """The time each form takes, as the start page states it to a participant in the same language (the median
    of real completions of that form once there are enough, otherwise the reading-time estimate)."""
    return {form: duration.estimate(db, bank, request.state.lang, form).minutes for form in forms.FORMS}


@router.get("/hr", response_class=HTMLResponse)
def home(request: Request, db: DbDep, bank: BankDep, user: UserDep) -> HTMLResponse:
    rows = hr.cohorts_of(db, user.org_id)
    context = {"user": user, "cohorts": rows, "error": None, "values": {}, "minutes": _form_minutes(request, db, bank)}
    return render(request, "hr/home.html", context)


@router.post("/hr/cohorts", dependencies=[CsrfDep])
def create_cohort(
    request: Request,
    db: DbDep,
    bank: BankDep,
    user: UserDep,
    name: Annotated[Line, Form(max_length=200)] = "",
    departments: Annotated[Text, Form(max_length=5000)] = "",
    levels: Annotated[Text, Form(max_length=5000)] = "",
    closes_on: Annotated[Line, Form(max_length=10)] = "",
    max_participants: Annotated[Line, Form(max_length=7)] = "",
    form: Annotated[Line, Form(max_length=16)] = "",
) -> Response:
    now = request.app.state.clock()
    values = {
        "name": name,
        "departments": departments,
        "levels": levels,
        "closes_on": closes_on,
        "max_participants": max_participants,
        "form": form,
    }
    try:
        closes = _parse_date(closes_on, "closes_at")
        most = parse_int(max_participants, 0, 9_999_999) if max_participants else None  # ASCII digits only
        if max_participants and most is None:
            raise hr.HrError("bad_max", "max_participants")
        cohort, invitation = hr.create_cohort(
            db,
            user.org_id,
            name=name,
            departments=_split(departments),
            levels=_split(levels),
            closes_at=closes + timedelta(days=1) if closes else None,
            max_participants=most,
            now=now,
            form=form or "full",
        )
    except hr.HrError as err:
        rows = hr.cohorts_of(db, user.org_id)
        context = {
            "user": user,
            "cohorts": rows,
            "error": message(err.code, request.state.lang),
            "values": values,
            "minutes": _form_minutes(request, db, bank),
        }
        return render(request, "hr/home.html", context, status_code=422)
    auth.audit(db, user.org_id, user.id, "cohort.create", cohort.name)
    path = f"/hr/cohorts/{cohort.id}"
    response = RedirectResponse(path, status_code=303)
    _flash(response, request, invitation.token, path)
    return response


def _filters(request: Request) -> hr.Filters:
    q = request.query_params

    def opt(key: str) -> str | None:
        value = q.get(key, "")[:100]
        return value or None

    role = opt("role")
    if role is not None and role not in ROLES:
        raise hr.HrError("bad_role", "role")
    start, end = _parse_date(q.get("from", ""), "from"), _parse_date(q.get("to", ""), "to")
    return hr.Filters(
        department=opt("department"),
        level=opt("level"),
        current_role=role,
        date_from=start,
        date_to=end + timedelta(days=1) if end else None,
    )


def _board_context(request: Request, db: Database, bank: Any, user: HrUser, cohort_id: str | None) -> dict[str, Any]:
    try:
        filters = _filters(request)
        board = hr.dashboard(db, bank, user.org_id, cohort_id, filters)
        error = None
    except hr.HrError as err:
        filters = hr.Filters()
        board = hr.dashboard(db, bank, user.org_id, cohort_id, filters)
        error = message(err.code, request.state.lang)
    shown = (filters.date_to - timedelta(days=1)).strftime("%Y-%m-%d") if filters.date_to else ""
    return {
        "board": board,
        "filters": filters,
        "filter_error": error,
        "query": request.url.query,
        "K": hr.K,
        "date_to_shown": shown,
    }


@router.get("/hr/cohorts/{cohort_id}", response_class=HTMLResponse)
def cohort_page(request: Request, cohort_id: PublicId, bank: BankDep, db: DbDep, user: UserDep) -> HTMLResponse:
    cohort = hr.cohort_of(db, user.org_id, cohort_id)
    if cohort is None:
        raise NotFound
    row = hr.cohort_row(db, user.org_id, cohort.id)
    token = request.cookies.get(FLASH)
    new_link = link(request, f"/join/{token}") if token and len(token) < 100 else None
    context = {"user": user, "cohort": cohort, "row": row, "new_link": new_link, "now": request.app.state.clock()}
    context |= _board_context(request, db, bank, user, cohort.id)
    status = 422 if context["filter_error"] else 200  # the board without the refused filter, and why
    if status == 200:  # a refused filter changes nothing, not even the log (the hardening rule)
        auth.audit(db, user.org_id, user.id, "cohort.view", cohort.id, client_address(request))  # names may show
    response = render(request, "hr/cohort.html", context, block="board", status_code=status)
    _take_flash(request, response, f"/hr/cohorts/{cohort.id}")
    return response


@router.get("/hr/dashboard", response_class=HTMLResponse)
def org_dashboard(request: Request, bank: BankDep, db: DbDep, user: UserDep) -> HTMLResponse:
    context = {"user": user, "cohort": None, "row": None, "new_link": None}
    context |= _board_context(request, db, bank, user, None)
    status = 422 if context["filter_error"] else 200
    return render(request, "hr/cohort.html", context, block="board", status_code=status)


@router.post("/hr/cohorts/{cohort_id}/invitations", dependencies=[CsrfDep])
def new_invitation(
    request: Request,
    cohort_id: PublicId,
    db: DbDep,
    user: UserDep,
    label: Annotated[Line, Form(max_length=80)] = "",
) -> RedirectResponse:
    try:
        made = hr.new_invitation(db, user.org_id, cohort_id, request.app.state.clock(), label=label)
    except hr.HrError as err:
        raise NotFound from err
    auth.audit(db, user.org_id, user.id, "invitation.create", cohort_id)
    path = f"/hr/cohorts/{cohort_id}"
    response = RedirectResponse(path, status_code=303)
    _flash(response, request, made.token, path)
    return response


@router.post("/hr/invitations/{invitation_id}/revoke", dependencies=[CsrfDep])
def revoke_invitation(request: Request, invitation_id: PublicId, db: DbDep, user: UserDep) -> RedirectResponse:
    cohort_id = hr.invitation_cohort(db, user.org_id, invitation_id)
    if cohort_id is None or not hr.revoke_invitation(db, user.org_id, invitation_id, request.app.state.clock()):
        raise NotFound
    auth.audit(db, user.org_id, user.id, "invitation.revoke", invitation_id)
    return RedirectResponse(f"/hr/cohorts/{cohort_id}", status_code=303)


# --- exports ---------------------------------------------------------------------------------------

spreadsheet_safe = exports.spreadsheet_safe  # kept here for the callers that import it from the routes


def _export_rows(request: Request, bank: Any, db: Database, user: HrUser, cohort_id: str) -> list[dict[str, Any]]:
    if hr.cohort_of(db, user.org_id, cohort_id) is None:
        raise NotFound
    auth.audit(db, user.org_id, user.id, "cohort.export", cohort_id)
    return hr.identified_rows(db, bank, user.org_id, cohort_id)


def _export_words(request: Request, bank: Any) -> exports.Words:
    """Headings and values in the HR user's language, with the organisation's role titles."""
    return exports.Words(bank, request.state.lang, labels_for(request, getattr(request.state, "role_labels", None)))


@router.get("/hr/cohorts/{cohort_id}/export.csv")
def export_csv(request: Request, cohort_id: PublicId, bank: BankDep, db: DbDep, user: UserDep) -> Response:
    rows = _export_rows(request, bank, db, user, cohort_id)
    return Response(
        exports.to_csv(_export_words(request, bank), rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="cohort-{cohort_id}.csv"', "Cache-Control": "no-store"},
    )


@router.get("/hr/cohorts/{cohort_id}/export.xlsx")
def export_xlsx(request: Request, cohort_id: PublicId, bank: BankDep, db: DbDep, user: UserDep) -> Response:
    rows = _export_rows(request, bank, db, user, cohort_id)
    return Response(
        exports.to_xlsx(_export_words(request, bank), rows),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="cohort-{cohort_id}.xlsx"', "Cache-Control": "no-store"},
    )


@router.get("/hr/cohorts/{cohort_id}/report.pdf")
def team_pdf(request: Request, cohort_id: PublicId, bank: BankDep, db: DbDep, user: UserDep) -> Response:
    cohort = hr.cohort_of(db, user.org_id, cohort_id)
    if cohort is None:
        raise NotFound
    context = {"user": user, "cohort": cohort} | _board_context(request, db, bank, user, cohort.id)
    if context["filter_error"]:  # no report for filters that were refused
        return render(request, "error.html", {"status": 422, "message": context["filter_error"]}, status_code=422)
    pdf = reports.render_template_pdf(request, "pdf/team.html", context)
    auth.audit(db, user.org_id, user.id, "cohort.report", cohort_id)
    return reports.pdf_response(pdf, f"cohort-{cohort_id}.pdf")


# --- users (owners) --------------------------------------------------------------------------------


@router.get("/hr/psychometrics", response_class=HTMLResponse)
def psychometrics_page(request: Request, bank: BankDep, db: DbDep, user: OwnerDep) -> HTMLResponse:
    """The newest stored psychometrics report of the owner's organisation (``rolefit psychometrics --save
    --org ID`` computes it: the statistics stay out of the web worker); minimum-n suppression applied there."""
    stored = psychometrics.latest(db, user.org_id)
    context = {
        "user": user,
        "stored": stored,
        "report": stored.data if stored is not None else None,
        "dims": {d.id: d.name for d in bank.dimensions},
        "lang": request.state.lang,
    }
    return render(request, "hr/psychometrics.html", context)


@router.get("/hr/users", response_class=HTMLResponse)
def users(request: Request, db: DbDep, user: OwnerDep) -> HTMLResponse:
    context = {"user": user, "users": auth.users_of(db, user.org_id), "error": None, "new_link": None}
    context["passkey_users"] = auth.passkeys.users_with_passkeys(db, user.org_id)
    return render(request, "hr/users.html", context)


@router.post("/hr/users", dependencies=[CsrfDep])
def invite_user(
    request: Request,
    db: DbDep,
    user: OwnerDep,
    email: Annotated[Line, Form(max_length=254)] = "",
    role: Annotated[Line, Form(max_length=16)] = "analyst",
) -> HTMLResponse:
    try:
        invited = auth.invite(db, user.org_id, email, role, request.app.state.clock(), by=user.id)
    except auth.AccountError as err:
        context = {
            "user": user,
            "users": auth.users_of(db, user.org_id),
            "passkey_users": auth.passkeys.users_with_passkeys(db, user.org_id),
            "error": message(err.code, request.state.lang),
            "new_link": None,
        }
        return render(request, "hr/users.html", context, status_code=422)
    context = {
        "user": user,
        "users": auth.users_of(db, user.org_id),
        "passkey_users": auth.passkeys.users_with_passkeys(db, user.org_id),
        "error": None,
        "new_link": link(request, f"/hr/set-password/{invited.token}"),
    }
    return render(request, "hr/users.html", context)


def _labels_context(request: Request, db: Database, user: HrUser) -> dict[str, Any]:
    """Each language's labels as the organisation's participants see them (the default where none are set)."""
    current = {}
    for lang in LANGS:
        request.state.lang, shown = lang, request.state.lang
        try:
            current[lang] = labels_for(request, role_labels.of_org(db, user.org_id, lang)).as_dict()
        finally:
            request.state.lang = shown
    return {"user": user, "current": current, "errors": {}, "error_lang": None, "saved": None}


@router.get("/hr/labels", response_class=HTMLResponse)
def labels_form(request: Request, db: DbDep, user: OwnerDep) -> HTMLResponse:
    return render(request, "hr/labels.html", _labels_context(request, db, user))


@router.post("/hr/labels", dependencies=[CsrfDep])
def set_labels(
    request: Request,
    db: DbDep,
    user: OwnerDep,
    lang: Annotated[Line, Form(max_length=16)] = "",
    account: Annotated[Line, Form(max_length=200)] = "",
    account_short: Annotated[Line, Form(max_length=200)] = "",
    delivery: Annotated[Line, Form(max_length=200)] = "",
    delivery_short: Annotated[Line, Form(max_length=200)] = "",
) -> HTMLResponse:
    """An owner sets the organisation's role titles in one language; 422 and nothing stored when one is bad."""
    values = {
        "account": account,
        "account_short": account_short,
        "delivery": delivery,
        "delivery_short": delivery_short,
    }
    if lang not in LANGS:
        context = _labels_context(request, db, user) | {"errors": {"lang": message("bad_lang", request.state.lang)}}
        return render(request, "hr/labels.html", context, status_code=422)
    found = role_labels.save(db, user.org_id, lang, values)
    context = _labels_context(request, db, user)
    if found:
        ui_lang = request.state.lang
        errors = {name: message(f"label_{code}", ui_lang, max=40) for name, code in found.items()}
        context["current"][lang] = values
        context |= {"errors": errors, "error_lang": lang}
        return render(request, "hr/labels.html", context, status_code=422)
    context["saved"] = lang
    return render(request, "hr/labels.html", context)
