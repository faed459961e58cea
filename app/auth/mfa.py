"""The second factor: TOTP (RFC 6238, pyotp) with single-use recovery codes, enrolment by QR code (segno).

- A code is accepted for the current 30-second step and one step either side (clock drift), and never
  twice: the last accepted step is stored and only a later one passes (a replayed or shoulder-surfed code
  fails), with a conditional update so that two requests with one code cannot both pass.
- Ten recovery codes are made at enrolment and shown once; only their SHA-256 is stored; each works once.
- Wrong codes are throttled like passwords (:data:`MFA` policy per user: growing delays, never a lock).
- Enrolment stores nothing until the first code is right: the page carries the proposed secret in the form
  (the signed-in user's own secret, shown on the same page as text for typing into an app).
- The key is stored sealed with the data key (app/vault, Fernet): a copy of the database alone gives no codes.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import col, select

from app import vault
from app.auth import throttle
from app.db import Database
from app.models import AuditEvent, HrPasskey, HrRecoveryCode, HrUser, Organisation
from app.tokens import hash_token

RECOVERY_CODES = 10
ISSUER = "rolefit"
MFA = throttle.Policy("mfa", free=5, base=timedelta(seconds=5), cap=timedelta(minutes=15))


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str
    qr: str  # an SVG data URI


def plausible_secret(secret: str) -> bool:
    """A key as :func:`propose` makes them: 32 base32 characters."""
    return len(secret) == 32 and all(c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" for c in secret)


def propose(user: HrUser, org_name: str, secret: str | None = None) -> Enrolment:
    import pyotp
    import segno  # the QR code's library loads with the first enrolment, not when a worker starts

    secret = secret if secret and plausible_secret(secret) else pyotp.random_base32()
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=f"{ISSUER} ({org_name})"[:60])
    qr = str(segno.make(uri, error="m").svg_data_uri(scale=5, border=2, dark="#111827"))
    return Enrolment(secret, uri, qr)


def _clean(code: str) -> str:
    return "".join(c for c in code if not c.isspace()).lower()[:40]


def _step(secret: str, code: str, now: datetime, after: int | None) -> int | None:
    """The time step (drift of one either side) whose code is ``code``, if later than ``after``."""
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    import pyotp

    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if (after is None or step > after) and secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _new_codes() -> list[str]:
    return [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]


def enable(
    db: Database, user_id: str, secret: str, code: str, now: datetime, address: str | None = None
) -> list[str] | None:
    """Turn TOTP on with ``secret`` if ``code`` is right for it; the recovery codes (shown once), or None."""
    try:
        step = _step(secret, _clean(code), now, None)
    except Exception:  # not base32: a tampered form
        return None
    if step is None:
        return None
    codes = _new_codes()
    with db.write() as session:
        user = session.get(HrUser, user_id)
        if user is None:
            return None
        user.totp_key, user.totp_enabled_at, user.totp_last_step = vault.seal(secret), now, step
        session.add(user)
        session.execute(delete(HrRecoveryCode).where(col(HrRecoveryCode.user_id) == user_id))
        for one in codes:
            session.add(HrRecoveryCode(code_hash=hash_token(one), user_id=user_id))
        session.add(AuditEvent(org_id=user.org_id, user_id=user_id, action="user.mfa_enable", address=address))
    return codes


def verify(db: Database, user: HrUser, code: str, now: datetime) -> bool:
    """A TOTP code or an unused recovery code for ``user``: True once per code (throttled: see module).
    Raises ``AccountError("rate_limited")`` via the caller's check of :func:`wait`."""
    code = _clean(code)
    if user.totp_key is None:
        return False
    step = _step(vault.unseal(user.totp_key), code, now, user.totp_last_step)
    with db.write() as session:
        if step is not None:
            moved = session.execute(
                update(HrUser)
                .where(col(HrUser.id) == user.id)
                .where((col(HrUser.totp_last_step).is_(None)) | (col(HrUser.totp_last_step) < step))
                .values(totp_last_step=step)
            )
            return bool(getattr(moved, "rowcount", 0))
        if "-" not in code:
            return False
        used = session.execute(
            update(HrRecoveryCode)
            .where(col(HrRecoveryCode.code_hash) == hash_token(code), col(HrRecoveryCode.user_id) == user.id)
            .where(col(HrRecoveryCode.used_at).is_(None))
            .values(used_at=now)
        )
        if getattr(used, "rowcount", 0):
            session.add(AuditEvent(org_id=user.org_id, user_id=user.id, action="user.mfa_recovery_code"))
            return True
        return False


def recovery_left(db: Database, user_id: str) -> int:
    with db.read() as session:
        rows = session.exec(
            select(HrRecoveryCode.code_hash).where(
                HrRecoveryCode.user_id == user_id, col(HrRecoveryCode.used_at).is_(None)
            )
        )
        return len(list(rows))


def stage_for(db: Database, user: HrUser) -> str:
    """What a right password leads to: ``mfa`` (a code or a passkey is due), ``enrol`` (the organisation
    requires a second factor and this user has none yet) or ``full``. A passkey (app/auth/passkeys.py)
    counts as a second factor as much as TOTP does."""
    if user.totp_enabled_at is not None:
        return "mfa"
    with db.read() as session:
        passkeys = session.exec(select(HrPasskey.id).where(HrPasskey.user_id == user.id).limit(1)).first()
        if passkeys is not None:
            return "mfa"
        org = session.get(Organisation, user.org_id)
        return "enrol" if org is not None and org.require_mfa else "full"
