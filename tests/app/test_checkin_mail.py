"""Check-in reminders by e-mail (opt-in), sent as jobs to a real SMTP server (aiosmtpd on 127.0.0.1): one mail
per phase that has come (30 days, 3 months, 6 months after the result), in the person's language, with a stop
link and a link to the check-in, no result data; never before the date, after removal or stop, or after the
assessment was deleted. SQLite and PostgreSQL."""

from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import select

from app import jobs, mail
from app.mail import checkin as checkin_mail_job
from app.models import CheckinMail, CheckinMailSent
from app.services import checkin_mail, quiz
from scoring.model import Bank
from tests.app.conftest import Browser
from tests.app.smtp_server import SmtpServer
from tests.app.test_quiz import answer_all, start

STOP = re.compile(r"http://testserver(/checkin-stop/[A-Za-z0-9_\-]+)\?lang=([a-zA-Z\-]+)")


def run(app: Any, server: SmtpServer) -> int:
    config = mail.SmtpConfig("127.0.0.1", server.port, starttls=False, sender="rolefit <no-reply@rolefit.test>")
    handlers = {checkin_mail.KIND: checkin_mail_job.handler(app.state.db, "http://testserver", lambda: config)}
    return jobs.Worker(app.state.db, handlers).run(threading.Event(), until_idle=True)


def finished(app: Any, bank: Bank, lang: str) -> tuple[Browser, str, datetime]:
    b = Browser(app, lang=lang)
    start(b, lang=lang)
    answer_all(b, bank, "am")
    url = b.post("/quiz/finish").headers["location"]
    snapshot = quiz.result_of(app.state.db, url.rsplit("/", 1)[1])
    assert snapshot is not None
    return b, url, snapshot.created_at


def text(message: Any) -> str:
    return str(message.get_body(("plain",)).get_content())


def test_one_mail_per_phase_in_the_persons_language_then_the_stop_link(app: Any, bank: Bank) -> None:
    db = app.state.db
    b, url, t0 = finished(app, bank, "vi")
    page = b.get(url).text
    assert "Nhắc kiểm tra tiến độ qua email" in page and 'name="email"' in page
    assert b.post(url + "/checkin-mail", {"email": "lan@example.test"}).status_code == 303
    assert "rolefit sẽ nhắc lan@example.test" in b.get(url).text
    assessment_id = url.rsplit("/", 1)[1]
    with SmtpServer() as server:
        assert checkin_mail.schedule_due(db, t0 + timedelta(days=29)) == 0  # not before the date
        assert run(app, server) == 0
        assert checkin_mail.schedule_due(db, t0 + timedelta(days=30, minutes=1)) == 1
        assert checkin_mail.schedule_due(db, t0 + timedelta(days=31)) == 0  # once per phase
        assert run(app, server) == 1
        assert len(server.messages) == 1
        first = server.messages[0]
        assert first.rcpt_tos == ["lan@example.test"]
        msg = first.message
        assert msg["Content-Language"] == "vi" and "30 ngày" in msg["Subject"]
        body, html = text(msg), str(msg.get_body(("html",)).get_content())
        assert f"http://testserver/result/{assessment_id}/checkin/30d?lang=vi" in body and "checkin/30d" in html
        stop = STOP.search(body)
        assert stop is not None and stop.group(2) == "vi"
        assert msg["List-Unsubscribe"].strip() == f"<http://testserver{stop.group(1)}?lang=vi>"
        # no result data: neither the recommendation nor a dimension or skill
        for words in ("Quản lý khách hàng", bank.dimensions[0].name["vi"], bank.skills[0].name["vi"]):
            assert words not in body and words not in html

        # the check-in link opens for the person (in their browser)
        assert b.get(f"/result/{assessment_id}/checkin/30d?lang=vi").status_code == 200

        assert checkin_mail.schedule_due(db, t0 + timedelta(days=92)) == 1  # 3 months
        assert run(app, server) == 1
        assert "3 tháng" in server.messages[1].message["Subject"]
        assert "checkin/3m" in text(server.messages[1].message)

        # the stop link: GET asks and changes nothing; one click (RFC 8058, no session, no CSRF) deletes it
        stop3 = STOP.search(text(server.messages[1].message))
        assert stop3 is not None
        asked = Browser(app).get(f"{stop3.group(1)}?lang=vi")
        assert asked.status_code == 200 and "Dừng lời nhắc kiểm tra tiến độ?" in asked.text
        assert checkin_mail.of(db, assessment_id) is not None
        stopped = Browser(app).client.post(f"{stop3.group(1)}?lang=vi", data={"List-Unsubscribe": "One-Click"})
        assert stopped.status_code == 200 and "đã xóa địa chỉ của bạn" in stopped.text
        assert checkin_mail.of(db, assessment_id) is None
        assert checkin_mail.schedule_due(db, t0 + timedelta(days=200)) == 0  # no 6-month mail
        assert run(app, server) == 0
        assert Browser(app).get("/checkin-stop/unknown-token").status_code == 404
    assert len(server.messages) == 2
    # what was sent stays in the personal export (the address is gone)
    export = b.get(url + "/export.json").json()["checkin_reminders"]
    assert export["email"] is None and [s["phase"] for s in export["sent"]] == ["30d", "3m"]


def test_a_late_worker_sends_only_the_latest_phase_once(app: Any, bank: Bank) -> None:
    db = app.state.db
    b, url, t0 = finished(app, bank, "zh-Hans")
    assert b.post(url + "/checkin-mail", {"email": "wang@example.test"}).status_code == 303
    with SmtpServer() as server:
        assert checkin_mail.schedule_due(db, t0 + timedelta(days=200)) == 1
        assert checkin_mail.schedule_due(db, t0 + timedelta(days=400)) == 0
        assert run(app, server) == 1
    msg = server.messages[0].message
    assert msg["Content-Language"] == "zh-Hans" and "6个月阶段回顾" in msg["Subject"]
    with db.read() as session:
        assert [r.phase for r in session.exec(select(CheckinMailSent))] == ["6m"]


def test_none_after_removal_nor_after_deleting_the_assessment(app: Any, bank: Bank) -> None:
    db = app.state.db
    b, url, t0 = finished(app, bank, "en")
    assessment_id = url.rsplit("/", 1)[1]
    assert b.post(url + "/checkin-mail", {"email": "ana@example.test"}).status_code == 303
    assert b.post(url + "/checkin-mail/delete", {}).status_code == 303
    assert "Remind me of each check-in at this e-mail address" in b.get(url).text
    assert checkin_mail.schedule_due(db, t0 + timedelta(days=31)) == 0  # removed: nothing due

    # given again; queued; removed before the worker ran: nothing is sent
    assert b.post(url + "/checkin-mail", {"email": "ana@example.test"}).status_code == 303
    assert checkin_mail.schedule_due(db, t0 + timedelta(days=31)) == 1
    assert b.post(url + "/checkin-mail/delete", {}).status_code == 303
    with SmtpServer() as server:
        assert run(app, server) == 1
        assert server.messages == []
        with db.read() as session:
            assert session.exec(select(CheckinMailSent)).one().skipped == "removed"

        # given again; the 3-month one is queued; the person deletes all their data: nothing is sent
        assert b.post(url + "/checkin-mail", {"email": "ana@example.test"}).status_code == 303
        data = b.get(url + "/export.json").json()["checkin_reminders"]
        assert data["email"] == "ana@example.test" and data["lang"] == "en"  # in the personal export
        assert "ana@example.test" in b.get(url + "/my-data").text  # and on the readable page
        assert checkin_mail.schedule_due(db, t0 + timedelta(days=95)) == 1
        assert b.post(url + "/delete", {}).status_code == 303
        assert run(app, server) == 1
        assert server.messages == []
    with db.read() as session:
        assert session.exec(select(CheckinMail)).all() == []
        assert session.exec(select(CheckinMailSent)).all() == []
    assert checkin_mail.of(db, assessment_id) is None


def test_the_address_is_validated_in_the_users_language_and_nothing_is_stored(app: Any, bank: Bank) -> None:
    b, url, _ = finished(app, bank, "zh-Hans")
    for bad in ("", "not-an-address", "a@b", "x" * 250 + "@example.test"):
        res = b.post(url + "/checkin-mail", {"email": bad})
        assert res.status_code == 422, bad
        assert '<html lang="zh-Hans"' in res.text and 'aria-invalid="true"' in res.text
    assert "请填写接收提醒的电子邮箱。" in b.post(url + "/checkin-mail", {"email": ""}).text
    assert checkin_mail.of(app.state.db, url.rsplit("/", 1)[1]) is None
    # someone else's browser cannot give or remove an address for this result
    other = Browser(app)
    assert other.post(url + "/checkin-mail", {"email": "x@example.test"}).status_code == 404
    assert checkin_mail.of(app.state.db, url.rsplit("/", 1)[1]) is None


def test_several_workers_scanning_at_once_queue_each_phase_once(app: Any, bank: Bank) -> None:
    db = app.state.db
    starts = []
    for n in range(3):
        b, url, t0 = finished(app, bank, "en")
        assert b.post(url + "/checkin-mail", {"email": f"p{n}@example.test"}).status_code == 303
        starts.append(t0)
    when = max(starts) + timedelta(days=31)
    counts: list[int] = []
    barrier = threading.Barrier(4)

    def scan() -> None:
        barrier.wait()
        counts.append(checkin_mail.schedule_due(db, when))

    threads = [threading.Thread(target=scan) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == 3
    with db.read() as session:
        made = list(session.exec(select(CheckinMailSent)))
        queued = jobs.counts(db, checkin_mail.KIND)
    assert len(made) == 3 and {r.phase for r in made} == {"30d"} and all(r.job_id is not None for r in made)
    assert sum(queued.values()) == 3
