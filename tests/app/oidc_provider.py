"""A real OpenID Connect provider on 127.0.0.1 for the SSO tests (HTTP on a free port, in a thread).

Built on Authlib's provider side (the framework-neutral ``authlib.oauth2.rfc6749.AuthorizationServer``,
served by the standard library's WSGI server): the authorization code grant with the OpenID Connect
extension (``authlib.oidc.core.grants.OpenIDCode``: the ID token, its nonce, ``amr``), PKCE
(``CodeChallenge(required=True)``, S256 demanded at the authorization endpoint), ``client_secret_basic``
at the token endpoint, the discovery document (checked by ``OpenIDProviderMetadata.validate``) and the
JWKS (RSA, RS256). The authorization endpoint shows a sign-in form (no password: the e-mail typed is
the user signed in).

``mode`` makes it misbehave the way the relying party must refuse. Each bad case is produced through
Authlib's own hooks, not by rewriting its answer: ``wrong_aud`` and ``wrong_iss`` (the claims of
``get_client_claims``), ``expired`` (``iat`` and ``exp`` an hour in the past, same hook), ``wrong_nonce``
(the stored code's ``get_nonce``), ``unverified`` (``generate_user_info``), ``bad_key`` (signed by a key
that is not in the JWKS, via ``resolve_client_private_key``).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from html import escape
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from authlib.oauth2.rfc6749 import AuthorizationServer, ClientMixin, OAuth2Error, grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc6749.requests import OAuth2Payload, OAuth2Request
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import AuthorizationCodeMixin, UserInfo
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.discovery import OpenIDProviderMetadata
from joserfc.jwk import RSAKey

CLIENT_ID = "rolefit-test"
CLIENT_SECRET = "s3cret-for-tests-only"
SCOPES = ["openid", "email", "profile"]


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


class _Threaded(WSGIServer):
    daemon_threads = True


@dataclass
class User:
    email: str

    @property
    def sub(self) -> str:
        return hashlib.sha256(self.email.encode()).hexdigest()[:20]


class Client(ClientMixin):  # type: ignore[misc]
    """The one registered client: confidential, ``client_secret_basic`` only, code flow only.

    Any redirect URI is accepted at the authorization endpoint (the app's callback lives on the test
    server's host); Authlib then insists the token request repeats exactly the one the code was issued for.
    """

    def get_client_id(self) -> str:
        return CLIENT_ID

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        return " ".join(s for s in (scope or "").split() if s in SCOPES)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri.startswith(("http://", "https://"))

    def check_client_secret(self, client_secret: str) -> bool:
        return client_secret == CLIENT_SECRET

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "client_secret_basic"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Code(AuthorizationCodeMixin):  # type: ignore[misc]
    """An issued authorization code, as the provider stores it until the token request."""

    code: str
    user: User
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    amr: list[str]
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_amr(self) -> list[str]:
        return self.amr


class _Payload(OAuth2Payload):  # type: ignore[misc]
    """The request's parameters: the first of each in ``data``, every repeat in ``datalist`` (Authlib refuses
    repeated ``response_type``, ``state``, ``code_challenge``...)."""

    def __init__(self, values: dict[str, list[str]]) -> None:
        self._values = values

    @property
    def data(self) -> dict[str, str]:
        return {k: v[0] for k, v in self._values.items()}

    @property
    def datalist(self) -> dict[str, list[str]]:
        return self._values


class _Request(OAuth2Request):  # type: ignore[misc]
    """A WSGI request as Authlib wants it: query and form merged in ``payload`` (like Flask's ``values``)."""

    def __init__(self, environ: dict[str, Any], form: dict[str, list[str]]) -> None:
        query = parse_qs(environ.get("QUERY_STRING", ""))
        host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
        uri = f"http://{host}{environ['PATH_INFO']}" + (f"?{environ['QUERY_STRING']}" if query else "")
        headers = {"Authorization": environ["HTTP_AUTHORIZATION"]} if "HTTP_AUTHORIZATION" in environ else {}
        super().__init__(environ["REQUEST_METHOD"], uri, headers=headers)
        self._args = {k: v[0] for k, v in query.items()}
        self._form = {k: v[0] for k, v in form.items()}
        merged: defaultdict[str, list[str]] = defaultdict(list)
        for source in (query, form):
            for k, values in source.items():
                merged[k].extend(values)
        self.payload = _Payload(merged)

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


class _S256Required(CodeChallenge):  # type: ignore[misc]
    """PKCE as this provider demands it: a code challenge with method S256 on every authorization request
    (Authlib's ``required=True`` alone only forces public clients to send a verifier)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ("S256",)

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge") or data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE with S256 is required.")
        super().validate_code_challenge(grant, redirect_uri)


class _Server(AuthorizationServer):  # type: ignore[misc]
    def __init__(self, provider: Provider) -> None:
        super().__init__(scopes_supported=SCOPES)
        self.provider = provider
        self.client = Client()
        self.register_token_generator("default", BearerTokenGenerator(lambda **kw: _token(), expires_generator=300))

    def query_client(self, client_id: str) -> Client | None:
        return self.client if client_id == CLIENT_ID else None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        pass  # no resource server here: access tokens are not looked up again

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        pass

    def create_oauth2_request(self, request: _Request) -> _Request:
        return request

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> tuple[int, Any, Any]:
        return status, body, headers


def _token() -> str:
    return secrets.token_urlsafe(24)


def _grants(provider: Provider) -> tuple[type[grants.AuthorizationCodeGrant], OpenIDCode]:
    class CodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
        TOKEN_ENDPOINT_AUTH_METHODS = ("client_secret_basic",)

        def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
            data = request.payload.data
            provider.codes[code] = Code(
                code=code,
                user=request.user,
                redirect_uri=data.get("redirect_uri", ""),
                scope=request.scope,
                nonce="not-the-nonce" if provider.mode == "wrong_nonce" else data.get("nonce"),
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
                amr=list(provider.amr),
            )

        def query_authorization_code(self, code: str, client: Client) -> Code | None:
            return provider.codes.get(code)

        def delete_authorization_code(self, authorization_code: Code) -> None:
            provider.codes.pop(authorization_code.code, None)

        def authenticate_user(self, authorization_code: Code) -> User:
            return authorization_code.user

    class OpenID(OpenIDCode):  # type: ignore[misc]
        def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
            return any(code.nonce == nonce for code in provider.codes.values())  # a nonce is used once

        def resolve_client_private_key(self, client: Client) -> RSAKey:
            return provider.stranger if provider.mode == "bad_key" else provider.key

        def get_client_algorithm(self, client: Client) -> str:
            return "RS256"

        def get_encode_header(self, client: Client) -> dict[str, str]:
            return {"alg": "RS256", "kid": "k1"}  # the stranger key claims the same kid

        def get_client_claims(self, client: Client) -> dict[str, Any]:
            now = int(time.time())
            claims: dict[str, Any] = {
                "iss": provider.issuer + ("/other" if provider.mode == "wrong_iss" else ""),
                "aud": ["someone-else"] if provider.mode == "wrong_aud" else [CLIENT_ID],
                "iat": now,
                "exp": now + 300,
            }
            if provider.mode == "expired":
                claims |= {"iat": now - 7200, "exp": now - 3600, "auth_time": now - 7200}
            return claims

        def generate_user_info(self, user: User, scope: str) -> UserInfo:
            return UserInfo(sub=user.sub, email=user.email, email_verified=provider.mode != "unverified")

    return CodeGrant, OpenID(require_nonce=True)


@dataclass
class Provider:
    host: str = "127.0.0.1"
    port: int = 0
    mode: str = "ok"
    amr: list[str] = field(default_factory=lambda: ["pwd", "mfa"])
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1"}))
    stranger: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1"}))
    codes: dict[str, Code] = field(default_factory=dict)
    token_requests: int = 0
    server: _Server = field(init=False)

    def __post_init__(self) -> None:
        self.server = _Server(self)
        code_grant, openid = _grants(self)
        self.server.register_grant(code_grant, [_S256Required(required=True), openid])

    @property
    def issuer(self) -> str:
        return f"http://{self.host}:{self.port}"

    def metadata(self) -> dict[str, Any]:
        doc = OpenIDProviderMetadata(
            issuer=self.issuer,
            authorization_endpoint=self.issuer + "/authorize",
            token_endpoint=self.issuer + "/token",
            jwks_uri=self.issuer + "/jwks",
            scopes_supported=SCOPES,
            response_types_supported=["code"],
            grant_types_supported=["authorization_code"],
            subject_types_supported=["public"],
            id_token_signing_alg_values_supported=["RS256"],
            code_challenge_methods_supported=["S256"],
            token_endpoint_auth_methods_supported=["client_secret_basic"],
            claims_supported=["sub", "email", "email_verified", "amr", "nonce"],
        )
        doc.validate()
        return dict(doc)

    def _sign_in_page(self, request: _Request) -> bytes:
        hidden = "".join(
            f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in request.args.items()
        )
        return (
            "<!doctype html><title>Test IdP</title><h1>Test identity provider</h1>"
            f'<form method="post" action="/authorize">{hidden}'
            '<label for="email">E-mail</label><input id="email" name="email">'
            '<button type="submit">Sign in at the provider</button></form>'
        ).encode()

    def __call__(self, environ: dict[str, Any], start: Any) -> list[bytes]:
        path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
        form: dict[str, list[str]] = {}
        if method == "POST":
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            form = parse_qs(body.decode())
        request = _Request(environ, form)

        def send(status: int, payload: Any, headers: Any = (), kind: str = "application/json") -> list[bytes]:
            data = payload if isinstance(payload, bytes) else payload.encode() if isinstance(payload, str) else b""
            if isinstance(payload, dict | list):
                data = json.dumps(payload).encode()
            extra = [(k, v) for k, v in headers if k.lower() != "content-type"]
            start(
                f"{status} {HTTPStatus(status).phrase}",
                [("Content-Type", kind), ("Content-Length", str(len(data))), *extra],
            )
            return [data]

        if path == "/.well-known/openid-configuration":
            return send(200, self.metadata())
        if path == "/jwks":
            return send(200, {"keys": [self.key.as_dict(private=False)]})
        if path == "/authorize" and method == "GET":
            try:
                self.server.get_consent_grant(request)
            except OAuth2Error as error:
                return send(*self.server.handle_error_response(request, error))
            return send(200, self._sign_in_page(request), kind="text/html; charset=utf-8")
        if path == "/authorize" and method == "POST":
            try:
                grant = self.server.get_consent_grant(request)
            except OAuth2Error as error:
                return send(*self.server.handle_error_response(request, error))
            user = User(request.form["email"]) if request.form.get("email") else None
            status, payload, headers = self.server.create_authorization_response(request, user, grant)
            return send(status, payload, headers, kind="text/plain")
        if path == "/token" and method == "POST":
            self.token_requests += 1
            status, payload, headers = self.server.create_token_response(request)
            return send(status, payload, headers)
        return send(404, {"error": "not_found"})


def start_provider() -> tuple[Provider, WSGIServer]:
    provider = Provider()
    server = make_server("127.0.0.1", 0, provider, server_class=_Threaded, handler_class=_Quiet)
    provider.port = server.server_port
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return provider, server
