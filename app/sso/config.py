"""An organisation's SSO settings: stored in ``org_sso`` (the client secret sealed, app/vault), edited by
its owners, and the two questions the sign-in pages ask of them (which organisation an address signs in
to; whether this user may still use a password)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlmodel import col, select

from app import vault
from app.auth import ROLES
from app.db import Database
from app.models import AuditEvent, HrUser, Organisation, OrgSso

LOOPBACK = ("127.0.0.1", "localhost", "::1")
MAX_DOMAINS = 20


class ConfigError(ValueError):
    """``code`` is a message key (app/messages.py), ``field`` the form field it is about."""

    def __init__(self, code: str, field: str) -> None:
        self.code, self.field = code, field
        super().__init__(code)


@dataclass(frozen=True)
class Config:
    org_id: str
    issuer: str
    client_id: str
    client_secret: str  # opened (never shown back: the form says whether one is set)
    domains: tuple[str, ...]
    default_role: str
    create_users: bool
    required: bool


def _config(row: OrgSso) -> Config:
    return Config(
        row.org_id,
        row.issuer,
        row.client_id,
        vault.unseal(row.client_secret) if row.client_secret else "",
        tuple(row.domains.split()),
        row.default_role,
        row.create_users,
        row.required,
    )


def config_of(db: Database, org_id: str) -> Config | None:
    with db.read() as session:
        row = session.get(OrgSso, org_id)
        return _config(row) if row is not None else None


def _issuer(raw: str) -> str:
    issuer = raw.strip().rstrip("/")
    parts = urlsplit(issuer)
    secure = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK)
    if not secure or not parts.hostname or parts.query or parts.fragment or len(issuer) > 500:
        raise ConfigError("sso_issuer", "issuer")
    return issuer


def parse_domains(raw: str) -> tuple[str, ...]:
    domains: list[str] = []
    for part in raw.replace(",", " ").split():
        domain = part.strip().lower().lstrip("@")
        labels = domain.split(".")
        if (
            len(labels) < 2
            or len(domain) > 253
            or not all(label and len(label) <= 63 and all(c.isalnum() or c == "-" for c in label) for label in labels)
        ):
            raise ConfigError("sso_domains", "domains")
        if domain not in domains:
            domains.append(domain)
    if not domains or len(domains) > MAX_DOMAINS:
        raise ConfigError("sso_domains", "domains")
    return tuple(domains)


def save_config(
    db: Database,
    org_id: str,
    by: str,
    *,
    issuer: str,
    client_id: str,
    client_secret: str,
    domains: str,
    default_role: str,
    create_users: bool,
    required: bool,
    now: datetime,
    address: str | None = None,
) -> Config:
    """Create or change the organisation's SSO; an empty ``client_secret`` keeps the stored one. Raises
    :class:`ConfigError` (nothing changed). A domain another organisation already signs in with is refused
    (an address must lead to one organisation)."""
    clean_issuer = _issuer(issuer)
    client_id = client_id.strip()
    if not 1 <= len(client_id) <= 500:
        raise ConfigError("sso_client_id", "client_id")
    if default_role not in ROLES:
        raise ConfigError("bad_role", "default_role")
    wanted = parse_domains(domains)
    with db.write() as session:
        others = session.exec(select(OrgSso.domains).where(col(OrgSso.org_id) != org_id))
        taken = {domain for row in others for domain in row.split()}
        if taken & set(wanted):
            raise ConfigError("sso_domain_taken", "domains")
        row = session.get(OrgSso, org_id)
        if row is None:
            if not client_secret.strip():
                raise ConfigError("sso_client_secret", "client_secret")
            row = OrgSso(org_id=org_id, issuer=clean_issuer, client_id=client_id)
        row.issuer, row.client_id, row.domains = clean_issuer, client_id, " ".join(wanted)
        if client_secret.strip():
            row.client_secret = vault.seal(client_secret.strip())
        row.default_role, row.create_users, row.required, row.updated_at = default_role, create_users, required, now
        session.add(row)
        detail = f"{clean_issuer} domains={' '.join(wanted)} required={required} create={create_users}"
        session.add(AuditEvent(org_id=org_id, user_id=by, action="sso.configure", detail=detail[:500], address=address))
        session.flush()
        return _config(row)


def org_for(db: Database, email_or_org: str) -> str | None:
    """The organisation an address (by its domain) or an organisation name signs in to with SSO, or None.
    Never looks at users: the answer is the same whether or not the address has an account."""
    text = email_or_org.strip().lower()[:254]
    if not text:
        return None
    with db.read() as session:
        rows = list(
            session.exec(
                select(OrgSso.org_id, OrgSso.domains, Organisation.name).join(
                    Organisation, col(Organisation.id) == col(OrgSso.org_id)
                )
            )
        )
    if "@" in text:
        domain = text.rpartition("@")[2]
        return next((org_id for org_id, domains, _ in rows if domain in domains.split()), None)
    return next((org_id for org_id, _, name in rows if name.strip().casefold() == text.casefold()), None)


def password_refused(db: Database, user: HrUser) -> bool:
    """The organisation requires SSO and this user is not an owner (owners keep their password: the way
    back in when the provider is down or misconfigured)."""
    if user.role == "owner":
        return False
    with db.read() as session:
        row = session.get(OrgSso, user.org_id)
        return bool(row is not None and row.required)
