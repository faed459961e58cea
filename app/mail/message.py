"""Message building: one template pair per mail (``templates/mail/NAME.txt`` and ``NAME.html``), per language."""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from functools import cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from app.config import ROOT
from app.i18n import LANGS, fmt_date, translations


@dataclass(frozen=True)
class Outgoing:
    """One rendered mail, as plain data (JSON-able for a job's payload; :meth:`from_dict` reads it back)."""

    to: str
    subject: str
    text: str
    html: str
    lang: str
    message_id: str
    reply_to: str | None = None
    list_unsubscribe: str | None = None  # an https URL: List-Unsubscribe + one-click POST (RFC 8058)
    headers: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Outgoing:
        return cls(**data)


@cache
def _environment(lang: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(ROOT / "templates" / "mail")),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters["date"] = lambda value: fmt_date(value, lang)
    return env


def new_message_id(sender: str) -> str:
    """A fresh, unguessable Message-ID in the sender's domain."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    return f"<{secrets.token_hex(16)}@{domain}>"


def build(
    name: str,
    lang: str,
    *,
    to: str,
    sender: str,
    context: dict[str, Any],
    reply_to: str | None = None,
    list_unsubscribe: str | None = None,
) -> Outgoing:
    """Render ``templates/mail/NAME.{txt,html}`` in ``lang``; the subject is the text template's first line."""
    if lang not in LANGS:
        raise ValueError(f"unsupported language {lang!r}")
    env = _environment(lang)
    values = {"lang": lang, **context}
    subject, _, text = env.get_template(f"{name}.txt").render(values).partition("\n")
    html = env.get_template(f"{name}.html").render(values | {"subject": subject.strip()})
    return Outgoing(
        to=to,
        subject=subject.strip(),
        text=text.lstrip("\n"),
        html=html,
        lang=lang,
        message_id=new_message_id(sender),
        reply_to=reply_to,
        list_unsubscribe=list_unsubscribe,
    )


def to_email(mail: Outgoing, sender: str, *, date: Any = None) -> EmailMessage:
    """The MIME message: multipart/alternative (plain text first, then HTML), UTF-8."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Message-ID"] = mail.message_id
    if date is not None:
        msg["Date"] = format_datetime(date)
    if mail.reply_to:
        msg["Reply-To"] = mail.reply_to
    if mail.list_unsubscribe:
        msg["List-Unsubscribe"] = f"<{mail.list_unsubscribe}>"
        if mail.list_unsubscribe.startswith("https:"):  # one-click (RFC 8058) is for https links only
            msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Auto-Submitted"] = "auto-generated"
    for key, value in mail.headers.items():
        msg[key] = value
    msg.set_content(mail.text, cte="quoted-printable")
    msg.add_alternative(mail.html, subtype="html", cte="quoted-printable")
    msg["Content-Language"] = mail.lang  # after the parts: set_content clears Content-* headers
    return msg


def display_sender(name: str, address: str) -> str:
    return formataddr((name, address))
