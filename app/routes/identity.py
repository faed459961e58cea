"""HR identity and governance: user lifecycle, the organisation switcher, the second factor (TOTP; passkeys
are in app/routes/passkeys.py), the organisation's security and retention settings, cohort
close/archive/delete, the audit log viewer.

Every route has its row in the permission matrix (app/auth/permissions.py); every query is scoped to the
signed-in user's organisation (another organisation's object: 404); every change is audited with the
client's address.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app import auth
from app.i18n import fmt_wait
from app.inputs import Line, PublicId, parse_int
from app.messages import message
from app.models import HrUser
from app.routes.deferred import DeferredRoute
from app.routes.hr import (
    Forbidden,
    LoginRequired,
    OwnerDep,
    UserDep,
    _parse_date,
    client_address,
    hr_cookie_name,
    set_session_cookie,
    spreadsheet_safe,
)
from app.services import audit, hr, retention
from app.templating import render
from app.web import CsrfDep, DbDep, NotFound, safe_next

router = APIRouter(include_in_schema=False, route_class=DeferredRoute)


# --- users: role, deactivate, reactivate, remove, reset the second factor ------------------------------


def _users_page(request: Request, db: Any, user: HrUser, error: str | None = None, status: int = 200) -> HTMLResponse:
    context = {"user": user, "users": auth.users_of(db, user.org_id), "error": error, "new_link": None}
    context["passkey_users"] = auth.passkeys.users_with_passkeys(db, user.org_id)
    return render(request, "hr/users.html", context, status_code=status)


def _user_action(request: Request, db: Any, user: HrUser, action: Any) -> Response:
    try:
        action()
    except auth.AccountError as err:
        if err.code == "not_found":
            raise NotFound from err
        return _users_page(request, db, user, message(err.code, request.state.lang), 422)
    return RedirectResponse("/hr/users", status_code=303)


@router.post("/hr/users/{user_id}/role", dependencies=[CsrfDep])
def change_role(
    request: Request, user_id: PublicId, db: DbDep, user: OwnerDep, role: Annotated[Line, Form(max_length=16)] = ""
) -> Response:
    address = client_address(request)
    return _user_action(
        request, db, user, lambda: auth.lifecycle.change_role(db, user.org_id, user.id, user_id, role, address)
    )


@router.post("/hr/users/{user_id}/deactivate", dependencies=[CsrfDep])
def deactivate(request: Request, user_id: PublicId, db: DbDep, user: OwnerDep) -> Response:
    now, address = request.app.state.clock(), client_address(request)
    return _user_action(
        request, db, user, lambda: auth.lifecycle.deactivate(db, user.org_id, user.id, user_id, now, address)
    )


@router.post("/hr/users/{user_id}/reactivate", dependencies=[CsrfDep])
def reactivate(request: Request, user_id: PublicId, db: DbDep, user: OwnerDep) -> Response:
    address = client_address(request)
    return _user_action(
        request, db, user, lambda: auth.lifecycle.reactivate(db, user.org_id, user.id, user_id, address)
    )


@router.post("/hr/users/{user_id}/mfa-reset", dependencies=[CsrfDep])
def reset_mfa(request: Request, user_id: PublicId, db: DbDep, user: OwnerDep) -> Response:
    address = client_address(request)
    return _user_action(request, db, user, lambda: auth.lifecycle.reset_mfa(db, user.org_id, user.id, user_id, address))


@router.post("/hr/users/{user_id}/remove", dependencies=[CsrfDep])
def remove(request: Request, user_id: PublicId, db: DbDep, user: OwnerDep) -> Response:
    address = client_address(request)
    return _user_action(request, db, user, lambda: auth.lifecycle.remove(db, user.org_id, user.id, user_id, address))


# --- the organisation switcher -------------------------------------------------------------------------


@router.get("/hr/switch", response_class=HTMLResponse)
def switch_page(request: Request, db: DbDep, user: UserDep) -> HTMLResponse:
    """Sign in to another organisation where this e-mail has an account, by its name and that account's own
    password (and second factor). The page lists no organisations: the holder of this account is not
    necessarily the person behind the address elsewhere (an owner who invited the address and set its
    password could otherwise read where else it has accounts)."""
    return render(request, "hr/switch.html", {"user": user})


# --- the second factor ---------------------------------------------------------------------------------


def _pending(request: Request, db: Any) -> tuple[HrUser, str]:
    found = auth.pending_user(db, request.cookies.get(hr_cookie_name(request)), request.app.state.clock())
    if found is None:
        raise LoginRequired
    return found


def _promote(request: Request, db: Any, user: HrUser, target: str) -> Response:
    """The second factor is done: a new full session (a new token: the pending one is never promoted)."""
    old = request.cookies.get(hr_cookie_name(request))
    if old:
        auth.end_session(db, old)
    token = auth.start_session(db, user, request.app.state.clock(), address=client_address(request))
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(request, response, token)
    return response


def mfa_page(
    request: Request, db: Any, user: HrUser, error: str | None, target: str, status_code: int = 200
) -> HTMLResponse:
    """The second step of a sign-in: a code (TOTP or recovery) and/or a passkey, whichever the user has."""
    context = {
        "error": error,
        "next": target,
        "totp": user.totp_enabled_at is not None,
        "passkey": auth.passkeys.has_passkey(db, user.id),
    }
    return render(request, "hr/mfa.html", context, status_code=status_code)


@router.get("/hr/mfa", response_class=HTMLResponse)
def mfa_form(request: Request, db: DbDep) -> Response:
    found = auth.pending_user(db, request.cookies.get(hr_cookie_name(request)), request.app.state.clock())
    if found is None or found[1] != auth.MFA:
        return RedirectResponse("/hr/login", status_code=303)
    nxt = safe_next(request.query_params.get("next"), "/hr")
    return mfa_page(request, db, found[0], None, nxt)


@router.post("/hr/mfa", dependencies=[CsrfDep])
def mfa_check(
    request: Request,
    db: DbDep,
    code: Annotated[Line, Form(max_length=40)] = "",
    next: Annotated[Line, Form(max_length=500)] = "/hr",
) -> Response:
    now = request.app.state.clock()
    found = auth.pending_user(db, request.cookies.get(hr_cookie_name(request)), now)
    if found is None or found[1] != auth.MFA:
        return RedirectResponse("/hr/login", status_code=303)
    user = found[0]
    lang, target = request.state.lang, safe_next(next, "/hr")
    checks = [(auth.mfa.MFA, user.id)]
    delay = auth.throttle.begin(db, checks, now)
    if delay:
        text = message("rate_limited", lang, wait=fmt_wait(delay, lang))
        limited = mfa_page(request, db, user, text, target, 429)
        limited.headers["Retry-After"] = str(delay)
        return limited
    if not auth.mfa.verify(db, user, code, now):
        auth.audit(db, user.org_id, user.id, "user.mfa_fail", address=client_address(request))
        return mfa_page(request, db, user, message("mfa_bad_code", lang), target, 401)
    auth.throttle.succeeded(db, checks, now)
    return _promote(request, db, user, target)


def _setup_context(user: HrUser, db: Any, error: str | None = None, proposal: Any = None) -> dict[str, Any]:
    org_name = dict(auth.organisations_of(db, user.email)).get(user.org_id, "")
    return {
        "user": user,
        "enrolment": auth.mfa.propose(user, org_name, proposal.secret if proposal else None),
        "error": error,
        "codes": None,
        "enabled": user.totp_enabled_at is not None,
        "left": auth.mfa.recovery_left(db, user.id) if user.totp_enabled_at else 0,
        "passkeys": auth.passkeys.passkeys_of(db, user.id),
        "passkey_error": None,
        "passkey_name": "",
    }


def enrolling_user(request: Request, db: DbDep) -> HrUser:
    """A signed-in user, or one who must enrol before anything else (``enrol`` stage)."""
    user, stage = _pending(request, db)
    if stage == auth.MFA:
        raise LoginRequired
    if stage == auth.FULL and not auth.allows(request.method, "/hr/mfa/setup", user.role):
        raise Forbidden
    request.state.hr_user = user
    return user


EnrollingDep = Annotated[HrUser, Depends(enrolling_user)]


def _enrolling(request: Request, db: Any) -> dict[str, Any]:
    """In the ``enrol`` stage the HR menu is hidden: none of it opens before the second factor is set up."""
    _, stage = _pending(request, db)
    return {"enrolling": True} if stage == auth.ENROL else {}


@router.get("/hr/mfa/setup", response_class=HTMLResponse)
def mfa_setup_form(request: Request, db: DbDep, user: EnrollingDep) -> HTMLResponse:
    return render(request, "hr/mfa_setup.html", _setup_context(user, db) | _enrolling(request, db))


@router.post("/hr/mfa/setup", dependencies=[CsrfDep])
def mfa_setup(
    request: Request,
    db: DbDep,
    user: EnrollingDep,
    secret: Annotated[Line, Form(max_length=64)] = "",
    code: Annotated[Line, Form(max_length=40)] = "",
) -> Response:
    now = request.app.state.clock()
    checks = [(auth.mfa.MFA, user.id)]
    lang = request.state.lang
    delay = auth.throttle.begin(db, checks, now)
    if delay:
        text = message("rate_limited", lang, wait=fmt_wait(delay, lang))
        context = _setup_context(user, db, text) | _enrolling(request, db)
        limited = render(request, "hr/mfa_setup.html", context, status_code=429)
        limited.headers["Retry-After"] = str(delay)
        return limited
    codes = auth.mfa.enable(db, user.id, secret.strip().upper(), code, now, client_address(request))
    if codes is None:
        # a typo: the same key again (the app already holds it), if it is one we could have proposed
        kept = auth.mfa.propose(user, "", secret) if auth.mfa.plausible_secret(secret) else None
        context = _setup_context(user, db, message("mfa_bad_code", lang), kept) | _enrolling(request, db)
        return render(request, "hr/mfa_setup.html", context, status_code=422)
    auth.throttle.succeeded(db, checks, now)
    context = _setup_context(user, db) | {"codes": codes, "enabled": True}
    response = render(request, "hr/mfa_setup.html", context)
    _, stage = _pending(request, db)
    if stage == auth.ENROL:  # enrolled: from now on a full session (a new token)
        old = request.cookies.get(hr_cookie_name(request))
        if old:
            auth.end_session(db, old)
        set_session_cookie(request, response, auth.start_session(db, user, now, address=client_address(request)))
    return response


# --- the organisation's security and retention settings ------------------------------------------------


def _settings_context(
    user: HrUser, db: Any, errors: dict[str, str] | None = None, saved: bool = False
) -> dict[str, Any]:
    return {"user": user, "org_policy": retention.policy_of(db, user.org_id), "errors": errors or {}, "saved": saved}


@router.get("/hr/settings", response_class=HTMLResponse)
def settings_form(request: Request, db: DbDep, user: OwnerDep) -> HTMLResponse:
    return render(request, "hr/settings.html", _settings_context(user, db))


@router.post("/hr/settings", dependencies=[CsrfDep])
def save_settings(
    request: Request,
    db: DbDep,
    user: OwnerDep,
    require_mfa: Annotated[Line, Form(max_length=3)] = "",
    identified_days: Annotated[Line, Form(max_length=6)] = "",
    aggregate_days: Annotated[Line, Form(max_length=6)] = "",
) -> HTMLResponse:
    lang = request.state.lang
    errors: dict[str, str] = {}
    values: dict[str, int | None] = {}
    for name, raw in (("identified_days", identified_days), ("aggregate_days", aggregate_days)):
        number = parse_int(raw, 1, retention.MAX_DAYS) if raw else None
        if raw and number is None:
            errors[name] = message("retention_days", lang, max=retention.MAX_DAYS)
        values[name] = number
    if require_mfa not in ("", "yes"):
        errors["require_mfa"] = message("invalid", lang)
    if errors:
        return render(request, "hr/settings.html", _settings_context(user, db, errors), status_code=422)
    policy = retention.Policy(require_mfa == "yes", values["identified_days"], values["aggregate_days"])
    retention.save_policy(db, user.org_id, user.id, policy, client_address(request))
    return render(request, "hr/settings.html", _settings_context(user, db, saved=True))


# --- a cohort's life: close, archive, delete -----------------------------------------------------------


@router.post("/hr/cohorts/{cohort_id}/close", dependencies=[CsrfDep])
def close_cohort(request: Request, cohort_id: PublicId, db: DbDep, user: OwnerDep) -> RedirectResponse:
    now = request.app.state.clock()
    if not retention.close(db, user.org_id, user.id, cohort_id, now, client_address(request)):
        raise NotFound
    return RedirectResponse(f"/hr/cohorts/{cohort_id}", status_code=303)


@router.post("/hr/cohorts/{cohort_id}/archive", dependencies=[CsrfDep])
def archive_cohort(request: Request, cohort_id: PublicId, db: DbDep, user: OwnerDep) -> RedirectResponse:
    now = request.app.state.clock()
    if not retention.archive(db, user.org_id, user.id, cohort_id, now, client_address(request)):
        raise NotFound
    return RedirectResponse("/hr", status_code=303)


@router.get("/hr/cohorts/{cohort_id}/delete", response_class=HTMLResponse)
def delete_cohort_form(request: Request, cohort_id: PublicId, db: DbDep, user: OwnerDep) -> HTMLResponse:
    cohort = hr.cohort_of(db, user.org_id, cohort_id)
    goes = retention.what_goes(db, user.org_id, cohort_id)
    if cohort is None or goes is None:
        raise NotFound
    return render(request, "hr/cohort_delete.html", {"user": user, "cohort": cohort, "goes": goes, "error": None})


@router.post("/hr/cohorts/{cohort_id}/delete", dependencies=[CsrfDep])
def delete_cohort(
    request: Request,
    cohort_id: PublicId,
    db: DbDep,
    user: OwnerDep,
    confirm: Annotated[Line, Form(max_length=200)] = "",
) -> Response:
    cohort = hr.cohort_of(db, user.org_id, cohort_id)
    goes = retention.what_goes(db, user.org_id, cohort_id)
    if cohort is None or goes is None:
        raise NotFound
    if confirm.strip() != cohort.name.strip():
        error = message("confirm_name", request.state.lang)
        context = {"user": user, "cohort": cohort, "goes": goes, "error": error}
        return render(request, "hr/cohort_delete.html", context, status_code=422)
    retention.delete_cohort(db, user.org_id, user.id, cohort_id, client_address(request))
    return RedirectResponse("/hr", status_code=303)


# --- the audit log ---------------------------------------------------------------------------------------


def _audit_filters(actor: str, action: str, date_from: str, date_to: str) -> audit.Filters:
    start, end = _parse_date(date_from, "from"), _parse_date(date_to, "to")
    return audit.Filters(
        actor=actor or None,
        action=action or None,
        date_from=start,
        date_to=end + timedelta(days=1) if end else None,
    )


AuditActor = Annotated[Line, Query(alias="actor", max_length=64)]
AuditAction = Annotated[Line, Query(alias="action", max_length=60)]
AuditFrom = Annotated[Line, Query(alias="from", max_length=10)]
AuditTo = Annotated[Line, Query(alias="to", max_length=10)]


@router.get("/hr/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    db: DbDep,
    user: OwnerDep,
    actor: AuditActor = "",
    action: AuditAction = "",
    date_from: AuditFrom = "",
    date_to: AuditTo = "",
    page: Annotated[Line, Query(max_length=7)] = "1",
) -> HTMLResponse:
    values = {"actor": actor, "action": action, "from": date_from, "to": date_to}
    number = parse_int(page, 1, 1_000_000) or 1
    try:
        filters, error = _audit_filters(actor, action, date_from, date_to), None
    except hr.HrError as err:
        filters, error = audit.Filters(), message(err.code, request.state.lang)
    shown = audit.page(db, user.org_id, filters, number)
    if error is None:
        auth.audit(db, user.org_id, user.id, "audit.view", address=client_address(request))
    query = "" if error else urlencode({k: v for k, v in values.items() if v})
    context = {"user": user, "log": shown, "values": values, "error": error, "query": query}
    return render(request, "hr/audit.html", context, status_code=422 if error else 200)


AUDIT_COLUMNS = ("at", "actor", "action", "detail", "address")


@router.get("/hr/audit.csv")
def audit_csv(
    request: Request,
    db: DbDep,
    user: OwnerDep,
    actor: AuditActor = "",
    action: AuditAction = "",
    date_from: AuditFrom = "",
    date_to: AuditTo = "",
) -> Response:
    try:
        filters = _audit_filters(actor, action, date_from, date_to)
    except hr.HrError as err:
        text = message(err.code, request.state.lang)
        return render(request, "error.html", {"status": 422, "message": text}, status_code=422)
    auth.audit(db, user.org_id, user.id, "audit.export", address=client_address(request))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(AUDIT_COLUMNS)
    for event in audit.export(db, user.org_id, filters):
        row = (event.at.isoformat(), event.actor, event.action, event.detail, event.address)
        writer.writerow([spreadsheet_safe(value) for value in row])
    return Response(
        "\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"', "Cache-Control": "no-store"},
    )
