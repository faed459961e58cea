"""Secrets at rest: values the app must read back (the TOTP keys, an organisation's OIDC client secret) are
stored encrypted with Fernet (AES-128-CBC + HMAC-SHA256, ``cryptography``), never in plaintext.

The key comes from the settings: ``ROLEFIT_DATA_KEY``, one or more Fernet keys separated by commas (the
FIRST encrypts, all of them decrypt: rotation is "put the new key first, run ``rolefit db rotate-data-key``,
then drop the old one", docs/sso.md). Without it, a key file in the install's ``var/`` folder
(``var/data.key``, made on first use, mode 0600) is used, so a development install works; a production
one sets the key (and keeps it apart from the database backups).

A stored value reads ``fernet:<token>``; anything else is a legacy plaintext value (before migration
sso_0002 encrypted them) and is returned as it is.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from app.config import ROOT, get_settings

if TYPE_CHECKING:  # cryptography loads with the first secret sealed or opened, not when a worker starts
    from cryptography.fernet import MultiFernet

PREFIX = "fernet:"


class VaultError(ValueError):
    """A stored secret that none of the configured keys opens (the key was lost or changed)."""


def _key_file() -> bytes:
    path = ROOT / "var" / "data.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        from cryptography.fernet import Fernet

        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(Fernet.generate_key())
    return Path(path).read_bytes().strip()


def keys_from(data_key: str | None) -> list[bytes]:
    if data_key:
        return [part.strip().encode() for part in data_key.split(",") if part.strip()]
    return [_key_file()]


@lru_cache
def _box() -> MultiFernet:
    from cryptography.fernet import Fernet, MultiFernet

    settings = get_settings()
    data = settings.data_key.get_secret_value() if settings.data_key else None
    return MultiFernet([Fernet(key) for key in keys_from(data)])


def reset() -> None:
    """Forget the cached keys (after the settings changed: tests, rotation)."""
    _box.cache_clear()


def seal(value: str) -> str:
    return PREFIX + _box().encrypt(value.encode()).decode()


def is_sealed(stored: str | None) -> bool:
    return bool(stored) and str(stored).startswith(PREFIX)


def unseal(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored  # legacy plaintext (see the module's docstring)
    from cryptography.fernet import InvalidToken

    try:
        return _box().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken as err:
        raise VaultError("no configured data key opens this secret") from err


def reseal(stored: str) -> str:
    """The same secret under the first key (rotation); plaintext values get sealed."""
    if not stored.startswith(PREFIX):
        return seal(stored)
    return PREFIX + _box().rotate(stored[len(PREFIX) :].encode()).decode()
