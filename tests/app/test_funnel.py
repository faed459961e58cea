"""The funnel (invited / opened / started / finished / withdrawn, identified vs aggregate-only, small groups
hidden, no differencing between a cohort and the organisation) and the HR digest of completions (daily at
most, names of identified people only, to those who asked), sent to a real SMTP server. SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from sqlmodel import select

from app import jobs, mail
from app.mail import digest as digest_mail
from app.models import Cohort, DigestRun, utcnow
from app.services import digest, funnel, hr, invitations, people
from scoring.model import Bank
from tests.app.conftest import Browser
from tests.app.smtp_server import SmtpServer
from tests.app.test_hr import make_org, signed_in, take_part


def test_funnel_counts_each_stage_and_hides_small_groups(app: Any, bank: Bank) -> None:
    db = app.state.db
    org, email = make_org(app)
    owner_id = hr_owner(app, org)
    cohort, _ = hr.create_cohort(db, org, name="Autumn", now=utcnow())
    rows = "".join(f"P{i},p{i}@acme.test,en\n" for i in range(8))
    people.apply(db, org, f"name,email,language\n{rows}".encode(), "p.csv", utcnow())
    links = invitations.create_links(db, org, cohort.id, owner_id, utcnow(), "http://testserver")
    assert len(links) == 8
    paths = [made.link.removeprefix("http://testserver").split("?")[0] for made in links]
    for path in paths[:7]:  # seven open their link, one of them twice
        assert Browser(app).get(path).status_code == 200
    assert Browser(app).get(paths[0]).status_code == 200
    takers = [take_part(app, bank, path, "identified", f"P{i}") for i, path in enumerate(paths[:5])]
    take_part(app, bank, paths[5], "aggregate", "")
    # one identified person withdraws
    result_url = takers[0].post("/quiz/finish").headers["location"]
    pid = takers[0].get(result_url).text.split("/withdraw/")[1].split('"')[0]
    assert takers[0].post(f"{result_url}/withdraw/{pid}").status_code == 303

    f = funnel.of_cohort(db, org, cohort.id)
    assert f is not None
    assert dict(f.stages) == {"invited": 8, "opened": 7, "started": 6, "finished": 5, "withdrawn": 1}
    # 4 identified and 1 aggregate-only: the 1 is hidden, and so are the 4 (else 5 - 4 = 1)
    assert (f.in_cohort, f.done) == (funnel.Split(None, None), funnel.Split(None, None))
    assert funnel.of_cohort(db, "another-org", cohort.id) is None

    browser = signed_in(app, email)
    page = browser.get(f"/hr/cohorts/{cohort.id}/funnel").text
    assert "Opened the link" in page and "fewer than 5" in page and "<svg" in page
    assert browser.get("/hr/funnel").status_code == 200
    zh = browser.get(f"/hr/cohorts/{cohort.id}/funnel", headers={"accept-language": "zh-Hans"})
    assert "打开了链接" in zh.text


def hr_owner(app: Any, org: str) -> str:
    from app import auth

    return str(auth.users_of(app.state.db, org)[0].id)


def test_the_organisations_split_cannot_be_differenced_against_its_cohorts(app: Any) -> None:
    db = app.state.db
    org, _ = make_org(app)
    a, _ = hr.create_cohort(db, org, name="A", now=utcnow())
    b, _ = hr.create_cohort(db, org, name="B", now=utcnow())
    with db.write() as session:  # the counters as the triggers would keep them
        for cohort, n, ident in ((a.id, 13, 10), (b.id, 30, 20)):
            row = session.get(Cohort, cohort)
            assert row is not None
            row.participants = row.finished = n
            row.identified = row.identified_finished = ident
    total, rows = funnel.of_organisation(db, org)
    by_name = {r.name: r for r in rows}
    assert by_name["A"].done == funnel.Split(None, None)  # 3 aggregate-only: hidden, and the 10 with them
    assert by_name["B"].done == funnel.Split(20, 10)
    # the organisation's 30 / 13 minus B's 20 / 10 would give A's 3: hidden too
    assert total.finished == 43 and total.done == funnel.Split(None, None)
    with db.write() as session:
        row = session.get(Cohort, a.id)
        assert row is not None
        row.participants = row.finished = 17  # A: 10 identified, 7 aggregate-only: nothing to hide
    total, _ = funnel.of_organisation(db, org)
    assert total.done == funnel.Split(30, 17)


def run_digest(app: Any, server: SmtpServer) -> int:
    config = mail.SmtpConfig("127.0.0.1", server.port, starttls=False, sender="rolefit <hr@acme.test>", timeout=10)
    handlers = {digest.KIND: digest_mail.handler(app.state.db, "http://testserver", lambda: config)}
    return jobs.Worker(app.state.db, handlers).run(threading.Event(), until_idle=True)


def test_digest_daily_at_most_names_only_identified_people_and_only_to_those_who_asked(app: Any, bank: Bank) -> None:
    db = app.state.db
    org, email = make_org(app)
    owner = signed_in(app, email)
    _cohort, invitation = hr.create_cohort(db, org, name="Autumn", now=utcnow())
    t0 = utcnow()
    assert owner.post("/hr/digest", {"on": "yes"}).status_code == 303
    assert "Stop my digest" in owner.get("/hr/funnel").text
    assert digest.schedule_due(db, t0 + timedelta(minutes=1)) == 0  # nothing finished yet: no mail
    take_part(app, bank, f"/join/{invitation.token}", "identified", "Lan Tran")
    take_part(app, bank, f"/join/{invitation.token}", "aggregate", "Hidden Person")
    later = utcnow() + timedelta(minutes=5)
    assert digest.schedule_due(db, later) == 1
    assert digest.schedule_due(db, later + timedelta(hours=1)) == 0  # daily at most
    with SmtpServer() as server:
        assert run_digest(app, server) == 1
        [got] = server.messages
    assert got.rcpt_tos == [email]
    body = got.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Autumn" in body and "Lan Tran" in body and "Hidden Person" not in body
    assert "1 chose to be counted without their name" in body
    assert not any(word in body.lower() for word in ("readiness", "recommend", "score"))  # no results
    # the next day covers from where the last one ended; the owner turns it off
    with db.read() as session:
        [run] = session.exec(select(DigestRun))
    assert run.until == later
    assert owner.post("/hr/digest", {}).status_code == 303
    assert not digest.subscribed(db, hr_owner(app, org))
    take_part(app, bank, f"/join/{invitation.token}", "identified", "Mai")
    assert digest.schedule_due(db, later + timedelta(days=1)) == 0
