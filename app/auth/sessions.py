"""Signed-in browsers (sessions that expire) and trusted browsers (device cookies). Only hashes are stored.

Retention: every sign-in deletes (bounded) the sessions past their absolute limit and the device
cookies unused for :data:`DEVICE_TTL`, so neither table grows with time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select

from app.db import Database
from app.models import AuditEvent, HrDevice, HrSession, HrUser
from app.tokens import hash_token, new_token

IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=12)
TOUCH_EVERY = timedelta(seconds=60)
DEVICE_TTL = timedelta(days=180)
PRUNE_BATCH = 500


def _plausible(token: str | None) -> bool:
    return bool(token) and len(token or "") <= 100


FULL, MFA, ENROL = "full", "mfa", "enrol"


def start_session(db: Database, user: HrUser, now: datetime, stage: str = FULL, address: str | None = None) -> str:
    """A new session token. ``stage`` ``mfa`` or ``enrol``: the password was right but the second factor is
    still due (see :mod:`app.auth.mfa`); such a session reaches only the second-factor pages."""
    token = new_token()
    with db.write() as session:
        row = HrSession(token_hash=hash_token(token), user_id=user.id, created_at=now, last_seen=now, stage=stage)
        session.add(row)
        action = "user.login" if stage == FULL else f"user.login_{stage}"
        session.add(AuditEvent(org_id=user.org_id, user_id=user.id, action=action, address=address))
        _prune(session, now)
    return token


def pending_user(db: Database, token: str | None, now: datetime) -> tuple[HrUser, str] | None:
    """The user and stage of a live session of any stage (the second-factor pages), or None."""
    if not _plausible(token):
        return None
    with db.read() as session:
        row = session.get(HrSession, hash_token(token or ""))
        if row is None or now - row.last_seen > IDLE or now - row.created_at > ABSOLUTE:
            return None
        user = session.get(HrUser, row.user_id)
        if user is None or user.deactivated_at is not None:
            return None
        return user, row.stage


def _prune(session: Any, now: datetime) -> None:
    stale = select(HrSession.token_hash).where(HrSession.created_at < now - ABSOLUTE).limit(PRUNE_BATCH)
    session.execute(delete(HrSession).where(col(HrSession.token_hash).in_(stale.scalar_subquery())))
    unused = select(HrDevice.token_hash).where(HrDevice.last_used < now - DEVICE_TTL).limit(PRUNE_BATCH)
    session.execute(delete(HrDevice).where(col(HrDevice.token_hash).in_(unused.scalar_subquery())))


def session_user(db: Database, token: str | None, now: datetime) -> HrUser | None:
    """The signed-in user, or None when the session is unknown, idle for 30 min or older than 12 h."""
    if not _plausible(token):
        return None
    assert token is not None
    digest = hash_token(token)
    with db.read() as session:
        row = session.get(HrSession, digest)
        if row is None:
            return None
        if now - row.last_seen > IDLE or now - row.created_at > ABSOLUTE:
            expired = True
        else:
            expired = False
            user = session.get(HrUser, row.user_id)
            if row.stage != FULL or user is None or user.deactivated_at is not None:
                return None
        touch = not expired and now - row.last_seen > TOUCH_EVERY
    if expired:
        end_session(db, token)
        return None
    if touch:
        with db.write() as session:
            fresh = session.get(HrSession, digest)
            if fresh is not None:
                fresh.last_seen = now
                session.add(fresh)
    return user


def end_session(db: Database, token: str) -> None:
    with db.write() as session:
        session.execute(delete(HrSession).where(col(HrSession.token_hash) == hash_token(token)))


def end_all_sessions(db: Database, user_id: str) -> int:
    with db.write() as session:
        result = session.execute(delete(HrSession).where(col(HrSession.user_id) == user_id))
        return int(getattr(result, "rowcount", 0) or 0)


# --- device cookies (OWASP Authentication Cheat Sheet, "device cookies") ----------------------------


def device_user_id(session: Any, token: str | None, now: datetime) -> str | None:
    """The user this browser signed in as before (a live device cookie), or None."""
    if not _plausible(token):
        return None
    row = session.get(HrDevice, hash_token(token or ""))
    if row is None or now - row.last_used > DEVICE_TTL:
        return None
    return str(row.user_id)


def remember_device(db: Database, user: HrUser, token: str | None, now: datetime) -> str:
    """After a successful sign-in: the device cookie to set (the same one, refreshed, if it is this user's)."""
    with db.write() as session:
        row = session.get(HrDevice, hash_token(token)) if token and _plausible(token) else None
        if row is not None and row.user_id == user.id and now - row.last_used <= DEVICE_TTL:
            row.last_used = now
            session.add(row)
            return str(token)
        fresh = new_token()
        session.add(HrDevice(token_hash=hash_token(fresh), user_id=user.id, created_at=now, last_used=now))
        return fresh
