"""Reminders on the cohort's schedule, sent as jobs to a real SMTP server (aiosmtpd on 127.0.0.1): at most
once per step, in the person's language, never to someone who finished, withdrew or stopped them, never
after the closing date; the stop link (confirm page, one-click POST). SQLite and PostgreSQL."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from app import jobs, mail
from app.mail import invitation as invitation_mail
from app.mail import reminder as reminder_mail
from app.models import Cohort, Person, Reminder, utcnow
from app.services import invitations, people, reminders
from scoring.model import Bank
from tests.app.conftest import Browser
from tests.app.smtp_server import SmtpServer
from tests.app.test_hr import signed_in, take_part
from tests.app.test_invitations import setup_org

LINK = re.compile(r"http://testserver(/join/[A-Za-z0-9_\-]+)\?lang=([a-zA-Z\-]+)")
STOP = re.compile(r"http://testserver(/stop/[A-Za-z0-9_\-]+)\?lang=([a-zA-Z\-]+)")


def worker(app: Any, server: SmtpServer) -> jobs.Worker:
    config = mail.SmtpConfig("127.0.0.1", server.port, starttls=False, sender="Acme HR <hr@acme.test>", timeout=10)
    db = app.state.db
    handlers = {
        invitations.KIND: invitation_mail.handler(db, "http://testserver", lambda: config),
        reminders.KIND: reminder_mail.handler(db, "http://testserver", lambda: config),
    }
    return jobs.Worker(db, handlers)


def run(app: Any, server: SmtpServer) -> int:
    return worker(app, server).run(threading.Event(), until_idle=True)


def text(message: Any) -> str:
    return str(message.get_body(("plain",)).get_content())


def by_rcpt(server: SmtpServer, start: int = 0) -> dict[str, Any]:
    return {m.rcpt_tos[0]: m.message for m in server.messages[start:]}


def test_schedule_is_validated() -> None:
    assert reminders.parse_days("3, 7") == [3, 7]
    assert reminders.parse_days("3，7") == [3, 7]  # a Chinese comma is a comma
    assert reminders.parse_days("") == []
    for bad in ("7, 3", "3, 3", "0", "61", "x", "3.5", "-1", "١"):
        with pytest.raises(reminders.ScheduleError) as err:
            reminders.parse_days(bad)
        assert err.value.code == "reminder_days", bad
    with pytest.raises(reminders.ScheduleError) as err:
        reminders.parse_days("1,2,3,4,5,6")
    assert err.value.code == "reminder_steps"


def test_reminders_once_per_step_in_the_persons_language_and_never_after_finishing_or_stopping(
    app: Any, bank: Bank
) -> None:
    db = app.state.db
    org, cohort, owner = setup_org(app)  # Linh (vi), Wang (zh-Hans), Ana (en)
    people.apply(db, org, b"name,email,language\nBo,bo@acme.test,en\n", "p.csv", utcnow())
    assert reminders.set_schedule(db, org, cohort, "3, 7") == [3, 7]
    t0 = utcnow()
    assert invitations.send(db, org, cohort, owner, t0) == 4
    with SmtpServer() as server:
        assert run(app, server) == 4
        invites = by_rcpt(server)
        # the invitation carries the stop link, in the footer and as List-Unsubscribe
        stop_linh = STOP.search(text(invites["linh@acme.test"]))
        assert stop_linh is not None and stop_linh.group(2) == "vi"
        assert (
            invites["linh@acme.test"]["List-Unsubscribe"].strip() == f"<http://testserver{stop_linh.group(1)}?lang=vi>"
        )
        first_link = LINK.search(text(invites["ana@acme.test"]))
        assert first_link is not None

        assert reminders.schedule_due(db, t0 + timedelta(days=2)) == 0  # not yet
        assert reminders.schedule_due(db, t0 + timedelta(days=3, minutes=1)) == 4
        assert reminders.schedule_due(db, t0 + timedelta(days=3, minutes=2)) == 0  # once per step
        assert run(app, server) == 4
        first = by_rcpt(server, 4)
        assert sorted(first) == ["ana@acme.test", "bo@acme.test", "linh@acme.test", "wang@acme.test"]
        linh = first["linh@acme.test"]
        assert linh["Content-Language"] == "vi" and "Nhắc" in linh["Subject"]
        assert first["wang@acme.test"]["Content-Language"] == "zh-Hans" and "提醒" in first["wang@acme.test"]["Subject"]
        assert linh["List-Unsubscribe"].strip().startswith("<http://testserver/stop/")
        assert "Acme" in text(linh) and "readiness" not in text(linh).lower()  # no result data

        # Ana joins with the reminder's link (the first mail's link works too) and finishes the quiz
        ana_link = LINK.search(text(first["ana@acme.test"]))
        assert ana_link is not None and ana_link.group(1) != first_link.group(1)
        assert Browser(app).get(first_link.group(1)).status_code == 200
        take_part(app, bank, ana_link.group(1), "identified", "Ana")
        # Wang stops reminders with one click (RFC 8058: a POST from the mail program, no session, no CSRF)
        stop_wang = STOP.search(text(first["wang@acme.test"]))
        assert stop_wang is not None
        stopped = Browser(app).client.post(
            f"{stop_wang.group(1)}?lang={stop_wang.group(2)}", data={"List-Unsubscribe": "One-Click"}
        )
        assert stopped.status_code == 200 and '<html lang="zh-Hans"' in stopped.text
        with db.read() as session:
            assert session.exec(select(Person).where(Person.email == "wang@acme.test")).one().reminders_stopped_at
        # Linh joins and withdraws: no reminder either
        linh_link = LINK.search(text(linh))
        assert linh_link is not None
        b = take_part(app, bank, linh_link.group(1), "aggregate", "")
        result_url = b.post("/quiz/finish").headers["location"]
        pid = b.get(result_url).text.split("/withdraw/")[1].split('"')[0]
        assert b.post(f"{result_url}/withdraw/{pid}").status_code == 303

        # day 7: only Bo is still waiting
        assert reminders.schedule_due(db, t0 + timedelta(days=7, minutes=1)) == 1
        assert run(app, server) == 1
        second = by_rcpt(server, 8)
        assert list(second) == ["bo@acme.test"]
        assert reminders.schedule_due(db, t0 + timedelta(days=20)) == 0  # the schedule is done
        assert run(app, server) == 0
    assert len(server.messages) == 9


def test_a_late_worker_sends_only_the_latest_due_step_and_checks_again_when_sending(app: Any) -> None:
    db = app.state.db
    org, cohort, owner = setup_org(app)
    reminders.set_schedule(db, org, cohort, "3, 7")
    t0 = utcnow()
    invitations.send(db, org, cohort, owner, t0)
    with SmtpServer() as server:
        run(app, server)
        # the workers were down for ten days: one reminder each (step 2), not two
        assert reminders.schedule_due(db, t0 + timedelta(days=10)) == 3
        assert reminders.schedule_due(db, t0 + timedelta(days=10)) == 0
        with db.read() as session:
            assert {r.step for r in session.exec(select(Reminder))} == {1}
        # queued, then the person asks to stop before the worker gets to it: skipped, nothing sent
        with db.write() as session:
            session.execute(update(Person).where(col(Person.email) == "ana@acme.test").values(reminders_stopped_at=t0))
        assert run(app, server) == 3
        assert sorted(m.rcpt_tos[0] for m in server.messages[3:]) == ["linh@acme.test", "wang@acme.test"]
        with db.read() as session:
            assert [r.skipped for r in session.exec(select(Reminder)) if r.sent_at is None] == ["stopped"]


def test_no_reminder_after_the_closing_date(app: Any) -> None:
    db = app.state.db
    org, cohort, owner = setup_org(app)
    reminders.set_schedule(db, org, cohort, "1")
    t0 = utcnow()
    with db.write() as session:
        session.execute(update(Cohort).where(col(Cohort.id) == cohort).values(closes_at=t0 + timedelta(days=2)))
    invitations.send(db, org, cohort, owner, t0)
    with SmtpServer() as server:
        run(app, server)
        assert reminders.schedule_due(db, t0 + timedelta(days=3)) == 0  # closed by then
        assert reminders.schedule_due(db, t0 + timedelta(days=1, minutes=1)) == 3  # queued while open
        with db.write() as session:  # ... and the cohort closes before they go out
            session.execute(update(Cohort).where(col(Cohort.id) == cohort).values(closes_at=utcnow()))
        assert run(app, server) == 3
        assert len(server.messages) == 3  # the invitations only
    with db.read() as session:
        assert {r.skipped for r in session.exec(select(Reminder))} == {"closed"}


def test_several_workers_scheduling_at_once_queue_each_step_once(app: Any) -> None:
    db = app.state.db
    org, cohort, owner = setup_org(app)
    rows = "".join(f"P{i},p{i}@acme.test,en\n" for i in range(30))
    people.apply(db, org, f"name,email,language\n{rows}".encode(), "p.csv", utcnow())
    reminders.set_schedule(db, org, cohort, "2")
    t0 = utcnow()
    invitations.send(db, org, cohort, owner, t0)
    with db.write() as session:  # as if the invitations had gone out
        from app.models import PersonalInvitation

        session.execute(update(PersonalInvitation).values(sent_at=t0))
    counts: list[int] = []
    barrier = threading.Barrier(4)

    def scan() -> None:
        barrier.wait()
        counts.append(reminders.schedule_due(db, t0 + timedelta(days=3), batch=7))

    threads = [threading.Thread(target=scan) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    while reminders.schedule_due(db, t0 + timedelta(days=3), batch=7):
        pass
    with db.read() as session:
        made = list(session.exec(select(Reminder)))
    assert len(made) == 33 and len({r.personal_invitation_id for r in made}) == 33
    assert all(r.job_id is not None for r in made)


def test_stop_link_confirms_in_the_persons_language_and_get_changes_nothing(app: Any) -> None:
    db = app.state.db
    org, cohort, owner = setup_org(app)
    invitations.send(db, org, cohort, owner, utcnow())
    with SmtpServer() as server:
        run(app, server)
        linh = by_rcpt(server)["linh@acme.test"]
    stop = STOP.search(text(linh))
    assert stop is not None
    page = Browser(app).get(f"{stop.group(1)}?lang=vi")
    assert page.status_code == 200 and '<html lang="vi"' in page.text and "Acme" in page.text
    assert 'method="post"' in page.text
    with db.read() as session:  # a GET (a mail scanner following links) stops nothing
        assert session.exec(select(Person).where(Person.email == "linh@acme.test")).one().reminders_stopped_at is None
    done = Browser(app).client.post(f"{stop.group(1)}?lang=vi")
    assert done.status_code == 200 and '<html lang="vi"' in done.text and 'role="status"' in done.text
    assert Browser(app).get(f"{stop.group(1)}?lang=vi").text.count('role="status"') == 1  # says it is done
    assert Browser(app).get("/stop/not-a-real-token").status_code == 404
    assert Browser(app).client.post("/stop/not-a-real-token").status_code == 404


def test_owner_sets_the_schedule_with_errors_in_their_language(app: Any) -> None:
    _org, cohort, _owner = setup_org(app)
    owner = signed_in(app, "owner@acme.test")
    assert owner.post(f"/hr/cohorts/{cohort}/reminders", {"days": "3, 7"}).status_code == 303
    page = owner.get(f"/hr/cohorts/{cohort}/funnel").text
    assert 'value="3, 7"' in page
    bad = owner.post(f"/hr/cohorts/{cohort}/reminders", {"days": "7, 3"}, headers={"accept-language": "vi"})
    assert bad.status_code == 422 and 'role="alert"' in bad.text
    with app.state.db.read() as session:
        assert session.get(Cohort, cohort).reminder_days == [3, 7]  # unchanged


def test_over_https_the_stop_link_is_a_one_click_list_unsubscribe() -> None:
    from app.mail.message import to_email
    from app.models import HrUser, Organisation

    person = Person(id="p", org_id="o", email="linh@acme.test", name="Linh", lang="vi")
    stop = invitation_mail.stop_link("https://rolefit.example", "tok", "vi")
    built = reminder_mail.reminder_mail(
        person,
        Organisation(id="o", name="Acme"),
        HrUser(id="u", org_id="o", email="owner@acme.test", role="owner"),
        link="https://rolefit.example/join/x?lang=vi",
        resume_url="https://rolefit.example/?lang=vi",
        closes_at=None,
        expires_at=None,
        from_address="Acme HR <hr@acme.test>",
        stop_url=stop,
    )
    message = to_email(built, "Acme HR <hr@acme.test>")
    assert message["List-Unsubscribe"] == "<https://rolefit.example/stop/tok?lang=vi>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Content-Language"] == "vi" and stop in str(message.get_body(("plain",)).get_content())
