"""A real SMTP server on 127.0.0.1 for the tests (aiosmtpd), recording every message it accepts."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class Recorder:
    """The aiosmtpd handler: appends each accepted message (after the final dot) to ``messages``."""

    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    refuse: dict[str, str] = field(default_factory=dict)  # recipient -> SMTP reply to RCPT TO
    delay: float = 0.0  # seconds before answering RCPT TO: a slow server, for crash tests
    reply_delay: float = 0.0  # seconds between accepting a message (the final dot) and saying so

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        await asyncio.sleep(self.delay)
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        # Like a real MTA (postfix queues the message when it reads the final dot, then replies): record
        # first, then be slow to answer. aiosmtpd cancels this coroutine when the client goes away, so a
        # delay before recording would drop a message whose client died after sending the dot.
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        await asyncio.sleep(self.reply_delay)
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [str(m.message["Message-ID"]) for m in self.messages]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 made by Debian's openssl (the test trusts exactly this one)."""
    cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


class SmtpServer:
    """``with SmtpServer() as server:`` serves on ``server.port``; ``tls`` adds STARTTLS (and AUTH over it)."""

    def __init__(self, *, tls: tuple[Path, Path] | None = None, login: tuple[str, str] | None = None) -> None:
        self.recorder = Recorder()
        self.port = free_port()
        kwargs: dict[str, Any] = {}
        if tls is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*tls)
            kwargs.update(tls_context=context, require_starttls=True)
        if login is not None:
            user, password = login

            def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
                ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
                    user.encode(),
                    password.encode(),
                )
                return AuthResult(success=ok, handled=False)  # False: the server replies 535 itself

            kwargs.update(authenticator=check, auth_required=True)
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port, **kwargs)

    @property
    def messages(self) -> list[Received]:
        return self.recorder.messages

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
