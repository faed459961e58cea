"""HR sign-in: accounts, passwords, throttling, sessions and trusted devices, the permission matrix.

The one face of the package: callers import from ``app.auth`` only. It knows nothing of the web (no
FastAPI, no templates) and nothing of the other services; the routes and the CLI call it.
"""

from __future__ import annotations

from app.auth import lifecycle, mfa, passkeys, throttle
from app.auth.accounts import (
    ROLES,
    AccountError,
    Invited,
    audit,
    authenticate,
    create_org,
    invite,
    normalise_email,
    organisations_of,
    password_token_user,
    set_password,
    users_of,
)
from app.auth.passwords import MAX_LENGTH as MAX_PASSWORD
from app.auth.passwords import MIN_LENGTH as MIN_PASSWORD
from app.auth.permissions import MATRIX, Outcome, Rule, allows, rule_for
from app.auth.sessions import (
    ENROL,
    FULL,
    MFA,
    end_all_sessions,
    end_session,
    pending_user,
    remember_device,
    session_user,
    start_session,
)

__all__ = [
    "ENROL",
    "FULL",
    "MATRIX",
    "MAX_PASSWORD",
    "MFA",
    "MIN_PASSWORD",
    "ROLES",
    "AccountError",
    "Invited",
    "Outcome",
    "Rule",
    "allows",
    "audit",
    "authenticate",
    "create_org",
    "end_all_sessions",
    "end_session",
    "invite",
    "lifecycle",
    "mfa",
    "normalise_email",
    "organisations_of",
    "passkeys",
    "password_token_user",
    "pending_user",
    "remember_device",
    "rule_for",
    "session_user",
    "set_password",
    "start_session",
    "throttle",
    "users_of",
]
