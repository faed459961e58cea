"""Application factory. Nothing happens at import time: call :func:`create_app`."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any
from urllib.parse import quote

import anyio.to_thread
import fastapi.routing
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import search
from app.config import ROOT, Settings, get_settings
from app.db import Database
from app.inputs import InputError, InputGuard
from app.messages import message
from app.models import utcnow
from app.routes import (
    api,
    api_tokens,
    checkin_mail,
    health,
    hr,
    hr_api,
    identity,
    join,
    manager,
    ops,
    pages,
    passkeys,
    people,
    progress,
    quiz,
    reminders,
    results,
    retake,
    sso,
)
from app.routes.api import ApiError, error_response, with_error_schemas
from app.security import BodySizeLimit, BodyTooLarge, Receive, Scope, SecurityHeaders, Send
from app.services.params import active_params
from app.templating import render
from app.web import CsrfError, NotFound, kept_lang_header, request_lang
from scoring import load_bank

log = logging.getLogger("rolefit")


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(
    request: Request, status: int, code: str, field: str = "", headers: dict[str, str] | None = None, **params: Any
) -> Response:
    lang = getattr(request.state, "lang", "en")
    if _is_api(request):
        response: Response = error_response(lang, status, code, field, **params)
    else:
        context = {"status": status, "code": code, "message": message(code, lang, item=field, **params)}
        response = render(request, "error.html", context, status_code=status)
    response.headers.update(headers or {})
    return response


def _not_found_code(request: Request) -> str:
    """A share link that leads nowhere says so helpfully, the same for an expired, a revoked and a wrong one
    (a guesser learns nothing); everything else gets the plain "not found"."""
    return "share_gone" if request.url.path.startswith("/s/") else "not_found"


# pydantic's error types -> our message codes (a refused parameter or field, in the request's language)
VALIDATION_CODES = {
    "control_characters": "bad_characters",
    "string_too_long": "too_long_field",
    "string_pattern_mismatch": "invalid",
    "int_parsing": "bad_number",
    "int_type": "bad_number",
    "greater_than_equal": "bad_number",
    "less_than_equal": "bad_number",
    "literal_error": "bad_choice",
    "enum": "bad_choice",
}


def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    """A refused parameter: a path segment that names nothing is 404, anything else 422 with its field."""
    errors = exc.errors()
    first = errors[0] if errors else {}
    where = first.get("loc", ())
    if where and where[0] == "path":
        return _error(request, 404, "not_found")
    field = ".".join(str(p) for p in where[1:])
    code = VALIDATION_CODES.get(str(first.get("type", "")), "invalid")
    params = {"max": (first.get("ctx") or {}).get("max_length", "")} if code == "too_long_field" else {}
    return _error(request, 422, code, field, **params)


def _allowed(request: Request) -> str:
    """Every method some route takes at this path (the router's own 405 names only the first route's)."""
    # newer FastAPI keeps included routers as branches of the table: iter_route_contexts flattens it
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    routes = flatten(request.app.routes) if flatten is not None else request.app.routes
    methods: set[str] = set()
    for route in routes:
        pattern = getattr(route, "path_regex", None)
        if pattern is not None and pattern.match(request.url.path):
            methods |= set(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))


class Language:
    """Pure ASGI middleware: ``request.state.lang`` for every request (error pages included)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope)
            scope.setdefault("state", {})["lang"] = request_lang(request)
            kept = kept_lang_header(request) if scope["method"] in ("GET", "HEAD") else None
            if kept is not None and not scope["path"].startswith(("/api/", "/static/")):

                async def send_keeping_lang(message: Any) -> None:
                    if message["type"] == "http.response.start":
                        message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", kept)]}
                    await send(message)

                await self.app(scope, receive, send_keeping_lang)
                return
        await self.app(scope, receive, send)


async def _checkpoints(db: Database, every: float) -> None:
    """SQLite: truncate the WAL now and then, so it keeps no old copies of rows (see Database.checkpoint).

    Every worker runs this; checkpoints queue on the write lock and one of an empty WAL costs nothing.
    The first wait is spread at random so that workers started together do not all checkpoint at once.
    """
    await asyncio.sleep(every * random.uniform(0.5, 1.0))  # noqa: S311 (spreading, not a secret)
    while True:
        try:
            await anyio.to_thread.run_sync(db.checkpoint)
        except Exception:  # a busy or unreachable database: the next round tries again
            log.warning("scheduled WAL checkpoint failed", exc_info=True)
        await asyncio.sleep(every)


async def _optimize_every(db: Database, seconds: int) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await asyncio.to_thread(db.optimize)
        except Exception:  # a busy database: try again next time
            log.warning("PRAGMA optimize failed", exc_info=True)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Per worker, in its event loop: PostgreSQL's asyncio pool for the answer path; SQLite's WAL checkpoints;
    SQLite's statistics refreshed on a schedule (the first time after one period, so start-up stays fast)."""
    db: Database = app.state.db
    await db.open_async()
    settings = app.state.settings
    try:  # PostgreSQL without pg_trgm: the people search works without its index; say so once per worker
        await anyio.to_thread.run_sync(search.warn_if_unindexed, db)
    except Exception:  # a database not migrated yet, or not reachable: the requests will say so
        log.warning("could not check the people search's index", exc_info=True)
    tasks = []
    if db.dialect == "sqlite" and settings.checkpoint_seconds > 0:
        tasks.append(asyncio.create_task(_checkpoints(db, settings.checkpoint_seconds)))
    if settings.optimize_every_s > 0:
        tasks.append(asyncio.create_task(_optimize_every(db, settings.optimize_every_s)))
    yield
    for task in tasks:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
    await db.close_async()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        lifespan=lifespan,
        title="rolefit",
        version="0.1.0",
        summary="Account Manager or Project Manager? Answers in, orientation, readiness and a transition plan out.",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        # no OpenTelemetry here: FastAPI's native instrumentation would look for providers on every request
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.bank = load_bank(settings.bank_path)  # loaded once per process, read-only
    # the calibrated parameters live scoring uses (None: bank defaults), read once per process
    app.state.params = active_params(settings.bank_path, app.state.bank, settings.scoring_params)
    app.state.db = Database(settings.database_url, synchronous=settings.sqlite_synchronous)
    app.state.clock = utcnow  # tests move it to check expiry
    generate_openapi = app.openapi

    def openapi() -> dict[str, Any]:  # the error responses' schemas by reference: see api.error_response_doc
        app.openapi_schema = with_error_schemas(generate_openapi())  # kept: generated once per process
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    # the answer POST first, as a route of the app itself: it is the busiest route, routes are matched in
    # order, and an included router is matched twice (to pick it, then inside it)
    app.router.routes.append(quiz.answer_route)
    app.mount("/static", StaticFiles(directory=str(ROOT / "app" / "static")), name="static")
    for router in (quiz.router, health.router, pages.router, results.router, join.router, hr.router, api.router):
        app.include_router(router)
    app.include_router(people.router)
    app.include_router(identity.router)
    app.include_router(ops.router)
    app.include_router(reminders.router)
    app.include_router(sso.router)
    app.include_router(hr_api.router)
    app.include_router(api_tokens.router)
    app.include_router(retake.router)
    app.include_router(manager.router)
    app.include_router(progress.router)
    app.include_router(checkin_mail.router)
    app.include_router(passkeys.router)

    @app.exception_handler(BodyTooLarge)
    async def too_large(request: Request, _exc: BodyTooLarge) -> Response:
        return _error(request, 413, "too_large")

    @app.exception_handler(NotFound)
    async def not_found(request: Request, _exc: NotFound) -> Response:
        return _error(request, 404, _not_found_code(request))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 405:
            return _error(request, 405, "method", headers={"Allow": _allowed(request)})
        if exc.status_code == 404:
            return _error(request, 404, _not_found_code(request))
        return _error(request, exc.status_code, "invalid")

    @app.exception_handler(hr.LoginRequired)
    async def login_required(request: Request, _exc: hr.LoginRequired) -> Response:
        target = request.url.path if request.method == "GET" else "/hr"
        return RedirectResponse(f"/hr/login?next={quote(target)}", status_code=303)

    @app.exception_handler(hr.Forbidden)
    async def forbidden(request: Request, _exc: hr.Forbidden) -> Response:
        return _error(request, 403, "forbidden")

    @app.exception_handler(CsrfError)
    async def csrf_error(request: Request, _exc: CsrfError) -> Response:
        return _error(request, 403, "csrf")

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        return error_response(request.state.lang, exc.status, exc.code, exc.field, **exc.params)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        return _validation_error(request, exc)

    @app.exception_handler(InputError)
    async def input_error(request: Request, exc: InputError) -> Response:
        return _error(request, exc.status, exc.code, exc.field)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return _error(request, 500, "server")

    def reject_too_large(scope: Scope) -> Any:
        async def respond(scope: Scope, receive: Receive, send: Send) -> None:
            request = Request(scope, receive)
            lang = request_lang(request)
            if scope.get("path", "").startswith("/api/"):
                response: Response = error_response(lang, 413, "too_large")
            else:
                response = JSONResponse({"error": {"code": "too_large", "message": message("too_large", lang)}}, 413)
            await response(scope, receive, send)

        return respond

    def reject_input(scope: Scope, status: int, code: str) -> Any:
        async def respond(scope: Scope, receive: Receive, send: Send) -> None:
            response = _error(Request(scope, receive), status, code)
            await response(scope, receive, send)

        return respond

    uploads = {"/hr/people/import": settings.max_import_bytes}  # the confirmation posts a staged file's id
    # inside Language (the message's language) and the size limit; multipart only where a file is uploaded
    app.add_middleware(InputGuard, reject=reject_input, multipart=frozenset({"/hr/people/import"}))
    app.add_middleware(Language)
    app.add_middleware(BodySizeLimit, limit=settings.max_body_bytes, reject=reject_too_large, larger=uploads)
    app.add_middleware(SecurityHeaders)
    return app
