"""SMTP delivery with a commit point before the final dot, and the ``mail.send`` job kind."""

from __future__ import annotations

import contextlib
import functools
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from app.config import Settings
from app.mail.message import Outgoing, to_email
from app.models import utcnow

# A reply to the final dot that is neither 2xx nor a lost connection: 5xx will never work, 4xx may later.
PERMANENT = range(500, 600)


class MailNotConfigured(RuntimeError):
    """ROLEFIT_SMTP_HOST is not set: the app sends nothing (HR copies links instead)."""


class DeliveryError(Exception):
    """The server refused the message. ``permanent`` for 5xx replies (no retry helps)."""

    def __init__(self, code: int, reply: str, stage: str) -> None:
        super().__init__(f"{stage}: {code} {reply}")
        self.code, self.reply, self.stage = code, reply, stage
        self.permanent = code in PERMANENT


class Superseded(Exception):
    """The commit point found the job no longer ours (taken over after a lease ran out): mail not sent."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 587
    user: str | None = None
    password: str | None = None
    starttls: bool = True
    implicit_tls: bool = False
    sender: str = "rolefit <no-reply@localhost>"
    timeout: float = 30.0
    tls_context: ssl.SSLContext | None = None  # tests: trust a self-signed certificate

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig:
        if not settings.smtp_host:
            raise MailNotConfigured("ROLEFIT_SMTP_HOST is not set")
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            user=settings.smtp_user,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            starttls=settings.smtp_starttls,
            implicit_tls=settings.smtp_ssl,
            sender=settings.smtp_from,
            timeout=settings.smtp_timeout,
        )


def _check(reply: tuple[int, bytes], ok: tuple[int, ...], stage: str) -> None:
    code, text = reply
    if code not in ok:
        raise DeliveryError(code, text.decode("utf-8", "replace"), stage)


@functools.cache
def _default_tls() -> ssl.SSLContext:
    """The system's CAs, loaded once per process (loading them took 0.1 s, half of a mail's time)."""
    return ssl.create_default_context()


def _no_commit(send_dot: Callable[[], None]) -> bool:
    return True


def deliver(mail: Outgoing, config: SmtpConfig, commit: Callable[[Callable[[], None]], bool] = _no_commit) -> None:
    """Send ``mail``; ``commit(send_dot)`` runs once the server holds the whole message, before the final dot.

    ``commit`` should call ``send_dot()`` right after its database commit (an ``after_commit`` hook): the
    dot is sent then, or after ``commit`` returns if it did not. ``commit`` returning False (or raising
    before the dot) closes the connection without the dot: nothing is sent.
    Raises :class:`DeliveryError` for a refusal and ``OSError``/``smtplib.SMTPException`` for a broken
    connection before the commit point (safe to retry: nothing was accepted).
    """
    context = config.tls_context or _default_tls()
    smtp: smtplib.SMTP
    if config.implicit_tls:
        smtp = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=context)
    else:
        smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    try:
        smtp.ehlo()
        if not config.implicit_tls and config.starttls:
            smtp.starttls(context=context)  # raises SMTPNotSupportedError when the server can't: no plain text
            smtp.ehlo()
        if config.user:
            smtp.login(config.user, config.password or "")
        sender_address = parseaddr(config.sender)[1]
        message = to_email(mail, config.sender, date=utcnow())
        body = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
        _check(smtp.mail(sender_address, ["SMTPUTF8"] if smtp.has_extn("smtputf8") else []), (250,), "MAIL FROM")
        _check(smtp.rcpt(parseaddr(mail.to)[1]), (250, 251), "RCPT TO")
        _check(smtp.docmd("DATA"), (354,), "DATA")
        quoted = smtplib.quotedata(body.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")
        if not quoted.endswith(b"\r\n"):
            quoted += b"\r\n"
        smtp.send(quoted)
        dot_sent = False

        def send_dot() -> None:
            nonlocal dot_sent
            if not dot_sent:
                dot_sent = True
                smtp.send(b".\r\n")  # from here the server owns the message

        if not commit(send_dot):
            raise Superseded(mail.message_id)
        send_dot()
        _check(smtp.getreply(), (250,), "end of DATA")
    except BaseException:
        smtp.close()  # no QUIT: a transaction without its final dot is dropped by the server
        raise
    with contextlib.suppress(OSError, smtplib.SMTPException):
        smtp.quit()


def delivery_failed_permanently(exc: BaseException) -> bool:
    return isinstance(exc, DeliveryError) and exc.permanent


def send_with_job(ctx: Any, mail: Outgoing, config: SmtpConfig, also: Callable[[Any], None] | None = None) -> None:
    """Deliver ``mail`` as job ``ctx`` (app/jobs): the job is marked done (with ``also(session)`` in the same
    transaction) at the commit point before the final dot, so a crash anywhere sends it once, never twice.
    A 5xx refusal fails the job at once; other errors raise (the job is retried with backoff)."""
    try:
        deliver(mail, config, commit=lambda send_dot: bool(ctx.complete(also, on_commit=send_dot)))
    except Superseded:
        return
    except DeliveryError as exc:
        if ctx.completed:  # refused after we marked it sent: reopen it with the reason
            ctx.reopen(str(exc), permanent=exc.permanent)
            return
        if exc.permanent:
            ctx.give_up(str(exc))
            return
        raise


def job_handler(config: SmtpConfig | Callable[[], SmtpConfig]) -> Callable[[Any], None]:
    """The ``mail.send`` job: payload ``{"mail": Outgoing.to_dict()}`` (a mail with nothing secret in it)."""

    def send(ctx: Any) -> None:
        smtp = config() if callable(config) else config
        send_with_job(ctx, Outgoing.from_dict(ctx.payload["mail"]), smtp)

    return send
