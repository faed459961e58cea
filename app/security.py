"""Tokens, CSRF, security headers and request-size limits.

- Tokens: see :mod:`app.tokens` (only their SHA-256 is stored).
- CSRF: a random token in a cookie, repeated in every form (``csrf_token``) or in
  the ``X-CSRF-Token`` header (htmx); both must match, and a state-changing
  request whose ``Origin`` (or ``Sec-Fetch-Site``) says it came from another
  site is refused. The JSON API is authenticated by a Bearer token, never by a
  cookie, so it needs no CSRF token.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request

from app.tokens import new_token

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSRF_COOKIE = "rolefit_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
]


def csrf_token(request: Request) -> str:
    """The request's CSRF token: the cookie's, or a new one the response will set."""
    token = request.cookies.get(CSRF_COOKIE)
    if not token or len(token) > 100:
        token = getattr(request.state, "new_csrf", None) or new_token()
        request.state.new_csrf = token
    return token


def same_origin(request: Request) -> bool:
    """False when the browser says the request came from another site."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    parts = urlsplit(origin)
    host = request.headers.get("host", "")
    return parts.netloc == host


def csrf_ok(request: Request, submitted: str | None) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not submitted:
        return False
    # as bytes: compare_digest refuses str with non-ASCII characters (a TypeError, not a refusal)
    return hmac.compare_digest(cookie.encode(), submitted.encode()) and same_origin(request)


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


class SecurityHeaders:
    """Pure ASGI middleware: security headers on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers.extend((k, v) for k, v in SECURITY_HEADERS if k not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    """Refuse request bodies over ``limit`` bytes (``larger[path]`` for a few upload routes), declared
    (Content-Length) or streamed."""

    def __init__(
        self, app: ASGIApp, limit: int, reject: Callable[[Scope], ASGIApp], larger: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.limit = limit
        self.reject = reject
        self.larger = larger or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get(scope.get("path", ""), self.limit)
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = limit + 1
                if declared > limit:
                    await self.reject(scope)(scope, receive, send)
                    return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self.reject(scope)(scope, receive, send)
