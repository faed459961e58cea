"""Settings from the environment (prefix ``ROLEFIT_``) via pydantic-settings."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ROLEFIT_", env_file=".env", extra="ignore")

    database_url: str = f"sqlite:///{ROOT / 'var' / 'rolefit.sqlite3'}"
    bank_path: Path = ROOT / "questions"
    # overrides the short delivery label of every language (default: the bank's, PM in en/zh-Hans, CM in vi)
    delivery_label: Literal["PM", "CM"] | None = None
    base_url: str = "http://127.0.0.1:8000"  # for links printed by the CLI (set-password links)
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    forwarded_allow_ips: str = "127.0.0.1"  # proxies trusted for X-Forwarded-Proto/For ("*" behind a private proxy)
    # WAL + NORMAL: no fsync per commit; survives a crashed process, may lose the last commits on power
    # loss. FULL fsyncs every commit (measured cost in bench/RESULTS.md).
    sqlite_synchronous: Literal["NORMAL", "FULL"] = "NORMAL"
    reload_templates: bool = False  # development only: re-read templates on change
    max_body_bytes: int = 64 * 1024  # larger request bodies get 413
    cookie_max_age_days: int = 180  # how long a browser remembers its quiz (resume)
    # SQLite: every worker checkpoints and truncates the WAL this often (seconds; 0 = only after erasures)
    checkpoint_seconds: float = 300
    readyz_timeout_seconds: float = 2.0  # /readyz: how long the write probe may wait for the database
    readyz_min_free_mb: int = 64  # /readyz answers 503 "disk_full" below this much free space (SQLite)


@lru_cache
def get_settings() -> Settings:
    return Settings()
