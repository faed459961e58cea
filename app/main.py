"""Application factory. Nothing happens at import time: call :func:`create_app`."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from app.config import ROOT, Settings, get_settings
from app.db import make_engine
from app.routes import health, pages
from scoring import load_bank


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(title="rolefit", version="0.1.0", docs_url="/api/docs", openapi_url="/api/v1/openapi.json")
    app.state.settings = settings
    app.state.bank = load_bank(settings.bank_path)  # loaded once per process, read-only
    app.state.engine = make_engine(settings.database_url)
    app.state.templates = Jinja2Templates(directory=str(ROOT / "templates"))
    app.mount("/static", StaticFiles(directory=str(ROOT / "app" / "static")), name="static")
    app.include_router(health.router)
    app.include_router(pages.router)
    return app
