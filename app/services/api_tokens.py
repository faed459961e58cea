"""Organisation API tokens for the HR API: create (shown once), list, revoke, and authenticate a Bearer token.

A token is ``rft_`` + 256 random bits; only its SHA-256 is stored (a hash of a high-entropy secret needs no
slow hash), with its first characters (``prefix``) so people can tell their tokens apart. Tokens expire
(at most :data:`MAX_DAYS` days: a leaked token that nobody revokes still dies within the year) and can be
revoked at once. ``last_used_at`` is written at most once a minute per token, so that reading stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select

from app.db import Database
from app.models import ApiToken, AuditEvent
from app.tokens import hash_token, new_public_id, new_token

PREFIX = "rft_"
SCOPES = ("read", "write")
MAX_DAYS = 365
DEFAULT_DAYS = 90
MAX_TOKENS = 50  # per organisation
TOUCH_EVERY = timedelta(minutes=1)


class TokenError(ValueError):
    def __init__(self, code: str, field: str) -> None:
        super().__init__(code)
        self.code, self.field = code, field


@dataclass(frozen=True)
class Made:
    token: str  # shown once
    row: ApiToken


@dataclass(frozen=True)
class Caller:
    """Who is calling the HR API: the token's organisation, name and scope."""

    token_id: str
    org_id: str
    name: str
    scope: str

    @property
    def actor(self) -> str:
        """The audit log's actor for this token (the log's actor column holds 32 characters)."""
        return ("api:" + self.name)[:32]


def create(db: Database, org_id: str, user_id: str, name: str, scope: str, days: int, now: datetime) -> Made:
    name = " ".join(name.split())
    if not 1 <= len(name) <= 60:
        raise TokenError("token_name", "name")
    if scope not in SCOPES:
        raise TokenError("invalid", "scope")
    if not 1 <= days <= MAX_DAYS:
        raise TokenError("token_days", "days")
    token = PREFIX + new_token()
    row = ApiToken(
        id=new_public_id(),
        org_id=org_id,
        name=name,
        prefix=token[: len(PREFIX) + 6],
        token_hash=hash_token(token),
        scope=scope,
        created_by=user_id,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    with db.write() as session:
        existing = session.exec(select(ApiToken.id).where(ApiToken.org_id == org_id).limit(MAX_TOKENS)).all()
        if len(existing) >= MAX_TOKENS:
            raise TokenError("too_many_tokens", "name")
        session.add(row)
        session.add(AuditEvent(org_id=org_id, user_id=user_id, action="api_token.create", detail=f"{name} ({scope})"))
        session.flush()
        session.expunge(row)
    return Made(token, row)


def list_tokens(db: Database, org_id: str) -> list[ApiToken]:
    with db.read() as session:
        rows = list(
            session.exec(
                select(ApiToken).where(ApiToken.org_id == org_id).order_by(col(ApiToken.created_at).desc()).limit(200)
            )
        )
        for row in rows:
            session.expunge(row)
    return rows


def revoke(db: Database, org_id: str, user_id: str, token_id: str, now: datetime) -> bool:
    with db.write() as session:
        row = session.get(ApiToken, token_id)
        if row is None or row.org_id != org_id:
            return False
        if row.revoked_at is None:
            row.revoked_at = now
            session.add(AuditEvent(org_id=org_id, user_id=user_id, action="api_token.revoke", detail=row.name))
    return True


def authenticate(db: Database, token: str | None, now: datetime) -> Caller | None:
    """The caller behind a Bearer token; None for no token, an unknown, expired or revoked one."""
    if not token or not token.startswith(PREFIX) or len(token) > 100:
        return None
    digest = hash_token(token)
    with db.read() as session:
        row = session.exec(select(ApiToken).where(ApiToken.token_hash == digest)).first()
        if row is None or row.revoked_at is not None or _aware(row.expires_at) <= now:
            return None
        caller = Caller(row.id, row.org_id, row.name, row.scope)
        stale = row.last_used_at is None or _aware(row.last_used_at) <= now - TOUCH_EVERY
    if stale:
        with db.write() as session:
            session.execute(update(ApiToken).where(col(ApiToken.id) == caller.token_id).values(last_used_at=now))
    return caller


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
