"""The request's own bytes: the path, the query string and HTML form bodies, checked before any route runs."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from app.inputs.types import CONTROL_IN_LINE, CONTROL_IN_TEXT
from app.security import ASGIApp, Message, Receive, Scope, Send

MAX_PATH_BYTES = 2048
MAX_QUERY_BYTES = 4096
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
API_PREFIX = "/api/"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

_PLAIN = re.compile(rb"[\x20-\x24\x26-\x7e]*")  # printable ASCII without %: clean as it stands (the fast path)

Rejection = Callable[[Scope, int, str], ASGIApp]
"""Builds the answer to a refused request: (scope, status, message code) -> an ASGI app."""


def _decoded(raw: bytes, *, plus: bool) -> str | None:
    """Percent-decoded (``+`` as space in forms and query strings) and strictly UTF-8, else None."""
    try:
        return unquote_to_bytes(raw.replace(b"+", b" ") if plus else raw).decode("utf-8")
    except UnicodeDecodeError:
        return None


def pairs_ok(raw: bytes, *, multiline: bool) -> bool:
    """Every name and value of ``a=1&b=2`` is valid UTF-8 without control characters."""
    if _PLAIN.fullmatch(raw):
        return True
    pattern = CONTROL_IN_TEXT if multiline else CONTROL_IN_LINE
    for pair in raw.split(b"&"):
        for part in pair.split(b"=", 1):
            text = _decoded(part, plus=True)
            if text is None or pattern.search(text):
                return False
    return True


def _media_type(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return str(value.decode("latin-1")).split(";", 1)[0].strip().lower()
    return None


class InputGuard:
    """Pure ASGI middleware: refuse a request whose target or form body is not clean text.

    - path over 2,048 bytes or query string over 4,096: 414 ``too_long_uri``;
    - path or a query parameter that is not UTF-8 or holds a control character: 400 ``bad_characters``;
    - an HTML form body (outside ``/api/``) that is not URL-encoded: 415 ``media_type``; one whose names
      or values are not UTF-8 or hold a control character other than tab and line breaks: 400;
    - a JSON API body whose declared type is not JSON: 415 (its content is checked by ``parse_json``);
    - ``multipart/form-data`` only on the paths given as ``multipart`` (file uploads): their text fields are
      checked by the route's declared types, the file's bytes by the service that reads it.

    Sits inside the body-size limit, so a form body it reads is bounded.
    """

    def __init__(self, app: ASGIApp, reject: Rejection, multipart: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.reject = reject
        self.multipart = multipart

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = self._target(scope)
        if problem is not None:
            await self.reject(scope, *problem)(scope, receive, send)
            return
        if scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        media = _media_type(scope)
        if scope["path"].startswith(API_PREFIX):
            if media is not None and media != "application/json" and not media.endswith("+json"):
                body, receive = await _buffered(receive)
                if body.strip():
                    await self.reject(scope, 415, "media_type")(scope, receive, send)
                    return
            await self.app(scope, receive, send)
            return
        if media == MULTIPART and scope["path"] in self.multipart:
            await self.app(scope, receive, send)
            return
        body, replay = await _buffered(receive)
        if body:
            if media != FORM:
                await self.reject(scope, 415, "media_type")(scope, replay, send)
                return
            if not pairs_ok(body, multiline=True):
                await self.reject(scope, 400, "bad_characters")(scope, replay, send)
                return
        await self.app(scope, replay, send)

    @staticmethod
    def _target(scope: Scope) -> tuple[int, str] | None:
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogatepass")
        query = scope.get("query_string", b"")
        if len(raw_path) > MAX_PATH_BYTES or len(query) > MAX_QUERY_BYTES:
            return 414, "too_long_uri"
        if _PLAIN.fullmatch(raw_path) and (not query or _PLAIN.fullmatch(query)):
            return None
        path = _decoded(raw_path, plus=False)
        if path is None or CONTROL_IN_LINE.search(path) or CONTROL_IN_LINE.search(scope["path"]):
            return 400, "bad_characters"
        if query and not pairs_ok(query, multiline=False):
            return 400, "bad_characters"
        return None


async def _buffered(receive: Receive) -> tuple[bytes, Receive]:
    """The whole body, and a ``receive`` that hands it on to the app as one message."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            return b"", _replaying(message)
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    return body, _replaying({"type": "http.request", "body": body, "more_body": False}, receive)


def _replaying(first: Message, then: Receive | None = None) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return first
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}

    return replay
