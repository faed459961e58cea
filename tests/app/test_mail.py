"""Mail: translated messages, and SMTP delivery to a real aiosmtpd server on 127.0.0.1."""

from __future__ import annotations

import smtplib
import ssl
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app import jobs, mail
from app.config import Settings
from app.db import Database
from tests.app.smtp_server import SmtpServer, self_signed

SENDER = "Acme HR <hr@acme.example>"
LINK = "https://rolefit.example/i/abc123"


def invitation(lang: str, to: str = "linh@acme.example") -> mail.Outgoing:
    return mail.build(
        "invitation",
        lang,
        to=to,
        sender=SENDER,
        reply_to="mai@acme.example",
        list_unsubscribe="https://rolefit.example/i/abc123/stop",
        context={
            "org_name": "Acme <Vietnam>",
            "sender_name": "Mai Tran",
            "person_name": "Linh",
            "link": LINK,
            "expires_at": datetime(2027, 1, 15, tzinfo=UTC),
            "unsubscribe_url": "https://rolefit.example/i/abc123/stop",
        },
    )


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    with SmtpServer() as smtp:
        yield smtp


def plain(server: SmtpServer) -> mail.SmtpConfig:
    return mail.SmtpConfig(host="127.0.0.1", port=server.port, starttls=False, sender=SENDER, timeout=10)


@pytest.mark.parametrize(
    ("lang", "subject_word", "hello"),
    [("en", "invites you", "Hello Linh,"), ("zh-Hans", "邀请", "Linh"), ("vi", "mời", "Xin chào Linh")],
)
def test_the_invitation_is_written_in_the_persons_language(lang: str, subject_word: str, hello: str) -> None:
    message = invitation(lang)
    assert subject_word in message.subject and "Acme <Vietnam>" in message.subject
    assert hello in message.text and LINK in message.text and "Mai Tran" in message.text
    assert "Acme &lt;Vietnam&gt;" in message.html and "Acme <Vietnam>" not in message.html  # escaped in HTML
    assert f'href="{LINK}"' in message.html and f'lang="{lang}"' in message.html
    if lang != "en":
        assert "invites you" not in message.text and "Hello" not in message.text
    assert "2027" in message.text  # the expiry date, in the reader's format


def test_a_mail_arrives_at_the_smtp_server_with_both_parts_and_its_headers(server: SmtpServer) -> None:
    message = invitation("vi")
    mail.deliver(message, plain(server))
    (got,) = server.messages
    assert got.mail_from == "hr@acme.example" and got.rcpt_tos == ["linh@acme.example"]
    msg = got.message
    assert msg["Message-ID"] == message.message_id and msg["Subject"] == message.subject
    assert msg["List-Unsubscribe"] == "<https://rolefit.example/i/abc123/stop>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["Reply-To"] == "mai@acme.example" and msg["Content-Language"] == "vi"
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert text is not None and html is not None
    assert "Xin chào Linh" in text.get_content() and LINK in html.get_content()


def test_starttls_and_login_with_a_real_certificate(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    trust = ssl.create_default_context(cafile=str(cert))
    with SmtpServer(tls=(cert, key), login=("rolefit", "s3cret")) as server:
        config = mail.SmtpConfig(
            "127.0.0.1", server.port, "rolefit", "s3cret", starttls=True, sender=SENDER, tls_context=trust
        )
        mail.deliver(invitation("en"), config)
        assert len(server.messages) == 1
        with pytest.raises(smtplib.SMTPAuthenticationError):
            mail.deliver(invitation("en"), mail.SmtpConfig(**(config.__dict__ | {"password": "wrong"})))
        with pytest.raises(ssl.SSLError):  # a certificate we don't trust: no mail, no password sent
            mail.deliver(invitation("en"), mail.SmtpConfig(**(config.__dict__ | {"tls_context": None})))
        with pytest.raises(mail.DeliveryError):  # the server insists on STARTTLS
            mail.deliver(invitation("en"), mail.SmtpConfig(**(config.__dict__ | {"starttls": False, "user": None})))
        assert len(server.messages) == 1


def test_nothing_is_sent_when_the_commit_point_says_no(server: SmtpServer) -> None:
    with pytest.raises(mail.Superseded):
        mail.deliver(invitation("en"), plain(server), commit=lambda send_dot: False)
    mail.deliver(invitation("en"), plain(server))
    assert len(server.messages) == 1  # the server dropped the first transaction and still serves


def test_settings_without_a_host_say_mail_is_not_configured() -> None:
    with pytest.raises(mail.MailNotConfigured):
        mail.SmtpConfig.from_settings(Settings(smtp_host=None))
    config = mail.SmtpConfig.from_settings(Settings(smtp_host="mail.example", smtp_password="pw", smtp_port=2525))
    assert (config.host, config.port, config.password, config.starttls) == ("mail.example", 2525, "pw", True)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


def test_mail_jobs_deliver_once_and_a_refused_address_fails_visibly_without_retry(
    db: Database, server: SmtpServer
) -> None:
    server.recorder.refuse["nobody@acme.example"] = "550 5.1.1 No such user"
    good = jobs.enqueue(db, "mail.send", {"mail": invitation("en").to_dict()})
    bad = jobs.enqueue(db, "mail.send", {"mail": invitation("en", to="nobody@acme.example").to_dict()})
    worker = jobs.Worker(db, {"mail.send": mail.job_handler(plain(server))})
    assert worker.run(threading.Event(), until_idle=True) == 2
    assert [m.rcpt_tos for m in server.messages] == [["linh@acme.example"]]
    states = {j.id: (j.state, j.attempts, j.last_error) for j in jobs.list_jobs(db)}
    assert states[good] == ("done", 1, None)
    assert states[bad][:2] == ("failed", 1) and "550" in (states[bad][2] or "")


def test_a_mail_job_waits_and_retries_while_the_server_is_down(db: Database) -> None:
    with SmtpServer() as server:
        config = plain(server)
    job_id = jobs.enqueue(db, "mail.send", {"mail": invitation("en").to_dict()})  # the server is gone
    worker = jobs.Worker(db, {"mail.send": mail.job_handler(config)})
    assert worker.run_once()
    (view,) = jobs.list_jobs(db)
    assert (view.id, view.state, view.attempts) == (job_id, "queued", 1)
    assert "ConnectionRefusedError" in (view.last_error or "")
