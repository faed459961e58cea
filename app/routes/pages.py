"""The start page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter()


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def index(request: Request) -> HTMLResponse:
    bank = request.app.state.bank
    context = {
        "bank": bank,
        "orientation_items": len(bank.orientation_items),
        "skills": len(bank.skills),
        "dimensions": bank.dimensions,
    }
    response: HTMLResponse = request.app.state.templates.TemplateResponse(request, "index.html", context)
    return response
