"""HR accounts: organisations, users, argon2id passwords, sessions that expire, login rate limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func
from sqlmodel import col, select

from app.db import Database
from app.models import AuditEvent, HrSession, HrUser, LoginAttempt, Organisation, PasswordToken
from app.tokens import hash_token, new_public_id, new_token

ROLES = ("owner", "analyst")
IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=12)
PASSWORD_TOKEN_TTL = timedelta(days=7)
RATE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
MIN_PASSWORD = 12
TOUCH_EVERY = timedelta(seconds=60)

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_DUMMY = _hasher.hash("not a real password, only here to spend the same time")


class AccountError(ValueError):
    def __init__(self, code: str, field: str = "") -> None:
        self.code, self.field = code, field
        super().__init__(code)


@dataclass(frozen=True)
class Invited:
    user: HrUser
    token: str  # one-time set-password token, shown once


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or len(email) > 254 or any(c.isspace() for c in email):
        raise AccountError("bad_email", "email")
    return email


def audit(db: Database, org_id: str | None, user_id: str | None, action: str, detail: str = "") -> None:
    with db.write() as session:
        session.add(AuditEvent(org_id=org_id, user_id=user_id, action=action, detail=detail[:500]))


def _password_token(session: object, user_id: str, now: datetime) -> str:
    token = new_token()
    session.add(PasswordToken(token_hash=hash_token(token), user_id=user_id, expires_at=now + PASSWORD_TOKEN_TTL))  # type: ignore[attr-defined]
    return token


def create_org(
    db: Database, name: str, owner_email: str, now: datetime, lang: str = "en"
) -> tuple[Organisation, Invited]:
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise AccountError("bad_name", "name")
    email = normalise_email(owner_email)
    with db.write() as session:
        if session.exec(select(HrUser).where(HrUser.email == email)).first() is not None:
            raise AccountError("email_taken", "email")
        org = Organisation(id=new_public_id(), name=name)
        user = HrUser(id=new_public_id(), org_id=org.id, email=email, role="owner", lang=lang)
        session.add(org)
        session.flush()
        session.add(user)
        session.flush()
        token = _password_token(session, user.id, now)
        session.add(AuditEvent(org_id=org.id, user_id=user.id, action="org.create", detail=name))
    return org, Invited(user, token)


def invite(db: Database, org_id: str, email: str, role: str, now: datetime, by: str) -> Invited:
    if role not in ROLES:
        raise AccountError("bad_role", "role")
    email = normalise_email(email)
    with db.write() as session:
        if session.exec(select(HrUser).where(HrUser.email == email)).first() is not None:
            raise AccountError("email_taken", "email")
        user = HrUser(id=new_public_id(), org_id=org_id, email=email, role=role)
        session.add(user)
        session.flush()
        token = _password_token(session, user.id, now)
        session.add(AuditEvent(org_id=org_id, user_id=by, action="user.invite", detail=f"{email} ({role})"))
    return Invited(user, token)


def users_of(db: Database, org_id: str) -> list[HrUser]:
    with db.read() as session:
        return list(session.exec(select(HrUser).where(HrUser.org_id == org_id).order_by(col(HrUser.email))))


def password_token_user(db: Database, token: str, now: datetime) -> HrUser | None:
    with db.read() as session:
        row = session.get(PasswordToken, hash_token(token)) if token and len(token) < 100 else None
        if row is None or row.used_at is not None or row.expires_at <= now:
            return None
        return session.get(HrUser, row.user_id)


def set_password(db: Database, token: str, password: str, now: datetime) -> HrUser:
    if len(password) < MIN_PASSWORD or len(password) > 1000:
        raise AccountError("weak_password", "password")
    with db.write() as session:
        row = session.get(PasswordToken, hash_token(token)) if token and len(token) < 100 else None
        if row is None or row.used_at is not None or row.expires_at <= now:
            raise AccountError("bad_token", "token")
        user = session.get(HrUser, row.user_id)
        if user is None:
            raise AccountError("bad_token", "token")
        user.password_hash = _hasher.hash(password)
        row.used_at = now
        session.add(user)
        session.add(row)
        # a new password signs out every existing session
        session.execute(delete(HrSession).where(col(HrSession.user_id) == user.id))
        session.add(AuditEvent(org_id=user.org_id, user_id=user.id, action="user.password"))
        return user


def _failures(session: object, key: str, now: datetime) -> int:
    query = (
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.key == key, LoginAttempt.at > now - RATE_WINDOW)
    )
    return int(session.exec(query).one())  # type: ignore[attr-defined]


def authenticate(db: Database, email: str, password: str, address: str, now: datetime) -> HrUser:
    """The user for these credentials. Raises ``rate_limited`` or ``bad_login`` (never says which part was wrong)."""
    try:
        email = normalise_email(email)
    except AccountError:
        email = email.strip().lower()[:254]
    acct, addr = f"acct:{email}", f"addr:{address}"
    with db.read() as session:
        if (
            _failures(session, acct, now) >= MAX_FAILURES_PER_ACCOUNT
            or _failures(session, addr, now) >= MAX_FAILURES_PER_ADDRESS
        ):
            raise AccountError("rate_limited")
        user = session.exec(select(HrUser).where(HrUser.email == email)).first()
    ok = False
    try:
        ok = _hasher.verify(user.password_hash if user and user.password_hash else _DUMMY, password)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None or not user.password_hash:
        with db.write() as session:
            session.add(LoginAttempt(key=acct, at=now))
            session.add(LoginAttempt(key=addr, at=now))
        raise AccountError("bad_login")
    with db.write() as session:
        session.execute(delete(LoginAttempt).where(col(LoginAttempt.key) == acct))
        if _hasher.check_needs_rehash(user.password_hash):
            fresh = session.get(HrUser, user.id)
            if fresh is not None:
                fresh.password_hash = _hasher.hash(password)
                session.add(fresh)
    return user


def start_session(db: Database, user: HrUser, now: datetime) -> str:
    token = new_token()
    with db.write() as session:
        session.add(HrSession(token_hash=hash_token(token), user_id=user.id, created_at=now, last_seen=now))
        session.add(AuditEvent(org_id=user.org_id, user_id=user.id, action="user.login"))
    return token


def session_user(db: Database, token: str | None, now: datetime) -> HrUser | None:
    """The signed-in user, or None when the session is unknown, idle for 30 min or older than 12 h."""
    if not token or len(token) > 100:
        return None
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
