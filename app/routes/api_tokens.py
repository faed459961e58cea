"""HR: the organisation's API tokens (for ``/api/v1/hr/...``) and webhooks, with the webhook delivery log.

Owners only (rows in app/auth/permissions.py). A new token or signing secret is shown once, in the answer
to the form that made it; the database keeps the token's SHA-256 only (the secret as is: the sender signs
with it, see app/services/webhooks.py). Every change is audited.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app import auth
from app.inputs import Line, PublicId, parse_int
from app.messages import message
from app.models import HrUser
from app.routes.deferred import DeferredRoute
from app.routes.hr import OwnerDep, client_address
from app.services import api_tokens, webhooks
from app.templating import render
from app.web import CsrfDep, DbDep, NotFound

router = APIRouter(include_in_schema=False, route_class=DeferredRoute)


def _tokens_page(
    request: Request, db: Any, user: HrUser, *, made: api_tokens.Made | None = None, error: dict[str, str] | None = None
) -> HTMLResponse:
    context = {
        "user": user,
        "tokens": api_tokens.list_tokens(db, user.org_id),
        "made": made,
        "errors": error or {},
        "now": request.app.state.clock(),
        "max_days": api_tokens.MAX_DAYS,
        "default_days": api_tokens.DEFAULT_DAYS,
    }
    return render(request, "hr/api_tokens.html", context, status_code=422 if error else 200)


@router.get("/hr/api-tokens", response_class=HTMLResponse)
def tokens_page(request: Request, db: DbDep, user: OwnerDep) -> HTMLResponse:
    return _tokens_page(request, db, user)


@router.post("/hr/api-tokens", response_class=HTMLResponse, dependencies=[CsrfDep])
def create_token(
    request: Request,
    db: DbDep,
    user: OwnerDep,
    name: Annotated[Line, Form(max_length=200)] = "",
    scope: Annotated[Line, Form(max_length=16)] = "read",
    days: Annotated[Line, Form(max_length=7)] = "",
) -> HTMLResponse:
    number = parse_int(days, 1, api_tokens.MAX_DAYS) if days else api_tokens.DEFAULT_DAYS
    try:
        if number is None:
            raise api_tokens.TokenError("token_days", "days")
        made = api_tokens.create(db, user.org_id, user.id, name, scope, number, request.app.state.clock())
    except api_tokens.TokenError as err:
        return _tokens_page(request, db, user, error={err.field: message(err.code, request.state.lang)})
    return _tokens_page(request, db, user, made=made)


@router.post("/hr/api-tokens/{token_id}/revoke", dependencies=[CsrfDep])
def revoke_token(request: Request, token_id: PublicId, db: DbDep, user: OwnerDep) -> RedirectResponse:
    if not api_tokens.revoke(db, user.org_id, user.id, token_id, request.app.state.clock()):
        raise NotFound
    return RedirectResponse("/hr/api-tokens", status_code=303)


# --- webhooks ------------------------------------------------------------------------------------------


def _hooks_page(
    request: Request,
    db: Any,
    user: HrUser,
    *,
    made: webhooks.Subscribed | None = None,
    error: dict[str, str] | None = None,
    url: str = "",
) -> HTMLResponse:
    context = {
        "user": user,
        "hooks": webhooks.list_webhooks(db, user.org_id),
        "log": webhooks.deliveries(db, user.org_id),
        "events": webhooks.EVENTS,
        "log_days": request.app.state.settings.webhook_log_days,
        "made": made,
        "errors": error or {},
        "url": url,
    }
    return render(request, "hr/webhooks.html", context, status_code=422 if error else 200)


@router.get("/hr/webhooks", response_class=HTMLResponse)
def hooks_page(request: Request, db: DbDep, user: OwnerDep) -> HTMLResponse:
    auth.audit(db, user.org_id, user.id, "webhook.view", address=client_address(request))
    return _hooks_page(request, db, user)


@router.post("/hr/webhooks", response_class=HTMLResponse, dependencies=[CsrfDep])
def create_hook(
    request: Request,
    db: DbDep,
    user: OwnerDep,
    url: Annotated[Line, Form(max_length=500)] = "",
    events: Annotated[list[Line], Form(max_length=10)] = [],  # noqa: B006 (FastAPI copies the default)
) -> HTMLResponse:
    allow = request.app.state.settings.webhook_allow_private
    try:
        made = webhooks.subscribe(db, user.org_id, user.id, url, events, request.app.state.clock(), allow_private=allow)
    except webhooks.WebhookError as err:
        return _hooks_page(request, db, user, error={err.field: message(err.code, request.state.lang)}, url=url)
    return _hooks_page(request, db, user, made=made)


@router.post("/hr/webhooks/{webhook_id}/delete", dependencies=[CsrfDep])
def delete_hook(request: Request, webhook_id: PublicId, db: DbDep, user: OwnerDep) -> RedirectResponse:
    if not webhooks.remove(db, user.org_id, user.id, webhook_id):
        raise NotFound
    return RedirectResponse("/hr/webhooks", status_code=303)


@router.post("/hr/webhooks/deliveries/{delivery_id}/replay", dependencies=[CsrfDep])
def replay_delivery(request: Request, delivery_id: PublicId, db: DbDep, user: OwnerDep) -> RedirectResponse:
    if not webhooks.replay(db, user.org_id, user.id, delivery_id):
        raise NotFound
    return RedirectResponse("/hr/webhooks", status_code=303)
