"""Passkeys (WebAuthn, py_webauthn) as a second factor for HR users, beside TOTP.

- The relying party is the configured base URL (``ROLEFIT_BASE_URL``): its host is the RP ID, its scheme,
  host and port the only origin accepted. A browser on another name for the same server cannot use them.
- Each ceremony starts with a challenge kept on the server (:class:`~app.models.HrWebauthnChallenge`), bound to
  the browser's session (deleted with it), one per purpose, valid for :data:`CHALLENGE_TTL`, and single use:
  it is deleted when an answer comes, right or wrong, with a conditional delete so that two answers to one
  challenge cannot both pass.
- User verification is preferred, not required (a security key without a PIN still counts as a second
  factor: the password was the first). Attestation is not asked for (``none``): any authenticator will do.
- The signature counter must grow when the authenticator keeps one (not zero): one that goes backwards or
  stands still means a cloned key, and the sign-in is refused. The update is conditional too.
- A passkey is removed by its owner only; the last second factor cannot be removed while the organisation
  requires one (:func:`remove`). Registration, removal and use are audited (``user.passkey_*``).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from app.db import Database
from app.models import AuditEvent, HrPasskey, HrUser, HrWebauthnChallenge, Organisation
from app.tokens import hash_token, new_public_id

if TYPE_CHECKING:  # py_webauthn (and cryptography under it) load with the first passkey request, not the worker
    from webauthn.helpers.structs import PublicKeyCredentialDescriptor

REGISTER, SIGN_IN = "register", "sign_in"
CHALLENGE_TTL = timedelta(minutes=5)
TIMEOUT_MS = 120_000  # how long the browser's own dialog waits (a hint)
MAX_PER_USER = 10
MAX_NAME = 60
MAX_CREDENTIAL = 16_000  # the JSON a browser sends (attestation "none": well under 2 KB in practice)
RP_NAME = "rolefit"
BROKEN_INPUT = (ValueError, TypeError, KeyError, IndexError, OverflowError)  # with py_webauthn's own errors


def _broken() -> tuple[type[Exception], ...]:
    """What a malformed or forged browser answer raises (py_webauthn imported on first use)."""
    from webauthn.helpers.exceptions import WebAuthnException

    return (WebAuthnException, *BROKEN_INPUT)


def bytes_to_base64url(data: bytes) -> str:
    """WebAuthn's base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def base64url_to_bytes(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PasskeyError(Exception):
    """A refused passkey step; ``code`` is a key of app/messages.py."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class RelyingParty:
    id: str  # the host name, e.g. "hr.example.com" (never a port)
    origin: str  # "https://hr.example.com" or "http://localhost:8000"


def relying_party(base_url: str) -> RelyingParty:
    parts = urlsplit(base_url)
    return RelyingParty(id=(parts.hostname or "localhost"), origin=f"{parts.scheme}://{parts.netloc}")


@dataclass(frozen=True)
class Passkey:
    id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    transports: tuple[str, ...]


def _shown(row: HrPasskey) -> Passkey:
    transports = tuple(t for t in row.transports.split(",") if t)
    return Passkey(row.id, row.name, row.created_at, row.last_used_at, transports)


def passkeys_of(db: Database, user_id: str) -> list[Passkey]:
    with db.read() as session:
        rows = session.exec(
            select(HrPasskey).where(HrPasskey.user_id == user_id).order_by(col(HrPasskey.created_at), col(HrPasskey.id))
        )
        return [_shown(row) for row in rows]


def count(session: Any, user_id: str) -> int:
    query = select(func.count()).select_from(HrPasskey).where(HrPasskey.user_id == user_id)
    return int(session.exec(query).one())


def users_with_passkeys(db: Database, org_id: str) -> set[str]:
    """The ids of the organisation's users with at least one passkey (the users page: "two-step sign-in
    on", and the owner's reset for a lost key)."""
    with db.read() as session:
        query = select(HrPasskey.user_id).join(HrUser, col(HrUser.id) == col(HrPasskey.user_id))
        return set(session.exec(query.where(HrUser.org_id == org_id).distinct()))


def has_passkey(db: Database, user_id: str) -> bool:
    with db.read() as session:
        return count(session, user_id) > 0


# --- challenges: server-side, bound to the session, single use, short-lived ------------------------------


def _issue(db: Database, session_token: str, purpose: str, challenge: bytes, now: datetime) -> None:
    digest = hash_token(session_token)
    try:
        _replace(db, digest, purpose, challenge, now)
    except IntegrityError as err:  # the session ended meanwhile (its row is the challenge's parent)
        raise PasskeyError("passkey_expired") from err


def _replace(db: Database, digest: str, purpose: str, challenge: bytes, now: datetime) -> None:
    with db.write() as session:
        session.execute(
            delete(HrWebauthnChallenge).where(
                col(HrWebauthnChallenge.session_hash) == digest, col(HrWebauthnChallenge.purpose) == purpose
            )
        )
        session.add(
            HrWebauthnChallenge(
                session_hash=digest,
                purpose=purpose,
                challenge=bytes_to_base64url(challenge),
                expires_at=now + CHALLENGE_TTL,
            )
        )


def _take(db: Database, session_token: str, purpose: str, now: datetime) -> bytes | None:
    """The session's challenge for ``purpose``, deleted as it is read (once only); None if none or expired."""
    digest = hash_token(session_token)
    with db.write() as session:
        row = session.get(HrWebauthnChallenge, (digest, purpose))
        if row is None:
            return None
        challenge, expires_at = row.challenge, row.expires_at
        taken = session.execute(
            delete(HrWebauthnChallenge).where(
                col(HrWebauthnChallenge.session_hash) == digest,
                col(HrWebauthnChallenge.purpose) == purpose,
                col(HrWebauthnChallenge.challenge) == challenge,
            )
        )
        if getattr(taken, "rowcount", 0) != 1 or now > expires_at:
            return None
    return base64url_to_bytes(challenge)


def _descriptors(rows: list[HrPasskey]) -> list[PublicKeyCredentialDescriptor]:
    from webauthn.helpers.structs import AuthenticatorTransport, PublicKeyCredentialDescriptor

    out = []
    for row in rows:
        transports = []
        for name in row.transports.split(","):
            try:
                transports.append(AuthenticatorTransport(name))
            except ValueError:
                continue
        out.append(PublicKeyCredentialDescriptor(id=base64url_to_bytes(row.credential_id), transports=transports))
    return out


def _rows(db: Database, user_id: str) -> list[HrPasskey]:
    with db.read() as session:
        return list(session.exec(select(HrPasskey).where(HrPasskey.user_id == user_id)))


# --- registration --------------------------------------------------------------------------------------


def registration_options(db: Database, user: HrUser, session_token: str, rp: RelyingParty, now: datetime) -> str:
    """The options for ``navigator.credentials.create()`` as JSON (binary fields in base64url)."""
    from webauthn import generate_registration_options, options_to_json
    from webauthn.helpers.structs import (
        AttestationConveyancePreference,
        AuthenticatorSelectionCriteria,
        ResidentKeyRequirement,
        UserVerificationRequirement,
    )

    existing = _rows(db, user.id)
    if len(existing) >= MAX_PER_USER:
        raise PasskeyError("passkey_too_many")
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=RP_NAME,
        user_name=user.email,
        user_id=user.id.encode(),  # a random id, not the e-mail address
        user_display_name=user.email,
        timeout=TIMEOUT_MS,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=_descriptors(existing),
    )
    _issue(db, session_token, REGISTER, options.challenge, now)
    return options_to_json(options)


def clean_name(name: str) -> str:
    return " ".join(name.split())[:MAX_NAME]


def register(
    db: Database,
    user: HrUser,
    session_token: str,
    rp: RelyingParty,
    credential: str,
    name: str,
    now: datetime,
    address: str | None = None,
) -> Passkey:
    """Check the browser's answer to :func:`registration_options` and keep the new passkey. Raises
    :class:`PasskeyError` (nothing stored) when the answer is not for this session's live challenge, this
    origin and RP ID, or is malformed."""
    from webauthn import verify_registration_response
    from webauthn.helpers import parse_registration_credential_json as parse_registration

    label = clean_name(name)
    if not label:
        raise PasskeyError("passkey_name")
    challenge = _take(db, session_token, REGISTER, now)
    if challenge is None:
        raise PasskeyError("passkey_expired")
    if len(credential) > MAX_CREDENTIAL:
        raise PasskeyError("passkey_failed")
    try:
        parsed = parse_registration(credential)
        verified = verify_registration_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            require_user_verification=False,
        )
    except _broken() as err:
        raise PasskeyError("passkey_failed") from err
    transports = ",".join(str(t.value) for t in (parsed.response.transports or []))[:200]
    row = HrPasskey(
        id=new_public_id(),
        user_id=user.id,
        credential_id=bytes_to_base64url(verified.credential_id),
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=transports,
        name=label,
        created_at=now,
    )
    try:
        with db.write() as session:
            if session.get(HrUser, user.id) is None:
                raise PasskeyError("passkey_failed")
            if count(session, user.id) >= MAX_PER_USER:
                raise PasskeyError("passkey_too_many")
            session.add(row)
            audit = AuditEvent(org_id=user.org_id, user_id=user.id, action="user.passkey_add", detail=label)
            audit.address = address
            session.add(audit)
    except IntegrityError as err:  # this credential is registered already (here or to another account)
        raise PasskeyError("passkey_known") from err
    return _shown(row)


# --- authentication (the second step of a sign-in) ------------------------------------------------------


def authentication_options(db: Database, user: HrUser, session_token: str, rp: RelyingParty, now: datetime) -> str:
    """The options for ``navigator.credentials.get()`` as JSON: this user's passkeys only."""
    from webauthn import generate_authentication_options, options_to_json
    from webauthn.helpers.structs import UserVerificationRequirement

    existing = _rows(db, user.id)
    if not existing:
        raise PasskeyError("passkey_none")
    options = generate_authentication_options(
        rp_id=rp.id,
        timeout=TIMEOUT_MS,
        allow_credentials=_descriptors(existing),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    _issue(db, session_token, SIGN_IN, options.challenge, now)
    return options_to_json(options)


def authenticate(
    db: Database,
    user: HrUser,
    session_token: str,
    rp: RelyingParty,
    credential: str,
    now: datetime,
    address: str | None = None,
) -> bool:
    """True when ``credential`` answers this session's live challenge with one of ``user``'s passkeys (its
    counter moving forward); the passkey's counter and last use are updated and the use audited."""
    from webauthn import verify_authentication_response
    from webauthn.helpers import parse_authentication_credential_json

    challenge = _take(db, session_token, SIGN_IN, now)
    if challenge is None or len(credential) > MAX_CREDENTIAL:
        return False
    try:
        parsed = parse_authentication_credential_json(credential)
        credential_id = bytes_to_base64url(parsed.raw_id)
    except _broken():
        return False
    with db.read() as session:
        row = session.exec(
            select(HrPasskey).where(HrPasskey.user_id == user.id, HrPasskey.credential_id == credential_id)
        ).first()
    if row is None:
        return False
    try:
        verified = verify_authentication_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            credential_public_key=row.public_key,
            credential_current_sign_count=row.sign_count,
            require_user_verification=False,
        )
    except _broken():
        return False
    new_count = verified.new_sign_count
    with db.write() as session:
        # the counter as read above, still: a second answer signed with the same count loses the race
        moved = session.execute(
            update(HrPasskey)
            .where(col(HrPasskey.id) == row.id, col(HrPasskey.sign_count) == row.sign_count)
            .values(sign_count=new_count, last_used_at=now)
        )
        if getattr(moved, "rowcount", 0) != 1:
            return False
        session.add(
            AuditEvent(org_id=user.org_id, user_id=user.id, action="user.passkey_use", detail=row.name, address=address)
        )
    return True


# --- removal ---------------------------------------------------------------------------------------------


def remove(db: Database, user: HrUser, passkey_id: str, address: str | None = None) -> None:
    """Remove one of ``user``'s own passkeys. ``not_found`` for anyone else's; ``last_factor`` when it is
    the user's only second factor and their organisation requires one."""
    with db.write() as session:
        # the user's row first (PostgreSQL: FOR UPDATE), so that two removals at once count one after the other
        fresh = session.exec(select(HrUser).where(HrUser.id == user.id).with_for_update()).first()
        row = session.get(HrPasskey, passkey_id)
        if fresh is None or row is None or row.user_id != user.id:
            raise PasskeyError("not_found")
        org = session.get(Organisation, fresh.org_id)
        required = org is not None and org.require_mfa
        if required and fresh.totp_enabled_at is None and count(session, user.id) <= 1:
            raise PasskeyError("passkey_last_factor")
        name = row.name
        session.delete(row)
        session.add(
            AuditEvent(org_id=user.org_id, user_id=user.id, action="user.passkey_remove", detail=name, address=address)
        )
