"""Application factory. Nothing happens at import time: call :func:`create_app`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.config import ROOT, Settings, get_settings
from app.db import Database
from app.messages import message
from app.models import utcnow
from app.routes import api, health, hr, join, pages, quiz, results
from app.routes.api import ApiError, error_response
from app.security import BodySizeLimit, BodyTooLarge, Receive, Scope, SecurityHeaders, Send
from app.templating import render
from app.web import CsrfError, NotFound, request_lang
from scoring import load_bank

log = logging.getLogger("rolefit")


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(request: Request, status: int, code: str, field: str = "", **params: Any) -> Response:
    lang = getattr(request.state, "lang", "en")
    if _is_api(request):
        return error_response(lang, status, code, field, **params)
    return render(
        request, "error.html", {"status": status, "message": message(code, lang, **params)}, status_code=status
    )


class Language:
    """Pure ASGI middleware: ``request.state.lang`` for every request (error pages included)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope.setdefault("state", {})["lang"] = request_lang(Request(scope))
        await self.app(scope, receive, send)


async def _optimize_every(db: Database, seconds: int) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await asyncio.to_thread(db.optimize)
        except Exception:  # a busy database: try again next time
            log.warning("PRAGMA optimize failed", exc_info=True)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Per worker, in its event loop: PostgreSQL's asyncio pool for the answer path; SQLite's statistics
    refreshed on a schedule (the first time after one period, so start-up stays fast)."""
    await app.state.db.open_async()
    every = app.state.settings.optimize_every_s
    task = asyncio.create_task(_optimize_every(app.state.db, every)) if every > 0 else None
    yield
    if task is not None:
        task.cancel()
    await app.state.db.close_async()


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
    )
    app.state.settings = settings
    app.state.bank = load_bank(settings.bank_path)  # loaded once per process, read-only
    app.state.db = Database(settings.database_url, synchronous=settings.sqlite_synchronous)
    app.state.clock = utcnow  # tests move it to check expiry
    app.mount("/static", StaticFiles(directory=str(ROOT / "app" / "static")), name="static")
    # the quiz first: its answer POST is the busiest route, and routes are matched in order
    for router in (quiz.router, health.router, pages.router, results.router, join.router, hr.router, api.router):
        app.include_router(router)

    @app.exception_handler(BodyTooLarge)
    async def too_large(request: Request, _exc: BodyTooLarge) -> Response:
        return _error(request, 413, "too_large")

    @app.exception_handler(NotFound)
    async def not_found(request: Request, _exc: NotFound) -> Response:
        return _error(request, 404, "not_found")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 405:
            return _error(request, 405, "method")
        if exc.status_code == 404:
            return _error(request, 404, "not_found")
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
        first = exc.errors()[0] if exc.errors() else {}
        field = ".".join(str(p) for p in first.get("loc", ())[1:])
        return _error(request, 422, "invalid", field)

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

    app.add_middleware(Language)
    app.add_middleware(BodySizeLimit, limit=settings.max_body_bytes, reject=reject_too_large)
    app.add_middleware(SecurityHeaders)
    return app
