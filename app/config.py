"""Settings from the environment (prefix ``ROLEFIT_``) via pydantic-settings."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ROLEFIT_", env_file=".env", extra="ignore")

    database_url: str = f"sqlite:///{ROOT / 'var' / 'rolefit.sqlite3'}"
    bank_path: Path = ROOT / "questions"
    # a calibrated parameter file for live scoring (default: the one <bank_path>/params/ACTIVE names, if any)
    scoring_params: Path | None = None
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
    # uvicorn's access log: off by default (one log line per request cost 19-26 % of the answers per
    # second, bench/RESULTS.md); a proxy in front usually logs requests already. Opt in with
    # ROLEFIT_ACCESS_LOG=true.
    access_log: bool = False
    # SQLite: refresh the planner's statistics (ANALYZE bounded by analysis_limit) this often
    # per worker; 0 turns it off. PostgreSQL's autovacuum does the same there (docs/deploy.md).
    optimize_every_s: int = 3600
    reload_templates: bool = False  # development only: re-read templates on change
    max_body_bytes: int = 64 * 1024  # larger request bodies get 413
    max_import_bytes: int = 8 * 1024 * 1024  # ... except a people file (HR import; kept on the server to confirm)
    cookie_max_age_days: int = 180  # how long a browser remembers its quiz (resume)
    # SQLite: every worker checkpoints and truncates the WAL this often (seconds; 0 = only after erasures)
    checkpoint_seconds: float = 300
    readyz_timeout_seconds: float = 2.0  # /readyz: how long the write probe may wait for the database
    readyz_min_free_mb: int = 64  # /readyz answers 503 "disk_full" below this much free space (SQLite)
    # Outgoing mail (app/mail, docs/deploy.md). No host: the app sends nothing and says so; HR copies links.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True  # upgrade the connection with STARTTLS (required when the server offers it)
    smtp_ssl: bool = False  # implicit TLS from the first byte (port 465) instead of STARTTLS
    smtp_from: str = "rolefit <no-reply@localhost>"
    smtp_timeout: float = 30.0
    # Background jobs (app/jobs): a claim's lease, the idle poll, the first retry's wait (x4 each time).
    job_lease_seconds: float = 300.0
    job_poll_seconds: float = 1.0
    job_retry_base_seconds: float = 30.0
    # Compared with others (result page): people in the same language and bank version needed before a
    # percentile is shown (docs/method.md says why 30); never fewer than 5.
    compare_min_n: int = Field(default=30, ge=5)
    # how often each worker looks for due reminders and HR digests (both are safe with several workers)
    reminder_scan_seconds: float = 60.0
    digest_scan_seconds: float = 600.0
    # Secrets at rest (app/vault): Fernet keys, comma-separated, the first encrypts (docs/sso.md: rotation).
    data_key: SecretStr | None = None
    # SSO (app/sso): how long a provider's discovery document and keys are kept (seconds)
    sso_discovery_ttl: float = 300.0
    # webhooks (app/services/webhooks.py): allow http:// and private, loopback or link-local targets (tests, a
    # receiver on the same network). Off: only https:// to public addresses.
    webhook_allow_private: bool = False
    webhook_timeout_seconds: float = 10.0
    # the delivery log (and replay) keeps this many days; older deliveries are deleted by the daily retention job
    webhook_log_days: int = Field(default=90, ge=1, le=3650)
    # how often each worker looks for cohorts closed by their date whose ``cohort.closed`` is not yet sent
    cohort_close_scan_seconds: float = 60.0


@lru_cache
def get_settings() -> Settings:
    return Settings()
