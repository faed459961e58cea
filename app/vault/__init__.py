"""Secrets at rest (see :mod:`app.vault.box`): the one face of the package."""

from __future__ import annotations

from app.vault.box import PREFIX, VaultError, is_sealed, reseal, reset, seal, unseal
from app.vault.rotation import rotate

__all__ = ["PREFIX", "VaultError", "is_sealed", "reseal", "reset", "rotate", "seal", "unseal"]
