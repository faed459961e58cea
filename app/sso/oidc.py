"""The OpenID Connect authorization code flow with PKCE (S256), as a relying party (Authlib's client).

1. :func:`begin`: the provider's discovery document (``/.well-known/openid-configuration``, kept for
   ``sso_discovery_ttl`` seconds), a random ``state``, ``nonce`` and PKCE verifier stored in ``sso_state``
   (single use, :data:`STATE_TTL`), bound to the browser by the hash of a random cookie set on it.
2. :func:`finish`: the state is taken (deleted) once, only by the browser that started it and before it
   expires; the code is exchanged (with the verifier and the client secret); the ID token is checked:
   signature by the provider's JWKS (a key not there is refused; the keys are fetched again once when a
   ``kid`` is unknown), ``iss`` = the configured issuer, ``aud`` holds the client id (``azp`` = client id
   when there are several), ``exp`` / ``iat`` with :data:`LEEWAY`, ``nonce`` = the stored one, a verified
   ``email`` in one of the organisation's domains.
3. The account: the organisation's user with that e-mail (deactivated: refused), else a new one with the
   default role when the organisation allows it, else refused.

MFA: an SSO sign-in satisfies the organisation's "require two-step sign-in" (the provider is where the
organisation enforces its factors); the token's ``amr`` is written to the audit event. Every sign-in and
every refusal is audited (``sso.login`` / ``sso.refused`` with the reason).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete
from sqlmodel import col, select

from app.auth import audit
from app.config import get_settings
from app.db import Database
from app.models import AuditEvent, HrUser, SsoState
from app.sso.config import Config, config_of
from app.tokens import hash_token, new_public_id

if TYPE_CHECKING:  # loaded on first use (an SSO sign-in), not when a worker starts: httpx, Authlib, joserfc
    from authlib.integrations.httpx_client import OAuth2Client
    from joserfc.jwk import KeySet

STATE_TTL = timedelta(minutes=10)
BROWSER_COOKIE_MAX_AGE = int(STATE_TTL.total_seconds())
LEEWAY = 60  # seconds of clock skew allowed on exp / iat
HTTP_TIMEOUT = 10.0
SCOPE = "openid email profile"
ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]
PRUNE_BATCH = 500

_discovery: dict[str, tuple[float, dict[str, Any]]] = {}
_jwks: dict[str, tuple[float, KeySet]] = {}


class SsoError(Exception):
    """A refused sign-in: ``code`` is a message key (app/messages.py), ``reason`` goes to the audit log."""

    def __init__(self, code: str, reason: str, org_id: str | None = None) -> None:
        self.code, self.reason, self.org_id = code, reason, org_id
        super().__init__(f"{code}: {reason}")


@dataclass(frozen=True)
class Started:
    url: str  # the provider's authorization endpoint, with the request
    browser: str  # the cookie value that binds the round trip to this browser


def forget_discovery() -> None:
    _discovery.clear()
    _jwks.clear()


def _get_json(url: str) -> dict[str, Any]:
    import httpx

    response = httpx.get(url, timeout=HTTP_TIMEOUT, follow_redirects=False)
    response.raise_for_status()
    data = response.json()
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data


def discovery(issuer: str) -> dict[str, Any]:
    now, ttl = time.monotonic(), get_settings().sso_discovery_ttl
    cached = _discovery.get(issuer)
    if cached is not None and now - cached[0] < ttl:
        return cached[1]
    import httpx

    try:
        doc = _get_json(issuer + "/.well-known/openid-configuration")
    except (httpx.HTTPError, ValueError) as err:
        raise SsoError("sso_unavailable", f"discovery: {type(err).__name__}") from err
    if str(doc.get("issuer", "")).rstrip("/") != issuer:
        raise SsoError("sso_unavailable", "discovery: issuer differs")
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(doc.get(key), str):
            raise SsoError("sso_unavailable", f"discovery: no {key}")
    _discovery[issuer] = (now, doc)
    return doc


def _keys(jwks_uri: str, refresh: bool = False) -> KeySet:
    now, ttl = time.monotonic(), get_settings().sso_discovery_ttl
    cached = _jwks.get(jwks_uri)
    if cached is not None and not refresh and now - cached[0] < ttl:
        return cached[1]
    import httpx
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    try:
        keys = KeySet.import_key_set(_get_json(jwks_uri))  # type: ignore[arg-type]
    except (httpx.HTTPError, ValueError, JoseError) as err:
        raise SsoError("sso_unavailable", f"jwks: {type(err).__name__}") from err
    _jwks[jwks_uri] = (now, keys)
    return keys


def _client(config: Config, redirect_uri: str, doc: dict[str, Any]) -> OAuth2Client:
    from authlib.integrations.httpx_client import OAuth2Client

    methods = doc.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    method = "client_secret_basic" if "client_secret_basic" in methods else "client_secret_post"
    return OAuth2Client(
        client_id=config.client_id,
        client_secret=config.client_secret,
        scope=SCOPE,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method=method,
        timeout=HTTP_TIMEOUT,
    )


def begin(db: Database, org_id: str, redirect_uri: str, next_path: str, now: datetime) -> Started:
    config = config_of(db, org_id)
    if config is None:
        raise SsoError("sso_unavailable", "not configured", org_id)
    doc = discovery(config.issuer)
    from authlib.common.security import generate_token

    state, nonce, verifier, browser = generate_token(43), generate_token(32), generate_token(64), generate_token(43)
    with _client(config, redirect_uri, doc) as client:
        url, _ = client.create_authorization_url(
            doc["authorization_endpoint"], state=state, nonce=nonce, code_verifier=verifier
        )
    with db.write() as session:
        stale = select(SsoState.state_hash).where(SsoState.expires_at < now).limit(PRUNE_BATCH)
        session.execute(delete(SsoState).where(col(SsoState.state_hash).in_(stale.scalar_subquery())))
        session.add(
            SsoState(
                state_hash=hash_token(state),
                browser_hash=hash_token(browser),
                org_id=org_id,
                nonce=nonce,
                code_verifier=verifier,
                next_path=next_path,
                expires_at=now + STATE_TTL,
            )
        )
    return Started(url, browser)


def _take_state(db: Database, state: str, browser: str | None, now: datetime) -> SsoState:
    if not state or len(state) > 200:
        raise SsoError("sso_state", "no state")
    with db.write() as session:
        row = session.get(SsoState, hash_token(state))
        if row is None:
            raise SsoError("sso_state", "unknown or used state")
        taken = session.execute(delete(SsoState).where(col(SsoState.state_hash) == row.state_hash))
        if not getattr(taken, "rowcount", 0):
            raise SsoError("sso_state", "state used concurrently")
        found = SsoState.model_validate(row.model_dump())
    if found.expires_at < now:
        raise SsoError("sso_state", "state expired", found.org_id)
    if not browser or hash_token(browser) != found.browser_hash:
        raise SsoError("sso_state", "state from another browser", found.org_id)
    return found


def _claims(config: Config, doc: dict[str, Any], id_token: str, nonce: str, now: datetime) -> dict[str, Any]:
    from joserfc import jwt
    from joserfc.errors import JoseError

    keys = _keys(doc["jwks_uri"])
    try:
        try:
            token = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
        except JoseError:
            token = jwt.decode(id_token, _keys(doc["jwks_uri"], refresh=True), algorithms=ALGORITHMS)
    except (JoseError, ValueError) as err:
        raise SsoError("sso_token", f"signature: {type(err).__name__}") from err
    claims = dict(token.claims)
    registry = jwt.JWTClaimsRegistry(
        now=int(now.timestamp()),
        leeway=LEEWAY,
        iss={"essential": True, "value": config.issuer},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except JoseError as err:
        raise SsoError("sso_token", f"claims: {type(err).__name__} {err}"[:200]) from err
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else list(audience or [])
    if config.client_id not in audiences or (len(audiences) > 1 and claims.get("azp") != config.client_id):
        raise SsoError("sso_token", "claims: audience")
    if int(claims.get("iat", 0)) > now.timestamp() + LEEWAY:
        raise SsoError("sso_token", "claims: issued in the future")
    return claims


def _email(config: Config, claims: dict[str, Any]) -> str:
    email = str(claims.get("email") or "").strip().lower()
    if claims.get("email_verified") not in (True, "true") or "@" not in email or len(email) > 254:
        raise SsoError("sso_email", "e-mail missing or not verified")
    if email.rpartition("@")[2] not in config.domains:
        raise SsoError("sso_email", f"domain not allowed: {email.rpartition('@')[2]}"[:200])
    return email


def _account(db: Database, config: Config, email: str, now: datetime) -> tuple[HrUser, bool]:
    with db.write() as session:
        user = session.exec(select(HrUser).where(HrUser.org_id == config.org_id, HrUser.email == email)).first()
        if user is not None:
            if user.deactivated_at is not None:
                raise SsoError("sso_deactivated", f"deactivated: {email}")
            user.last_login_at = now
            session.add(user)
            session.flush()
            return HrUser.model_validate(user.model_dump()), False
        if not config.create_users:
            raise SsoError("sso_no_account", f"no account: {email}")
        user = HrUser(id=new_public_id(), org_id=config.org_id, email=email, role=config.default_role)
        user.last_login_at = now
        session.add(user)
        session.flush()
        detail = f"{email} ({config.default_role}) on first SSO sign-in"
        session.add(AuditEvent(org_id=config.org_id, user_id=user.id, action="user.sso_create", detail=detail))
        return HrUser.model_validate(user.model_dump()), True


def finish(
    db: Database,
    *,
    state: str,
    code: str,
    error: str,
    browser: str | None,
    redirect_uri: str,
    now: datetime,
    address: str | None,
) -> tuple[HrUser, str]:
    """The signed-in user and the page to go to; or :class:`SsoError` (audited here, nothing else made)."""
    org_id: str | None = None
    try:
        found = _take_state(db, state, browser, now)
        org_id = found.org_id
        config = config_of(db, org_id)
        if config is None:
            raise SsoError("sso_unavailable", "not configured any more")
        if error:
            raise SsoError("sso_provider", f"provider error: {error}"[:200])
        if not code or len(code) > 2000:
            raise SsoError("sso_provider", "no code")
        doc = discovery(config.issuer)
        try:
            with _client(config, redirect_uri, doc) as client:
                token = client.fetch_token(doc["token_endpoint"], code=code, code_verifier=found.code_verifier)
        except Exception as err:  # the provider refused the code, or is down
            raise SsoError("sso_provider", f"token endpoint: {type(err).__name__}") from err
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise SsoError("sso_token", "no id_token")
        claims = _claims(config, doc, id_token, found.nonce, now)
        email = _email(config, claims)
        user, _ = _account(db, config, email, now)
    except SsoError as err:
        err.org_id = err.org_id or org_id
        audit(db, err.org_id, None, "sso.refused", f"{err.code}: {err.reason}", address)
        raise
    amr = claims.get("amr")
    detail = f"{email} amr={','.join(map(str, amr)) if isinstance(amr, list) else '-'}"
    audit(db, user.org_id, user.id, "sso.login", detail, address)
    return user, found.next_path
