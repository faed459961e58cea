"""A software WebAuthn authenticator for the route tests: an ES256 (P-256) key pair per credential, "none"
attestation, a signature counter. It answers the options the server sends the way a browser and an
authenticator would (the JSON of ``PublicKeyCredential.toJSON()``), and can be told to lie: another
origin, another challenge, a tampered clientDataJSON, a counter that goes backwards."""

from __future__ import annotations

import hashlib
import json
import secrets
import struct
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

UP, UV, AT = 0x01, 0x04, 0x40


def _b64(data: bytes) -> str:
    return bytes_to_base64url(data)


@dataclass
class Credential:
    id: bytes
    key: ec.EllipticCurvePrivateKey
    rp_id: str
    counter: int = 0

    def cose(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})


@dataclass
class SoftAuthenticator:
    origin: str
    credentials: list[Credential] = field(default_factory=list)
    user_verified: bool = True
    counting: bool = True  # False: an authenticator that keeps no counter (always 0)

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        data = {"type": kind, "challenge": challenge, "origin": origin or self.origin, "crossOrigin": False}
        return json.dumps(data, separators=(",", ":")).encode()

    def _flags(self, extra: int = 0) -> int:
        return UP | (UV if self.user_verified else 0) | extra

    def create(
        self,
        options: dict[str, Any],
        *,
        origin: str | None = None,
        challenge: str | None = None,
        rp_id: str | None = None,
        tamper: bool = False,
        reuse: Credential | None = None,
    ) -> str:
        """The answer to ``navigator.credentials.create(options)``, as JSON text."""
        rp = rp_id or options["rp"]["id"]
        cred = reuse or Credential(secrets.token_bytes(32), ec.generate_private_key(ec.SECP256R1()), rp)
        client_data = self._client_data("webauthn.create", challenge or options["challenge"], origin)
        if tamper:
            client_data = client_data[:-7]  # cut short: no longer JSON
        auth_data = (
            hashlib.sha256(rp.encode()).digest()
            + bytes([self._flags(AT)])
            + struct.pack(">I", 0)
            + bytes(16)  # AAGUID: none
            + struct.pack(">H", len(cred.id))
            + cred.id
            + cred.cose()
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        if reuse is None:
            self.credentials.append(cred)
        return json.dumps(
            {
                "id": _b64(cred.id),
                "rawId": _b64(cred.id),
                "type": "public-key",
                "authenticatorAttachment": "platform",
                "clientExtensionResults": {},
                "response": {
                    "clientDataJSON": _b64(client_data),
                    "attestationObject": _b64(attestation),
                    "transports": ["internal"],
                },
            }
        )

    def get(
        self,
        options: dict[str, Any],
        *,
        origin: str | None = None,
        challenge: str | None = None,
        tamper: bool = False,
        counter: int | None = None,
    ) -> str:
        """The answer to ``navigator.credentials.get(options)`` with the first allowed credential we hold."""
        allowed = {base64url_to_bytes(d["id"]) for d in options.get("allowCredentials", [])}
        cred = next(c for c in self.credentials if not allowed or c.id in allowed)
        if counter is not None:
            cred.counter = counter
        elif self.counting:
            cred.counter += 1
        client_data = self._client_data("webauthn.get", challenge or options["challenge"], origin)
        auth_data = (
            hashlib.sha256(cred.rp_id.encode()).digest() + bytes([self._flags()]) + struct.pack(">I", cred.counter)
        )
        signature = cred.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        if tamper:  # the signature was over the original; the server sees another clientDataJSON
            client_data = client_data.replace(b'"crossOrigin":false', b'"crossOrigin":true')
        return json.dumps(
            {
                "id": _b64(cred.id),
                "rawId": _b64(cred.id),
                "type": "public-key",
                "clientExtensionResults": {},
                "response": {
                    "clientDataJSON": _b64(client_data),
                    "authenticatorData": _b64(auth_data),
                    "signature": _b64(signature),
                    "userHandle": None,
                },
            }
        )
