"""A real OpenID Connect provider on 127.0.0.1 for the SSO tests (HTTP on a free port, in a thread).

Discovery, JWKS (RSA, RS256, signed with joserfc), an authorization endpoint with a sign-in form, and a
token endpoint that checks the client's secret (HTTP Basic), the redirect URI and the PKCE verifier (S256)
before it answers with an ID token. ``mode`` makes it misbehave the way the relying party must refuse:
``wrong_aud``, ``expired``, ``wrong_nonce``, ``unverified``, ``bad_key`` (signed by a key not in the JWKS),
``wrong_iss``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import parse_qs, urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "rolefit-test"
CLIENT_SECRET = "s3cret-for-tests-only"


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


class _Threaded(WSGIServer):
    daemon_threads = True


@dataclass
class Provider:
    host: str = "127.0.0.1"
    port: int = 0
    mode: str = "ok"
    amr: list[str] = field(default_factory=lambda: ["pwd", "mfa"])
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1"}))
    stranger: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1"}))
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    token_requests: int = 0

    @property
    def issuer(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _id_token(self, grant: dict[str, str]) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer + ("/other" if self.mode == "wrong_iss" else ""),
            "sub": hashlib.sha256(grant["email"].encode()).hexdigest()[:20],
            "aud": "someone-else" if self.mode == "wrong_aud" else CLIENT_ID,
            "iat": now - (7200 if self.mode == "expired" else 0),
            "exp": now + (-3600 if self.mode == "expired" else 300),
            "nonce": "not-the-nonce" if self.mode == "wrong_nonce" else grant["nonce"],
            "email": grant["email"],
            "email_verified": self.mode != "unverified",
            "amr": self.amr,
        }
        key = self.stranger if self.mode == "bad_key" else self.key
        return jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)

    def __call__(self, environ: dict[str, Any], start: Any) -> list[bytes]:
        path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        body = b""
        if method == "POST":
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}

        def send(
            status: str, payload: Any, kind: str = "application/json", headers: list[Any] | None = None
        ) -> list[bytes]:
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            start(status, [("Content-Type", kind), ("Content-Length", str(len(data)))] + (headers or []))
            return [data]

        if path == "/.well-known/openid-configuration":
            return send(
                "200 OK",
                {
                    "issuer": self.issuer,
                    "authorization_endpoint": self.issuer + "/authorize",
                    "token_endpoint": self.issuer + "/token",
                    "jwks_uri": self.issuer + "/jwks",
                    "response_types_supported": ["code"],
                    "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "code_challenge_methods_supported": ["S256"],
                    "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                },
            )
        if path == "/jwks":
            return send("200 OK", {"keys": [self.key.as_dict(private=False)]})
        if path == "/authorize" and method == "GET":
            if query.get("client_id") != CLIENT_ID or query.get("code_challenge_method") != "S256":
                return send("400 Bad Request", {"error": "invalid_request"})
            hidden = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in query.items())
            page = (
                "<!doctype html><title>Test IdP</title><h1>Test identity provider</h1>"
                f'<form method="post" action="/authorize">{hidden}'
                '<label for="email">E-mail</label><input id="email" name="email">'
                '<button type="submit">Sign in at the provider</button></form>'
            )
            return send("200 OK", page.encode(), "text/html; charset=utf-8")
        if path == "/authorize" and method == "POST":
            code = secrets.token_urlsafe(24)
            self.codes[code] = {k: form.get(k, "") for k in ("email", "nonce", "code_challenge", "redirect_uri")}
            target = form["redirect_uri"] + "?" + urlencode({"code": code, "state": form.get("state", "")})
            return send("302 Found", b"", "text/plain", [("Location", target)])
        if path == "/token" and method == "POST":
            self.token_requests += 1
            auth = environ.get("HTTP_AUTHORIZATION", "")
            expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            grant = self.codes.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if auth != expected:
                return send("401 Unauthorized", {"error": "invalid_client"})
            if (
                grant is None
                or grant["code_challenge"] != challenge
                or grant["redirect_uri"] != form.get("redirect_uri")
            ):
                return send("400 Bad Request", {"error": "invalid_grant"})
            return send(
                "200 OK",
                {
                    "access_token": secrets.token_urlsafe(16),
                    "token_type": "Bearer",
                    "expires_in": 300,
                    "id_token": self._id_token(grant),
                },
            )
        return send("404 Not Found", {"error": "not_found"})


def start_provider() -> tuple[Provider, WSGIServer]:
    provider = Provider()
    server = make_server("127.0.0.1", 0, provider, server_class=_Threaded, handler_class=_Quiet)
    provider.port = server.server_port
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return provider, server
