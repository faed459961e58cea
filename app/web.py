"""Request plumbing shared by the routes: dependencies, the language, the quiz cookie, CSRF checks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from starlette.responses import Response

from app.config import Settings
from app.db import Database
from app.i18n import negotiate, normalise
from app.models import Assessment
from app.security import CSRF_FIELD, CSRF_HEADER, csrf_ok, is_https
from app.services import labels, quiz
from scoring.model import Bank

LANG_COOKIE = "rolefit_lang"
_COOKIE_TEXT = re.compile(r"[A-Za-z0-9_:-]+", re.ASCII)  # ids, owner tokens and resume codes only
QUIZ_COOKIE = "rolefit_quiz"


class CsrfError(Exception):
    """A state-changing request without a valid CSRF token or from another origin."""


class NotFound(Exception):
    """Answer 404 with the friendly page (no hint why)."""


# The dependencies below are ``async`` although they do no I/O: FastAPI runs a plain ``def`` dependency
# in its thread pool, a hand-off per dependency per request for what is an attribute lookup.


async def get_bank(request: Request) -> Bank:
    bank: Bank = request.app.state.bank
    return bank


async def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


BankDep = Annotated[Bank, Depends(get_bank)]
DbDep = Annotated[Database, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def request_lang(request: Request) -> str:
    """Explicit ``?lang=``, else the kept choice (cookie), else Accept-Language, else English."""
    explicit = normalise(request.query_params.get("lang")) or normalise(request.cookies.get(LANG_COOKIE))
    return negotiate(explicit, request.headers.get("accept-language"))


def set_lang_cookie(request: Request, response: Response, lang: str) -> None:
    response.set_cookie(
        LANG_COOKIE, lang, max_age=365 * 86400, httponly=True, samesite="lax", secure=is_https(request), path="/"
    )


def kept_lang_header(request: Request) -> bytes | None:
    """The ``Set-Cookie`` value that remembers a page's ``?lang=`` (None when there is none, or it is kept already).

    A link such as ``/hr/cohorts/x?lang=zh-Hans`` then keeps Chinese on the next page and form (a filter, a
    sign-in) that does not carry the parameter.
    """
    explicit = normalise(request.query_params.get("lang"))
    if explicit is None or explicit == normalise(request.cookies.get(LANG_COOKIE)):
        return None
    carrier = Response()
    set_lang_cookie(request, carrier, explicit)
    return carrier.headers["set-cookie"].encode("latin-1")


@dataclass(frozen=True)
class QuizCookie:
    assessment_id: str
    owner_token: str  # empty on a device that resumed with the code
    resume_code: str

    @property
    def secret(self) -> str:
        return self.owner_token or self.resume_code

    def encode(self) -> str:
        return f"{self.assessment_id}:{self.owner_token}:{self.resume_code}"

    @classmethod
    def decode(cls, raw: str | None) -> QuizCookie | None:
        if not raw or len(raw) > 200 or raw.count(":") != 2 or _COOKIE_TEXT.fullmatch(raw) is None:
            return None
        aid, owner, code = raw.split(":")
        return cls(aid, owner, code) if aid and (owner or code) else None


def read_quiz_cookie(request: Request) -> QuizCookie | None:
    return QuizCookie.decode(request.cookies.get(QUIZ_COOKIE))


def set_quiz_cookie(request: Request, response: Response, cookie: QuizCookie, settings: Settings) -> None:
    response.set_cookie(
        QUIZ_COOKIE,
        cookie.encode(),
        max_age=settings.cookie_max_age_days * 86400,
        httponly=True,
        samesite="lax",
        secure=is_https(request),
        path="/",
    )


def clear_quiz_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(QUIZ_COOKIE, path="/", httponly=True, samesite="lax", secure=is_https(request))


def current_assessment(request: Request, db: Database) -> tuple[Assessment, QuizCookie] | None:
    """The assessment this browser owns (quiz cookie), or None."""
    cookie = read_quiz_cookie(request)
    if cookie is None:
        return None
    found = quiz.owned(db, cookie.assessment_id, cookie.secret)
    if found is None:
        return None
    # a participant who joined through a cohort sees the organisation's role titles
    request.state.role_labels = labels.for_assessment(db, found.id, request.state.lang)
    return found, cookie


async def check_csrf(request: Request) -> None:
    """Dependency for every state-changing form route: token in the form or the htmx header, same origin."""
    submitted = request.headers.get(CSRF_HEADER)
    if submitted is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    if not csrf_ok(request, submitted):
        raise CsrfError


CsrfDep = Depends(check_csrf)


def safe_next(target: str | None, default: str = "/") -> str:
    """A same-site path to go back to (never another host, never a scheme-relative URL)."""
    if not target or len(target) > 500:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
