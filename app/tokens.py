"""Unguessable tokens and their hashes. Pure Python: services use it without any web import."""

from __future__ import annotations

import hashlib
import secrets

RESUME_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U


def new_token() -> str:
    """An unguessable token (256 bits)."""
    return secrets.token_urlsafe(32)


def new_public_id() -> str:
    """A random identifier for URLs (128 bits); never sequential."""
    return secrets.token_urlsafe(16)


def new_resume_code() -> str:
    """A short code a person can type on another device: 16 Crockford base32 characters (80 bits)."""
    raw = "".join(secrets.choice(RESUME_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def normalise_resume_code(code: str) -> str:
    """Accept what people type: lower case, spaces, missing dashes, O for 0, I/L for 1."""
    cleaned = code.upper().replace("O", "0").replace("I", "1").replace("L", "1")
    cleaned = "".join(c for c in cleaned if c in RESUME_ALPHABET)
    return "-".join(cleaned[i : i + 4] for i in range(0, len(cleaned), 4))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def join_link(base_url: str, token: str, lang: str) -> str:
    """A personal invitation's link: the cohort's consent page, opened in the person's language."""
    return f"{base_url.rstrip('/')}/join/{token}?lang={lang}"
