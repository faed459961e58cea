"""An organisation's HR users over time: change role, deactivate, reactivate, remove; every step audited.

The last active owner can never be demoted, deactivated or removed, even when two owners demote each
other at the same moment: every change takes the organisation's row lock first (``SELECT ... FOR UPDATE``
on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises writers), then counts the active owners.
Deactivating or removing someone ends their sessions in the same transaction. Nobody acts on their own
account here (ask another owner), so an owner cannot lock themselves out by a slip.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import col, select

from app.auth.accounts import ROLES, AccountError
from app.db import Database
from app.models import AuditEvent, HrPasskey, HrRecoveryCode, HrSession, HrUser, Organisation


def _lock_org(session: Any, org_id: str) -> None:
    session.exec(select(Organisation.id).where(Organisation.id == org_id).with_for_update()).first()


def _active_owners(session: Any, org_id: str) -> int:
    query = (
        select(func.count())
        .select_from(HrUser)
        .where(HrUser.org_id == org_id, HrUser.role == "owner", col(HrUser.deactivated_at).is_(None))
    )
    return int(session.exec(query).one())


def _target(session: Any, org_id: str, actor_id: str, user_id: str) -> HrUser:
    user: HrUser | None = session.get(HrUser, user_id)
    if user is None or user.org_id != org_id:
        raise AccountError("not_found")
    if user.id == actor_id:
        raise AccountError("not_yourself")
    return user


def _keeps_an_owner(session: Any, user: HrUser) -> None:
    """Raise ``last_owner`` when ``user`` is the organisation's only active owner."""
    if user.role == "owner" and user.deactivated_at is None and _active_owners(session, user.org_id) <= 1:
        raise AccountError("last_owner")


def _audit(session: Any, org_id: str, actor_id: str, action: str, detail: str, address: str | None) -> None:
    session.add(AuditEvent(org_id=org_id, user_id=actor_id, action=action, detail=detail[:500], address=address))


def change_role(
    db: Database, org_id: str, actor_id: str, user_id: str, role: str, address: str | None = None
) -> HrUser:
    if role not in ROLES:
        raise AccountError("bad_role", "role")
    with db.write() as session:
        _lock_org(session, org_id)
        user = _target(session, org_id, actor_id, user_id)
        if user.role == role:
            return user
        if role != "owner":
            _keeps_an_owner(session, user)
        before, user.role = user.role, role
        session.add(user)
        _audit(session, org_id, actor_id, "user.role", f"{user.email}: {before} -> {role}", address)
        return user


def deactivate(
    db: Database, org_id: str, actor_id: str, user_id: str, now: datetime, address: str | None = None
) -> int:
    """Deactivate ``user_id``; their sessions end at once. Returns how many sessions ended."""
    with db.write() as session:
        _lock_org(session, org_id)
        user = _target(session, org_id, actor_id, user_id)
        if user.deactivated_at is not None:
            return 0
        _keeps_an_owner(session, user)
        user.deactivated_at = now
        session.add(user)
        ended = session.execute(delete(HrSession).where(col(HrSession.user_id) == user.id))
        _audit(session, org_id, actor_id, "user.deactivate", user.email, address)
        return int(getattr(ended, "rowcount", 0) or 0)


def reactivate(db: Database, org_id: str, actor_id: str, user_id: str, address: str | None = None) -> None:
    with db.write() as session:
        user = _target(session, org_id, actor_id, user_id)
        if user.deactivated_at is None:
            return
        user.deactivated_at = None
        session.add(user)
        _audit(session, org_id, actor_id, "user.reactivate", user.email, address)


def remove(db: Database, org_id: str, actor_id: str, user_id: str, address: str | None = None) -> None:
    """Delete the account (its sessions, devices, tokens, recovery codes and passkeys go with it: ``ON DELETE
    CASCADE``); the audit log keeps what they did."""
    with db.write() as session:
        _lock_org(session, org_id)
        user = _target(session, org_id, actor_id, user_id)
        _keeps_an_owner(session, user)
        email = user.email
        session.delete(user)
        _audit(session, org_id, actor_id, "user.remove", email, address)


def reset_mfa(db: Database, org_id: str, actor_id: str, user_id: str, address: str | None = None) -> None:
    """An owner clears a user's second factor (a lost phone or security key): TOTP, recovery codes and
    passkeys. They enrol again at their next sign-in if the organisation requires it. Their sessions end."""
    with db.write() as session:
        user = _target(session, org_id, actor_id, user_id)
        user.totp_key = user.totp_enabled_at = user.totp_last_step = None
        session.add(user)
        session.execute(delete(HrRecoveryCode).where(col(HrRecoveryCode.user_id) == user.id))
        session.execute(delete(HrPasskey).where(col(HrPasskey.user_id) == user.id))
        session.execute(delete(HrSession).where(col(HrSession.user_id) == user.id))
        _audit(session, org_id, actor_id, "user.mfa_reset", user.email, address)
