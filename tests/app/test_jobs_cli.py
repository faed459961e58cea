"""The CLI of jobs and mail: ``rolefit mail test``, ``rolefit jobs status|retry``, ``rolefit worker --until-idle``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from app import jobs
from app.cli import cli
from app.config import get_settings
from app.db import Database
from tests.app.smtp_server import SmtpServer

runner = CliRunner()


@pytest.fixture
def env(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    monkeypatch.setenv("ROLEFIT_DATABASE_URL", db_url)
    monkeypatch.setenv("ROLEFIT_SMTP_STARTTLS", "false")
    monkeypatch.setenv("ROLEFIT_SMTP_FROM", "Acme HR <hr@acme.example>")
    monkeypatch.delenv("ROLEFIT_SMTP_HOST", raising=False)
    get_settings.cache_clear()
    database = Database(db_url)
    yield database
    database.dispose()
    get_settings.cache_clear()


def test_mail_test_says_when_smtp_is_not_configured_and_sends_when_it_is(
    env: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = runner.invoke(cli, ["mail", "test", "--to", "you@acme.example"])
    assert result.exit_code == 2 and "ROLEFIT_SMTP_HOST is not set" in result.output
    with SmtpServer() as server:
        monkeypatch.setenv("ROLEFIT_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("ROLEFIT_SMTP_PORT", str(server.port))
        get_settings.cache_clear()
        result = runner.invoke(cli, ["mail", "test", "--to", "you@acme.example", "--lang", "vi"])
        assert result.exit_code == 0, result.output
        (got,) = server.messages
    assert got.rcpt_tos == ["you@acme.example"] and got.message["Subject"] == "rolefit: e-mail thử nghiệm"


def test_worker_runs_due_jobs_and_status_shows_the_failed_one(env: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    from app import mail

    with SmtpServer() as server:
        server.recorder.refuse["gone@acme.example"] = "550 5.1.1 No such user"
        monkeypatch.setenv("ROLEFIT_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("ROLEFIT_SMTP_PORT", str(server.port))
        get_settings.cache_clear()
        for to in ("ana@acme.example", "gone@acme.example"):
            message = mail.build("test", "en", to=to, sender="hr@acme.example", context={})
            jobs.enqueue(env, "mail.send", {"mail": message.to_dict()})
        result = runner.invoke(cli, ["worker", "--until-idle"])
        assert result.exit_code == 0, result.output
        assert [m.rcpt_tos for m in server.messages] == [["ana@acme.example"]]
    result = runner.invoke(cli, ["jobs", "status"])
    # the two mails, plus the daily retention purge the worker queues when it starts: it ran (done) and
    # queued itself again for tomorrow
    assert "queued: 1  running: 0  done: 2  failed: 1" in result.output
    assert jobs.counts(env, "mail.send") == {"queued": 0, "running": 0, "done": 1, "failed": 1}
    assert "#2 mail.send after 1 attempt(s): RCPT TO: 550 5.1.1 No such user" in result.output
    assert runner.invoke(cli, ["jobs", "retry", "2"]).exit_code == 0
    again = runner.invoke(cli, ["jobs", "retry", "2"])
    assert again.exit_code == 2 and "not a failed job" in again.output
    assert jobs.counts(env, "mail.send")["queued"] == 1
