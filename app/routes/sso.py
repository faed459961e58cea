"""Single sign-on with OpenID Connect (app/sso): starting and finishing a sign-in at the organisation's
provider, and the owners' settings page. The callback is public but only takes a state that this browser
started (see app/sso/oidc.py); every refusal shows the reason in the user's language, makes no session and
is audited."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app import auth, sso
from app.inputs import Line
from app.messages import message
from app.models import HrUser
from app.routes.deferred import DeferredRoute
from app.routes.hr import OwnerDep, client_address, link, set_session_cookie
from app.security import is_https
from app.templating import render
from app.web import CsrfDep, DbDep, safe_next

router = APIRouter(include_in_schema=False, route_class=DeferredRoute)
CALLBACK = "/hr/sso/callback"


def browser_cookie_name(request: Request) -> str:
    return "__Host-rolefit_sso" if is_https(request) else "rolefit_sso"


def _login_page(request: Request, error_code: str, status: int, sso_value: str = "", nxt: str = "/hr") -> HTMLResponse:
    context = {
        "error": message(error_code, request.state.lang),
        "email": "",
        "org": "",
        "next": nxt,
        "sso_value": sso_value,
    }
    return render(request, "hr/login.html", context, status_code=status)


@router.post("/hr/sso", dependencies=[CsrfDep])
def start(
    request: Request,
    db: DbDep,
    sso_value: Annotated[Line, Form(alias="sso", max_length=254)] = "",
    next: Annotated[Line, Form(max_length=500)] = "/hr",
) -> Response:
    """By an e-mail address (its domain) or an organisation's name. Users are never looked up here: an
    address with an account and one without get the same answer until the provider's round trip."""
    target = safe_next(next, "/hr")
    org_id = sso.org_for(db, sso_value)
    if org_id is None:
        return _login_page(request, "sso_unavailable", 422, sso_value, target)
    try:
        started = sso.begin(db, org_id, link(request, CALLBACK), target, request.app.state.clock())
    except sso.SsoError as err:
        auth.audit(db, org_id, None, "sso.refused", f"{err.code}: {err.reason}", client_address(request))
        return _login_page(request, "sso_unavailable", 422, sso_value, target)
    # a page that moves on by itself (meta refresh) and a link: a form's redirect to another site would be
    # blocked by the CSP's form-action 'self'
    response = render(request, "hr/sso_continue.html", {"url": started.url})
    response.headers["Cache-Control"] = "no-store"
    response.set_cookie(
        browser_cookie_name(request),
        started.browser,
        max_age=sso.BROWSER_COOKIE_MAX_AGE,
        httponly=True,
        samesite="lax",  # the provider sends the browser back with a top-level GET
        secure=is_https(request),
        path="/",
    )
    return response


@router.get(CALLBACK)
def callback(request: Request, db: DbDep) -> Response:
    params = request.query_params
    now = request.app.state.clock()
    try:
        user, target = sso.finish(
            db,
            state=params.get("state", "")[:200],
            code=params.get("code", "")[:2000],
            error=params.get("error", "")[:100],
            browser=request.cookies.get(browser_cookie_name(request)),
            redirect_uri=link(request, CALLBACK),
            now=now,
            address=client_address(request),
        )
    except sso.SsoError as err:
        status = 422 if err.code in ("sso_state", "sso_provider", "sso_unavailable") else 403
        response: Response = _login_page(request, err.code, status)
    else:
        # an SSO sign-in satisfies the organisation's MFA requirement (app/sso/oidc.py): a full session
        token = auth.start_session(db, user, now, address=client_address(request))
        response = RedirectResponse(safe_next(target, "/hr"), status_code=303)
        set_session_cookie(request, response, token)
    response.delete_cookie(browser_cookie_name(request), path="/", secure=is_https(request), httponly=True)
    return response


# --- the owners' settings ------------------------------------------------------------------------------


def _form_values(config: sso.Config | None) -> dict[str, Any]:
    if config is None:
        return {
            "issuer": "",
            "client_id": "",
            "domains": "",
            "default_role": "analyst",
            "create_users": False,
            "required": False,
            "has_secret": False,
        }
    return {
        "issuer": config.issuer,
        "client_id": config.client_id,
        "domains": " ".join(config.domains),
        "default_role": config.default_role,
        "create_users": config.create_users,
        "required": config.required,
        "has_secret": bool(config.client_secret),
    }


def _page(
    request: Request, user: HrUser, values: dict[str, Any], errors: dict[str, str], saved: bool, status: int = 200
) -> HTMLResponse:
    context = {
        "user": user,
        "values": values,
        "errors": errors,
        "saved": saved,
        "redirect_uri": link(request, CALLBACK),
        "roles": auth.ROLES,
    }
    return render(request, "hr/settings_sso.html", context, status_code=status)


@router.get("/hr/settings/sso", response_class=HTMLResponse)
def settings_form(request: Request, db: DbDep, user: OwnerDep) -> HTMLResponse:
    return _page(request, user, _form_values(sso.config_of(db, user.org_id)), {}, False)


@router.post("/hr/settings/sso", dependencies=[CsrfDep])
def save_settings(
    request: Request,
    db: DbDep,
    user: OwnerDep,
    issuer: Annotated[Line, Form(max_length=500)] = "",
    client_id: Annotated[Line, Form(max_length=500)] = "",
    client_secret: Annotated[Line, Form(max_length=1000)] = "",
    domains: Annotated[Line, Form(max_length=2000)] = "",
    default_role: Annotated[Line, Form(max_length=16)] = "analyst",
    create_users: Annotated[Line, Form(max_length=3)] = "",
    required: Annotated[Line, Form(max_length=3)] = "",
) -> HTMLResponse:
    lang = request.state.lang
    current = sso.config_of(db, user.org_id)
    values = {
        "issuer": issuer,
        "client_id": client_id,
        "domains": domains,
        "default_role": default_role,
        "create_users": create_users == "yes",
        "required": required == "yes",
        "has_secret": bool(current and current.client_secret),
    }
    if create_users not in ("", "yes") or required not in ("", "yes"):
        return _page(request, user, values, {"required": message("invalid", lang)}, False, 422)
    try:
        saved = sso.save_config(
            db,
            user.org_id,
            user.id,
            issuer=issuer,
            client_id=client_id,
            client_secret=client_secret,
            domains=domains,
            default_role=default_role,
            create_users=create_users == "yes",
            required=required == "yes",
            now=request.app.state.clock(),
            address=client_address(request),
        )
    except sso.ConfigError as err:
        code = "sso_role" if err.field == "default_role" else err.code
        return _page(request, user, values, {err.field: message(code, lang)}, False, 422)
    return _page(request, user, _form_values(saved), {}, True)
