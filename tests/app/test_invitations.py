"""Personal invitations: sent as jobs to a real SMTP server, the link opens the consent page in the
person's language, one use, revocable, expiring; a failed delivery is visible. SQLite and PostgreSQL."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import select

from app import auth, jobs, mail
from app.mail import invitation as invitation_mail
from app.models import Invitation, Job, utcnow
from app.services import hr, invitations, people
from app.tokens import hash_token
from tests.app.conftest import Browser
from tests.app.smtp_server import SmtpServer
from tests.app.test_hr import make_org, signed_in

LINK = re.compile(r"http://testserver(/join/[A-Za-z0-9_\-]+\?lang=[a-zA-Z\-]+)")


def setup_org(app: Any) -> tuple[str, str, str]:
    db = app.state.db
    org, _ = make_org(app, "Acme", "owner@acme.test")
    owner = auth.users_of(db, org)[0]
    cohort, _ = hr.create_cohort(db, org, name="Autumn", now=utcnow())
    csv = "name,email,language\nLinh,linh@acme.test,vi\nWang,wang@acme.test,zh-Hans\nAna,ana@acme.test,en\n"
    people.apply(db, org, csv.encode(), "p.csv", utcnow())
    return org, cohort.id, owner.id


def run_worker(app: Any, server: SmtpServer) -> int:
    config = mail.SmtpConfig("127.0.0.1", server.port, starttls=False, sender="Acme HR <hr@acme.test>", timeout=10)
    handlers = {invitations.KIND: invitation_mail.handler(app.state.db, "http://testserver", lambda: config)}
    return jobs.Worker(app.state.db, handlers).run(threading.Event(), until_idle=True)


def test_bulk_send_mails_each_person_once_in_their_language_and_the_link_opens_the_consent_page(app: Any) -> None:
    db = app.state.db
    org, cohort, owner = setup_org(app)
    preview = invitations.plan(db, org, cohort, utcnow())
    assert sorted(p.email for p in preview.recipients) == ["ana@acme.test", "linh@acme.test", "wang@acme.test"]
    assert invitations.send(db, org, cohort, owner, utcnow()) == 3
    assert invitations.send(db, org, cohort, owner, utcnow()) == 0  # nobody is invited twice
    with db.read() as session:  # no readable token anywhere in the queue
        payloads = [j.payload for j in session.exec(select(Job))]
    assert all(set(p) == {"personal_invitation_id"} for p in payloads)
    assert {r.state for r in invitations.status(db, org, cohort, utcnow())} == {"queued"}

    with SmtpServer() as server:
        assert run_worker(app, server) == 3
        got = {m.rcpt_tos[0]: m.message for m in server.messages}
    assert sorted(got) == ["ana@acme.test", "linh@acme.test", "wang@acme.test"]
    linh = got["linh@acme.test"]
    assert "Acme" in linh["Subject"] and "mời" in linh["Subject"]
    # List-Unsubscribe: the stop-reminders link (one-click POST over https, RFC 8058; tests/app/test_reminders.py)
    assert linh["Reply-To"] == "owner@acme.test"
    assert linh["List-Unsubscribe"].strip().startswith("<http://testserver/stop/")
    body = linh.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    link = LINK.search(body)
    assert link is not None and link.group(1).endswith("?lang=vi")
    token = link.group(1).split("/join/")[1].split("?")[0]
    with db.read() as session:
        assert session.exec(select(Invitation).where(Invitation.token_hash == hash_token(token))).first() is not None
    assert {r.state for r in invitations.status(db, org, cohort, utcnow())} == {"sent"}

    page = Browser(app, lang="en").get(link.group(1))
    assert page.status_code == 200 and 'lang="vi"' in page.text and "Acme" in page.text
    wang = LINK.search(got["wang@acme.test"].get_body(("plain",)).get_content())  # type: ignore[union-attr]
    assert wang is not None and 'lang="zh-Hans"' in Browser(app).get(wang.group(1)).text


def test_revoked_before_sending_sends_nothing_and_after_sending_the_link_is_dead(app: Any) -> None:
    db = app.state.db
    org, cohort, owner = setup_org(app)
    invitations.send(
        db, org, cohort, owner, utcnow(), person_ids=[p.id for p in people.list_people(db, org).people][:2]
    )
    rows = invitations.status(db, org, cohort, utcnow())
    assert invitations.revoke(db, org, rows[0].id, utcnow())
    assert not invitations.revoke(db, "someone-else", rows[1].id, utcnow())  # other organisations: not found
    with SmtpServer() as server:
        run_worker(app, server)
        assert len(server.messages) == 1
        body = server.messages[0].message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    link = LINK.search(body)
    assert link is not None
    assert Browser(app).get(link.group(1)).status_code == 200
    states = {r.email: r.state for r in invitations.status(db, org, cohort, utcnow())}
    assert sorted(states.values()) == ["revoked", "sent"]
    sent = next(r for r in invitations.status(db, org, cohort, utcnow()) if r.state == "sent")
    invitations.revoke(db, org, sent.id, utcnow())
    assert Browser(app).get(link.group(1)).status_code == 404


def test_links_expire_and_work_without_smtp_for_hr_to_copy(app: Any) -> None:
    db = app.state.db
    org, cohort, owner = setup_org(app)
    made = invitations.create_links(db, org, cohort, owner, utcnow(), "http://testserver")
    assert len(made) == 3 and all(m.link.endswith(f"?lang={m.person.lang}") for m in made)
    path = made[0].link.removeprefix("http://testserver")
    assert Browser(app).get(path).status_code == 200
    assert {r.state for r in invitations.status(db, org, cohort, utcnow())} == {"link"}
    app.state.clock = lambda: utcnow() + timedelta(days=invitations.VALID_DAYS, minutes=1)
    assert Browser(app).get(path).status_code == 404
    assert {r.state for r in invitations.status(db, org, cohort, app.state.clock())} == {"expired"}


def test_a_refused_address_is_shown_to_hr_as_failed_with_the_reason(app: Any) -> None:
    db = app.state.db
    org, cohort, owner = setup_org(app)
    invitations.send(db, org, cohort, owner, utcnow())
    with SmtpServer() as server:
        server.recorder.refuse["wang@acme.test"] = "550 5.1.1 No such user"
        run_worker(app, server)
        assert len(server.messages) == 2
    wang = next(r for r in invitations.status(db, org, cohort, utcnow()) if r.email == "wang@acme.test")
    assert wang.state == "failed" and "550 5.1.1 No such user" in (wang.error or "")


def test_hr_sees_the_failed_delivery_and_tries_again(app: Any) -> None:
    db = app.state.db
    org, cohort, owner = setup_org(app)
    invitations.send(db, org, cohort, owner, utcnow())
    hr_user = signed_in(app, "owner@acme.test")
    with SmtpServer() as server:
        server.recorder.refuse["wang@acme.test"] = "550 5.1.1 No such user"
        run_worker(app, server)
        page = hr_user.get(f"/hr/cohorts/{cohort}/personal").text
        assert "not delivered" in page and "550 5.1.1 No such user" in page and "Try again" in page
        wang = next(r for r in invitations.status(db, org, cohort, utcnow()) if r.email == "wang@acme.test")
        linh = next(r for r in invitations.status(db, org, cohort, utcnow()) if r.email == "linh@acme.test")
        # only a failed mail is retried; analysts and other organisations can't
        assert hr_user.post(f"/hr/personal-invitations/{linh.id}/retry").status_code == 303
        assert hr_user.post("/hr/personal-invitations/no-such-one/retry").status_code == 404
        del server.recorder.refuse["wang@acme.test"]  # the address was fixed on the other side
        assert hr_user.post(f"/hr/personal-invitations/{wang.id}/retry").status_code == 303
        assert run_worker(app, server) == 1
        assert [m.rcpt_tos for m in server.messages].count(["wang@acme.test"]) == 1
        assert len(server.messages) == 3
    assert {r.state for r in invitations.status(db, org, cohort, utcnow())} == {"sent"}


def test_a_sent_invitation_still_says_sent_after_its_job_is_pruned(app: Any) -> None:
    db = app.state.db
    org, cohort, owner = setup_org(app)
    assert invitations.send(db, org, cohort, owner, utcnow()) == 3
    with SmtpServer() as server:
        assert run_worker(app, server) == 3
    assert {r.state for r in invitations.status(db, org, cohort, utcnow())} == {"sent"}
    with db.write() as session:  # the mails went out eight days ago
        session.execute(update(Job).values(finished_at=utcnow() - timedelta(days=8)))
    assert jobs.prune(db, utcnow() - timedelta(days=7)) == 3
    with db.read() as session:
        assert list(session.exec(select(Job))) == []
    assert {r.state for r in invitations.status(db, org, cohort, utcnow())} == {"sent"}  # not "link copied"
    page = signed_in(app, "owner@acme.test").get(f"/hr/cohorts/{cohort}/personal")
    assert page.status_code == 200
    assert page.text.count(">sent") + len(re.findall(r"<td>\s*sent\s*$", page.text, re.M)) >= 3
    assert "link copied by HR" not in page.text
