"""Single sign-on with OpenID Connect, per organisation (issue 18). The one face of the package.

Callers (app/routes/sso.py, app/routes/hr.py) import from ``app.sso`` only. See :mod:`app.sso.oidc` for
the flow and what is checked, and docs/sso.md for configuring a provider.
"""

from __future__ import annotations

from app.sso.config import (
    Config,
    ConfigError,
    config_of,
    org_for,
    parse_domains,
    password_refused,
    save_config,
)
from app.sso.oidc import BROWSER_COOKIE_MAX_AGE, SsoError, Started, begin, finish, forget_discovery

__all__ = [
    "BROWSER_COOKIE_MAX_AGE",
    "Config",
    "ConfigError",
    "SsoError",
    "Started",
    "begin",
    "config_of",
    "finish",
    "forget_discovery",
    "org_for",
    "parse_domains",
    "password_refused",
    "save_config",
]
