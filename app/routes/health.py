"""Liveness (``GET /healthz``) and readiness (``GET /readyz``).

``/healthz`` says the process answers; it touches no database, so a database outage does not make an
orchestrator restart healthy workers. ``/readyz`` says this worker can take writes now: a write that is
rolled back, with a short timeout; 503 with a reason when the database is read-only, the disk is full,
the server is down or the write lock does not come in time.
"""

from __future__ import annotations

import anyio
import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.db import PROBE_REASONS
from app.routes.deferred import DeferredRoute
from scoring import SCORING_VERSION

router = APIRouter(route_class=DeferredRoute)
NO_STORE = {"Cache-Control": "no-store"}


def _versions(request: Request) -> dict[str, str]:
    return {"bank_version": request.app.state.bank.version, "scoring_version": SCORING_VERSION}


@router.get("/healthz", tags=["health"], summary="Liveness: the process answers (no database check)")
async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok", **_versions(request)}, headers=NO_STORE)


@router.get(
    "/readyz",
    tags=["health"],
    summary="Readiness: the database takes a write (rolled back) within the timeout",
    responses={503: {"description": "Not ready: `reason` is read_only, disk_full, timeout, schema or unavailable"}},
)
async def readyz(request: Request) -> JSONResponse:
    settings = request.app.state.settings
    timeout = settings.readyz_timeout_seconds
    min_free = settings.readyz_min_free_mb * 1024 * 1024
    reason: str | None = "timeout"
    with anyio.move_on_after(timeout + 1):  # a hung connect is abandoned (its thread ends on its own)
        reason = await anyio.to_thread.run_sync(
            request.app.state.db.write_probe, timeout, min_free, abandon_on_cancel=True
        )
    if reason is None:
        return JSONResponse({"status": "ready", "database": "ok", **_versions(request)}, headers=NO_STORE)
    body = {"status": "unavailable", "database": reason, "reason": PROBE_REASONS[reason], **_versions(request)}
    return JSONResponse(body, status_code=503, headers=NO_STORE)
