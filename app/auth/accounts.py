"""HR accounts: organisations, users, setting a password, signing in (with the throttle), the audit log.

One e-mail may hold accounts in several organisations (``hr_user`` is unique per organisation), so an
invitation answers the same whatever other organisations hold. Signing in with such an e-mail checks the
password against ONE account, so that the time taken says nothing about how many organisations the
e-mail belongs to (one argon2 check always; a dummy one when there is no account):

1. the organisation the sign-in form names (its optional "organisation" field, or the organisation
   switcher), matched by name or id; none matching: the dummy check;
2. else the account this browser signed in to before (its device cookie),
3. else the most recently signed-in account, then the newest.

Another organisation's account is then reached through the switcher (its own password, its own second
factor). A deactivated account answers like a wrong password.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select

from app.auth import passwords, throttle
from app.auth.sessions import device_user_id
from app.db import Database
from app.models import AuditEvent, HrSession, HrUser, Organisation, PasswordToken
from app.tokens import hash_token, new_public_id, new_token

ROLES = ("owner", "analyst")
PASSWORD_TOKEN_TTL = timedelta(days=7)
PRUNE_BATCH = 500
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class AccountError(ValueError):
    """``code`` is a message key (app/messages.py); ``retry_after`` is set (seconds) for ``rate_limited``."""

    def __init__(self, code: str, field: str = "", retry_after: int = 0) -> None:
        self.code, self.field, self.retry_after = code, field, retry_after
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


def audit(
    db: Database, org_id: str | None, user_id: str | None, action: str, detail: str = "", address: str | None = None
) -> None:
    with db.write() as session:
        session.add(
            AuditEvent(org_id=org_id, user_id=user_id, action=action, detail=detail[:500], address=(address or None))
        )


def _password_token(session: Any, user_id: str, now: datetime) -> str:
    """A new one-time set-password token; expired ones go (bounded), so the table never grows with time."""
    expired = select(PasswordToken.token_hash).where(PasswordToken.expires_at < now).limit(PRUNE_BATCH)
    session.execute(delete(PasswordToken).where(col(PasswordToken.token_hash).in_(expired.scalar_subquery())))
    token = new_token()
    session.add(PasswordToken(token_hash=hash_token(token), user_id=user_id, expires_at=now + PASSWORD_TOKEN_TTL))
    return token


def create_org(
    db: Database, name: str, owner_email: str, now: datetime, lang: str = "en"
) -> tuple[Organisation, Invited]:
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise AccountError("bad_name", "name")
    email = normalise_email(owner_email)
    with db.write() as session:
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
    """A new user of ``org_id``. ``email_taken`` only when this organisation already has that e-mail."""
    if role not in ROLES:
        raise AccountError("bad_role", "role")
    email = normalise_email(email)
    with db.write() as session:
        taken = session.exec(select(HrUser.id).where(HrUser.org_id == org_id, HrUser.email == email)).first()
        if taken is not None:
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
    """Set the password of the token's user (the only way a password is set). Raises ``bad_token``,
    ``password_length`` or ``weak_password`` (see :mod:`app.auth.passwords` for the rule)."""
    with db.read() as session:
        row = session.get(PasswordToken, hash_token(token)) if token and len(token) < 100 else None
        user = session.get(HrUser, row.user_id) if row is not None else None
        org = session.get(Organisation, user.org_id) if user is not None else None
        context = [user.email, org.name if org else ""] if user is not None else []
    try:
        passwords.check(password, context)
    except passwords.PasswordRejected as err:
        raise AccountError(err.code, "password") from err
    hashed = passwords.hash_password(password)
    with db.write() as session:
        row = session.get(PasswordToken, hash_token(token)) if token and len(token) < 100 else None
        if row is None or row.used_at is not None or row.expires_at <= now:
            raise AccountError("bad_token", "token")
        user = session.get(HrUser, row.user_id)
        if user is None:
            raise AccountError("bad_token", "token")
        user.password_hash = hashed
        row.used_at = now
        session.add(user)
        session.add(row)
        # a new password signs out every existing session
        session.execute(delete(HrSession).where(col(HrSession.user_id) == user.id))
        session.add(AuditEvent(org_id=user.org_id, user_id=user.id, action="user.password"))
        return user


def authenticate(
    db: Database,
    email: str,
    password: str,
    address: str,
    now: datetime,
    device: str | None = None,
    org: str = "",
) -> HrUser:
    """The user for these credentials, or :class:`AccountError` ``bad_login`` (never says which part was
    wrong) or ``rate_limited`` (with ``retry_after``).

    ``device`` is the browser's device cookie. From a browser that signed in to an account with this
    e-mail before, only that device's own failures slow it down; from any other browser, the failures
    of every other untrusted browser on this e-mail and of this address do. So strangers guessing a
    password delay each other, never the owner at their usual browser, and nobody is ever locked out:
    the delay ends. The attempt is counted before the (slow) password check and forgiven on success, so
    parallel guesses cannot all slip through one gap.
    """
    try:
        email = normalise_email(email)
    except AccountError:
        email = email.strip().lower()[:254]
    with db.read() as session:
        rows = session.exec(
            select(HrUser, Organisation.name)
            .join(Organisation, col(Organisation.id) == col(HrUser.org_id))
            .where(HrUser.email == email, col(HrUser.password_hash).is_not(None))
        )
        wanted = org.strip().casefold()[:200]
        accounts = [user for user, name in rows if not wanted or wanted in (user.org_id.casefold(), name.casefold())]
        trusted_id = device_user_id(session, device, now)
    checks: list[throttle.Check]
    if any(user.id == trusted_id for user in accounts):
        checks = [(throttle.DEVICE, hash_token(device or ""))]
    else:
        checks = [(throttle.ACCOUNT, email), (throttle.ADDRESS, address)]
    delay = throttle.begin(db, checks, now)
    if delay:
        raise AccountError("rate_limited", retry_after=delay)
    accounts.sort(key=lambda u: (u.id == trusted_id, u.last_login_at or _EPOCH, u.created_at), reverse=True)
    chosen = accounts[0] if accounts else None
    # one check whatever the number of accounts (a dummy one when there is none): the same time for all
    right = passwords.verify(chosen.password_hash if chosen else None, password)
    if chosen is None or not right or chosen.deactivated_at is not None:
        raise AccountError("bad_login")
    matched = chosen
    with db.write() as session:
        # this attempt is forgiven; the failures before it too, on the path that succeeded (never the
        # address's: one colleague signing in does not reset a guesser behind the same address)
        throttle.undo(session, checks, now)
        throttle.clear(session, checks[:1])
        fresh = session.get(HrUser, matched.id)
        if fresh is not None:
            fresh.last_login_at = now
            if fresh.password_hash and passwords.needs_rehash(fresh.password_hash, password):
                fresh.password_hash = passwords.hash_password(password)
            session.add(fresh)
    return matched


def organisations_of(db: Database, email: str) -> list[tuple[str, str]]:
    """(id, name) of every organisation where ``email`` has an active account, by name."""
    with db.read() as session:
        rows = session.exec(
            select(Organisation.id, Organisation.name)
            .join(HrUser, col(HrUser.org_id) == col(Organisation.id))
            .where(HrUser.email == email, col(HrUser.deactivated_at).is_(None))
            .order_by(col(Organisation.name))
        )
        return [(org_id, name) for org_id, name in rows]
