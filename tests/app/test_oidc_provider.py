"""The test OpenID Connect provider (tests/app/oidc_provider.py, built on Authlib's provider side) holds the
line a real one holds: the SSO tests are only as honest as the provider they sign in against. Plain HTTP
from outside, no app involved."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet

from tests.app.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, start_provider

CALLBACK = "http://testserver/hr/sso/callback"


@pytest.fixture
def provider() -> Iterator[Provider]:
    prov, server = start_provider()
    yield prov
    server.shutdown()
    server.server_close()


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize(provider: Provider, email: str = "ana@acme.test", **extra: str) -> tuple[httpx.Response, str]:
    """Open the authorization endpoint, sign in as ``email``: the answer and the PKCE verifier used."""
    verifier, challenge = pkce()
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": CALLBACK,
        "scope": "openid email profile",
        "state": "st-1",
        "nonce": "n-1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    } | extra
    params = {k: v for k, v in params.items() if v}
    page = httpx.get(f"{provider.issuer}/authorize?{urlencode(params)}")
    if page.status_code != 200:
        return page, verifier
    fields = {k: html.unescape(v) for k, v in re.findall(r'name="([^"]+)" value="([^"]*)"', page.text)}
    return httpx.post(f"{provider.issuer}/authorize", data=fields | {"email": email}), verifier


def code_of(answer: httpx.Response) -> str:
    assert answer.status_code == 302, answer.text
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert query["state"] == ["st-1"]
    return query["code"][0]


def token(provider: Provider, code: str, verifier: str, secret: str = CLIENT_SECRET, **extra: str) -> httpx.Response:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK, "code_verifier": verifier}
    return httpx.post(f"{provider.issuer}/token", data=data | extra, auth=(CLIENT_ID, secret))


def claims(provider: Provider, id_token: str) -> dict[str, Any]:
    keys = KeySet.import_key_set(httpx.get(f"{provider.issuer}/jwks").json())
    return dict(jwt.decode(id_token, keys, algorithms=["RS256"]).claims)


def test_discovery_and_a_good_sign_in_give_a_signed_id_token(provider: Provider) -> None:
    doc = httpx.get(f"{provider.issuer}/.well-known/openid-configuration").json()
    assert doc["issuer"] == provider.issuer and doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["token_endpoint_auth_methods_supported"] == ["client_secret_basic"]
    answer, verifier = authorize(provider)
    assert answer.headers["location"].startswith(CALLBACK + "?")
    res = token(provider, code_of(answer), verifier)
    assert res.status_code == 200, res.text
    got = claims(provider, res.json()["id_token"])
    assert got["iss"] == provider.issuer and got["aud"] == [CLIENT_ID] and got["nonce"] == "n-1"
    assert got["email"] == "ana@acme.test" and got["email_verified"] is True and got["amr"] == ["pwd", "mfa"]
    assert provider.token_requests == 1


def test_pkce_is_required_and_checked(provider: Provider) -> None:
    answer, _ = authorize(provider, code_challenge="", code_challenge_method="")
    assert answer.status_code == 302 and "error=invalid_request" in answer.headers["location"]
    answer, _ = authorize(provider, code_challenge_method="plain")
    assert answer.status_code == 302 and "error=invalid_request" in answer.headers["location"]
    answer, _ = authorize(provider)
    res = token(provider, code_of(answer), secrets.token_urlsafe(48))
    assert res.status_code == 400 and res.json()["error"] == "invalid_grant"


def test_the_client_secret_the_code_and_the_redirect_uri_are_checked(provider: Provider) -> None:
    answer, verifier = authorize(provider)
    code = code_of(answer)
    assert token(provider, code, verifier, secret="wrong").status_code == 401
    res = token(provider, code, verifier, redirect_uri="http://elsewhere.test/cb")
    assert res.status_code == 400 and res.json()["error"] == "invalid_grant"
    assert token(provider, code, verifier).status_code == 200
    res = token(provider, code, verifier)  # a code works once
    assert res.status_code == 400 and res.json()["error"] == "invalid_grant"
    unknown = httpx.get(f"{provider.issuer}/authorize", params={"response_type": "code", "client_id": "nobody"})
    assert unknown.status_code == 400 and "location" not in unknown.headers


def test_a_nonce_is_demanded(provider: Provider) -> None:
    answer, _ = authorize(provider, nonce="")
    assert answer.status_code == 302 and "error=invalid_request" in answer.headers["location"]


@pytest.mark.parametrize(
    ("mode", "check"),
    [
        ("wrong_aud", lambda p, c: c["aud"] == ["someone-else"]),
        ("wrong_iss", lambda p, c: c["iss"] == p.issuer + "/other"),
        ("expired", lambda p, c: c["exp"] < time.time()),
        ("wrong_nonce", lambda p, c: c["nonce"] == "not-the-nonce"),
        ("unverified", lambda p, c: c["email_verified"] is False),
    ],
)
def test_each_bad_mode_issues_exactly_that_flaw(provider: Provider, mode: str, check: Any) -> None:
    provider.mode = mode
    answer, verifier = authorize(provider)
    res = token(provider, code_of(answer), verifier)
    assert res.status_code == 200, res.text
    got = claims(provider, res.json()["id_token"])
    assert check(provider, got) and got["email"] == "ana@acme.test"


def test_bad_key_signs_with_a_key_not_in_the_jwks(provider: Provider) -> None:
    provider.mode = "bad_key"
    answer, verifier = authorize(provider)
    id_token = token(provider, code_of(answer), verifier).json()["id_token"]
    with pytest.raises(BadSignatureError):
        claims(provider, id_token)


def test_a_repeated_parameter_is_refused(provider: Provider) -> None:
    _, challenge = pkce()
    query = urlencode(
        [
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", CALLBACK),
            ("scope", "openid"),
            ("state", "a"),
            ("state", "b"),
            ("nonce", "n-1"),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
        ]
    )
    res = httpx.get(f"{provider.issuer}/authorize?{query}")
    assert res.status_code == 400 and res.json()["error"] == "invalid_request" and "state" in res.text
