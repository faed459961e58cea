"""Liveness and readiness: ``GET /healthz``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from scoring import SCORING_VERSION

router = APIRouter()


@router.get("/healthz", tags=["health"])
def healthz(request: Request) -> JSONResponse:
    ok = request.app.state.db.ok()
    body = {
        "status": "ok" if ok else "degraded",
        "bank_version": request.app.state.bank.version,
        "scoring_version": SCORING_VERSION,
        "database": "ok" if ok else "unavailable",
    }
    return JSONResponse(body, status_code=200 if ok else 503, headers={"Cache-Control": "no-store"})
