"""Passkeys (WebAuthn) as a second factor: add and remove them on the two-step sign-in page, use one for
the second step of a sign-in. The ceremonies themselves are in app/auth/passkeys.py.

Each ceremony is two requests. The page's script (app/static/js/passkeys.js) first asks for options
(``POST .../options``, JSON: the server keeps the challenge, bound to this browser's session), calls
``navigator.credentials.create()`` or ``get()``, puts the answer in the form's ``credential`` field and
submits the form: the answer is checked and the page rendered like any other form, in the user's
language, with CSRF token and 303 after success. Every route has its row in the permission matrix.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from app import auth
from app.auth.passkeys import MAX_CREDENTIAL, PasskeyError, relying_party
from app.i18n import fmt_wait
from app.inputs import Line, PublicId
from app.messages import message
from app.models import HrUser
from app.routes.deferred import DeferredRoute
from app.routes.hr import Forbidden, LoginRequired, client_address, hr_cookie_name
from app.routes.identity import _enrolling, _pending, _promote, _setup_context, mfa_page
from app.templating import render
from app.web import CsrfDep, DbDep, NotFound, safe_next

router = APIRouter(include_in_schema=False, route_class=DeferredRoute)

PAGE = "/hr/mfa/setup"
Credential = Annotated[Line, Form(max_length=MAX_CREDENTIAL)]


def _rp(request: Request) -> auth.passkeys.RelyingParty:
    return relying_party(request.app.state.settings.base_url)


def _token(request: Request) -> str:
    return request.cookies.get(hr_cookie_name(request)) or ""


def own_account(request: Request, db: DbDep) -> HrUser:
    """The signed-in user acting on their own account, or one the organisation sends to enrolment (``enrol``
    stage: a passkey is a way to enrol). Not a sign-in whose second step is still due."""
    user, stage = _pending(request, db)
    if stage == auth.MFA:
        raise LoginRequired
    route = request.scope.get("route")
    if stage == auth.FULL and not auth.allows(request.method, getattr(route, "path", ""), user.role):
        raise Forbidden
    request.state.hr_user = user
    return user


OwnAccountDep = Annotated[HrUser, Depends(own_account)]


def _json(body: str) -> Response:
    return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})


def _refused(request: Request, code: str) -> JSONResponse:
    text = message(code, request.state.lang)
    return JSONResponse({"error": text}, status_code=422, headers={"Cache-Control": "no-store"})


def _page(request: Request, db: Any, user: HrUser, error: str, name: str = "", status_code: int = 422) -> HTMLResponse:
    context = _setup_context(user, db) | _enrolling(request, db) | {"passkey_error": error, "passkey_name": name}
    return render(request, "hr/mfa_setup.html", context, status_code=status_code)


# --- adding and removing passkeys (the user's own account) ---------------------------------------------


@router.post("/hr/passkeys/options", dependencies=[CsrfDep])
def registration_options(request: Request, db: DbDep, user: OwnAccountDep) -> Response:
    now = request.app.state.clock()
    try:
        return _json(auth.passkeys.registration_options(db, user, _token(request), _rp(request), now))
    except PasskeyError as err:
        return _refused(request, err.code)


@router.post("/hr/passkeys", dependencies=[CsrfDep])
def add_passkey(
    request: Request,
    db: DbDep,
    user: OwnAccountDep,
    name: Annotated[Line, Form(max_length=200)] = "",
    credential: Credential = "",
) -> Response:
    now, address = request.app.state.clock(), client_address(request)
    try:
        auth.passkeys.register(db, user, _token(request), _rp(request), credential, name, now, address)
    except PasskeyError as err:
        return _page(request, db, user, message(err.code, request.state.lang), name[: auth.passkeys.MAX_NAME])
    _, stage = _pending(request, db)
    if stage == auth.ENROL:  # enrolled with a passkey: from now on a full session (a new token)
        return _promote(request, db, user, PAGE + "#passkeys")
    return RedirectResponse(PAGE + "#passkeys", status_code=303)


@router.post("/hr/passkeys/{passkey_id}/remove", dependencies=[CsrfDep])
def remove_passkey(request: Request, passkey_id: PublicId, db: DbDep, user: OwnAccountDep) -> Response:
    try:
        auth.passkeys.remove(db, user, passkey_id, client_address(request))
    except PasskeyError as err:
        if err.code == "not_found":  # another user's passkey, here or in another organisation: never a hint
            raise NotFound from err
        return _page(request, db, user, message(err.code, request.state.lang))
    return RedirectResponse(PAGE + "#passkeys", status_code=303)


# --- the second step of a sign-in -------------------------------------------------------------------------


def _awaiting(request: Request, db: Any) -> HrUser | None:
    """The user of a sign-in whose password was right and whose second step is due, or None."""
    found = auth.pending_user(db, _token(request), request.app.state.clock())
    if found is None or found[1] != auth.MFA:
        return None
    return found[0]


@router.post("/hr/mfa/passkey/options", dependencies=[CsrfDep])
def authentication_options(request: Request, db: DbDep) -> Response:
    user = _awaiting(request, db)
    if user is None:
        return RedirectResponse("/hr/login", status_code=303)
    now = request.app.state.clock()
    try:
        return _json(auth.passkeys.authentication_options(db, user, _token(request), _rp(request), now))
    except PasskeyError as err:
        return _refused(request, err.code)


@router.post("/hr/mfa/passkey", dependencies=[CsrfDep])
def passkey_check(
    request: Request,
    db: DbDep,
    credential: Credential = "",
    next: Annotated[Line, Form(max_length=500)] = "/hr",
) -> Response:
    user = _awaiting(request, db)
    if user is None:
        return RedirectResponse("/hr/login", status_code=303)
    now, address = request.app.state.clock(), client_address(request)
    lang, target = request.state.lang, safe_next(next, "/hr")
    checks = [(auth.mfa.MFA, user.id)]  # one throttle for codes and passkeys
    delay = auth.throttle.begin(db, checks, now)
    if delay:
        limited = mfa_page(request, db, user, message("rate_limited", lang, wait=fmt_wait(delay, lang)), target, 429)
        limited.headers["Retry-After"] = str(delay)
        return limited
    if not auth.passkeys.authenticate(db, user, _token(request), _rp(request), credential, now, address):
        auth.audit(db, user.org_id, user.id, "user.passkey_fail", address=address)
        return mfa_page(request, db, user, message("passkey_bad", lang), target, 401)
    auth.throttle.succeeded(db, checks, now)
    return _promote(request, db, user, target)
