"""Passwords: the rule (NIST SP 800-63B-4, section 3.1.1.2) and argon2id hashing.

The rule, and why:

- **At least 15 characters.** SP 800-63B-4 requires 15 for a password that is the only factor, as an HR
  password here is (no second factor yet); 8 is its floor only when another factor is also required.
  Length is counted in Unicode code points after NFKC normalisation, so "é" typed either way counts once.
- **At most 256 characters.** NIST asks verifiers to allow at least 64; 256 leaves room for long
  pass-phrases and password managers while bounding the work of the strength estimate.
- **No composition rules** (no "one digit, one symbol"): NIST forbids them; they make passwords harder to
  remember, not harder to guess.
- **Not common, breached-list or guessable**: zxcvbn (a well-kept estimator shipped on PyPI with its
  frequency lists of common passwords, words and names, and its repeat, sequence, keyboard and date
  patterns) must estimate at least ``MIN_SCORE`` 4 (10^10 guesses or more). At 15 characters three
  ordinary words pass ("blue coffee mountain"), while the breached-list shapes that length alone lets
  through score 3 and are refused ("Password1234567!", "Summer2024Summer"). The user's e-mail and the
  organisation's name count as guessable words. ``aaaaaaaaaaaaaaa`` scores 0.

Nothing expensive happens at import: the hasher's dummy hash (which keeps a sign-in for an unknown e-mail
as slow as one for a known one) is computed on first use, and zxcvbn (its word lists take memory and
time to load) is imported the first time a password is set.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 15
MAX_LENGTH = 256
MIN_SCORE = 4
_ESTIMATE_CHARS = 72  # zxcvbn's own limit (its matching grows faster than linearly); the tail only adds strength


class PasswordRejected(ValueError):
    """``code`` is ``password_length`` or ``weak_password`` (message keys in app/messages.py)."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)


def normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def check(password: str, context: Iterable[str] = ()) -> None:
    """Raise :class:`PasswordRejected` unless ``password`` meets the rule above.

    ``context`` holds words an attacker would try first for this account (e-mail, organisation name).
    """
    text = normalise(password)
    if not MIN_LENGTH <= len(text) <= MAX_LENGTH:
        raise PasswordRejected("password_length")
    from zxcvbn import zxcvbn  # lazy: see the module's docstring

    words = ["rolefit", "password", "passwort", "matkhau", "mima"]
    for value in context:
        value = value.strip().lower()
        words.append(value)
        words.extend(p for p in value.replace("@", " ").replace(".", " ").split() if len(p) > 2)
    if zxcvbn(text[:_ESTIMATE_CHARS], user_inputs=words, max_length=_ESTIMATE_CHARS)["score"] < MIN_SCORE:
        raise PasswordRejected("weak_password")


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id with the library's current recommended parameters


@cache
def _dummy() -> str:
    return _hasher().hash("not a real password, only here to spend the same time")


def hash_password(password: str) -> str:
    return _hasher().hash(normalise(password))


def verify(stored: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored``. With no stored hash, the same time is spent on a dummy."""
    try:
        if _hasher().verify(stored or _dummy(), normalise(password)):
            return stored is not None
    except (VerificationError, InvalidHashError):
        pass
    if stored is None or normalise(password) == password:
        return False
    try:  # a hash set before passwords were normalised
        return bool(_hasher().verify(stored, password))
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str, password: str) -> bool:
    """Old parameters, or a hash of the un-normalised form: hash again after a successful sign-in."""
    if _hasher().check_needs_rehash(stored):
        return True
    if normalise(password) == password:
        return False
    try:
        return not _hasher().verify(stored, normalise(password))
    except (VerificationError, InvalidHashError):
        return True


def dummy_ready() -> bool:
    """Whether the dummy hash was computed (tests check that importing the app does not)."""
    return _dummy.cache_info().currsize > 0
