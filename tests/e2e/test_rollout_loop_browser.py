"""The whole HR rollout loop in a real browser against a real SMTP server (aiosmtpd on 127.0.0.1):
import people, send personal invitations, the mail arrives, its link opens the consent page in the person's
language, a reminder is sent, finishing stops the next one, and the other person stops theirs with the
mail's stop link. The worker is the one ``rolefit worker`` runs (its handlers and ticks from app/cli.py).

With ``ROLEFIT_SCREENSHOTS=docs/img`` it also saves the funnel pages at 390 and 1280 px in three languages.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from app import auth, jobs
from app.cli import _job_handlers
from app.models import utcnow
from app.services import digest, reminders
from tests.app.smtp_server import SmtpServer
from tests.e2e.journeys import BANK, answer_with_mouse, finish
from tests.e2e.server import live_app

PASSWORD = "correct horse battery staple"
LINK = re.compile(r"(http://127\.0\.0\.1:\d+/(?:join|stop)/[A-Za-z0-9_\-]+\?lang=[A-Za-z\-]+)")


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def mail_on(smtp: SmtpServer, base_url: str) -> Iterator[None]:
    """The session's live server sends mail to the local SMTP server, with links to itself, for this test."""
    settings = live_app().state.settings
    before = (settings.smtp_host, settings.smtp_port, settings.smtp_starttls, settings.base_url)
    settings.smtp_host, settings.smtp_port, settings.smtp_starttls = "127.0.0.1", smtp.port, False
    settings.base_url = base_url
    yield
    settings.smtp_host, settings.smtp_port, settings.smtp_starttls, settings.base_url = before


def run_worker(now: Any = None) -> int:
    """One pass of a real worker: the due reminders and digests (at ``now``), then every queued job."""
    app = live_app()
    db, settings = app.state.db, app.state.settings
    if now is not None:
        reminders.schedule_due(db, now)
        digest.schedule_due(db, now)
    return jobs.Worker(db, _job_handlers(settings, db)).run(threading.Event(), until_idle=True)


def mails_to(server: SmtpServer, address: str) -> list[Any]:
    return [m.message for m in server.messages if m.rcpt_tos == [address]]


def body(message: Any) -> str:
    return str(message.get_body(("plain",)).get_content())


def links(message: Any) -> list[str]:
    return LINK.findall(body(message))


def sign_in(page: Page) -> str:  # returns the organisation's id
    db = live_app().state.db
    email = f"owner-{utcnow().timestamp():.0f}@e2e.test"
    org, invited = auth.create_org(db, "Acme", email, utcnow())
    auth.set_password(db, invited.token, PASSWORD, utcnow())
    page.goto("/hr/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("form[action='/hr/login'] button").click()
    page.wait_for_url("**/hr")
    return org.id


@pytest.mark.usefixtures("mail_on")
def test_import_invite_mail_consent_reminder_finish_and_stop(page: Page, browser: Browser, smtp: SmtpServer) -> None:
    org = sign_in(page)
    # a cohort, with reminders on days 1 and 2
    page.fill("#name", "Autumn pilot")
    page.locator("form[action='/hr/cohorts'] button").click()
    page.wait_for_url("**/hr/cohorts/*")
    cohort_url = page.url
    page.get_by_role("link", name="Funnel and reminders").click()
    page.fill("#days", "2, 1")  # not increasing: refused, in words
    page.locator("form[action$='/reminders'] button").click()
    expect(page.locator("[role=alert]")).to_contain_text("each later than the one before")
    page.fill("#days", "1, 2")
    page.locator("form[action$='/reminders'] button").click()
    expect(page.locator("#days")).to_have_value("1, 2")
    # import two people (pasted CSV), previewed, then confirmed by the staged id
    page.goto("/hr/people")
    page.fill("#content", "name,email,language\nLinh Nguyen,linh@acme.test,vi\nWang Fang,wang@acme.test,zh-Hans\n")
    page.locator("form[action='/hr/people/import'] button").click()
    expect(page.locator("form[action='/hr/people/import/apply'] input[name=staged]")).to_have_count(1)
    page.locator("form[action='/hr/people/import/apply'] button[type=submit]").click()
    page.wait_for_url("**/hr/people?imported=2")
    # personal invitations: preview, send; the worker delivers them
    page.goto(cohort_url + "/personal")
    page.locator("form[action$='/personal/preview'] button").click()
    expect(page.locator("#plan-title")).to_be_visible()
    page.locator("form[action$='/personal/send'] button").click()
    page.wait_for_url("**/personal?queued=2")
    sent_at = utcnow()
    assert run_worker() == 2
    page.reload()
    expect(page.locator("tbody")).to_contain_text("sent")
    [invite_linh] = mails_to(smtp, "linh@acme.test")
    [invite_wang] = mails_to(smtp, "wang@acme.test")
    assert invite_linh["Content-Language"] == "vi" and invite_wang["Content-Language"] == "zh-Hans"

    # day 1: both get a reminder
    assert run_worker(sent_at + timedelta(days=1, minutes=1)) == 2
    [_, reminder_linh] = mails_to(smtp, "linh@acme.test")
    assert "Nhắc" in reminder_linh["Subject"]
    join, stop = links(reminder_linh)
    assert "/join/" in join and join.endswith("?lang=vi") and "/stop/" in stop
    # Linh opens the reminder's link in an English browser: the consent page is in Vietnamese
    other = browser.new_context(locale="en-GB", extra_http_headers={"Accept-Language": "en"})
    linh = other.new_page()
    linh.goto(join)
    expect(linh.locator("html")).to_have_attribute("lang", "vi")
    expect(linh.locator("body")).to_contain_text("Acme")
    linh.locator("input[name=visibility][value=identified]").check()
    linh.fill("#display_name", "Linh Nguyen")
    linh.locator("input[name=current_role][value=pm]").check()
    linh.locator("input[name=consent]").check()
    linh.locator("form[action^='/join/'] button[type=submit]").click()
    linh.wait_for_url("**/quiz/1")
    answer_with_mouse(linh, "am")
    finish(linh)
    other.close()

    # day 2: Linh finished, so only Wang is reminded; Wang stops reminders from the mail
    assert run_worker(sent_at + timedelta(days=2, minutes=1)) == 1
    assert len(mails_to(smtp, "linh@acme.test")) == 2
    reminders_wang = mails_to(smtp, "wang@acme.test")[1:]
    assert len(reminders_wang) == 2
    stop_wang = links(reminders_wang[-1])[-1]
    zh = browser.new_context(locale="zh-CN")
    wang = zh.new_page()
    wang.goto(stop_wang)
    expect(wang.locator("html")).to_have_attribute("lang", "zh-Hans")
    wang.locator("form[action^='/stop/'] button").click()
    expect(wang.locator("[role=status]")).to_contain_text("Acme")
    zh.close()
    assert run_worker(sent_at + timedelta(days=9)) == 0
    assert len(smtp.messages) == 5  # 2 invitations + 2 + 1 reminders, each once

    # HR's funnel: 2 invited, 1 opened, 1 started, 1 finished
    page.goto(cohort_url + "/funnel")
    rows = {
        r.locator("th").inner_text(): r.locator("td").inner_text()
        for r in page.locator("table").first.locator("tbody tr").all()
    }
    assert rows == {"Invited": "2", "Opened the link": "1", "Started": "1", "Finished": "1", "Withdrawn": "0"}

    if target := os.environ.get("ROLEFIT_SCREENSHOTS"):
        screenshots(browser, Path(target), org, page)


def screenshots(browser: Browser, target: Path, org: str, signed_in: Page) -> None:
    """The funnel pages in three languages at 390 and 1280 px (the HR session's cookies are reused), after a
    second, larger cohort: 40 invited, 31 opened, 26 joined (simulated answers), 2 withdrew."""
    import random

    from sqlmodel import col, select

    from app.models import Participation, PersonalInvitation
    from app.services import hr, invitations, people
    from app.services.demo import add_simulated

    db = live_app().state.db
    cohort, _ = hr.create_cohort(db, org, name="Spring 2027", now=utcnow())
    rows = "".join(f"Person {n},p{n}@acme.test,{('en', 'vi', 'zh-Hans')[n % 3]}\n" for n in range(40))
    people.apply(db, org, f"name,email,language\n{rows}".encode(), "p.csv", utcnow())
    owner = auth.users_of(db, org)[0].id
    invitations.create_links(db, org, cohort.id, owner, utcnow(), "http://127.0.0.1")
    with db.read() as session:
        opened = list(
            session.exec(select(PersonalInvitation.invitation_id).where(col(PersonalInvitation.cohort_id) == cohort.id))
        )
    for invitation_id in opened[:31]:
        invitations.mark_opened(db, invitation_id, utcnow())
    reminders.set_schedule(db, org, cohort.id, "3, 7")
    add_simulated(db, BANK, org, cohort.id, n=26, rng=random.Random(7), now=utcnow())
    with db.read() as session:
        leaving = list(session.exec(select(Participation).where(col(Participation.cohort_id) == cohort.id).limit(2)))
    for row in leaving:
        hr.withdraw(db, row.assessment_id, row.id)
    target.mkdir(parents=True, exist_ok=True)
    cookies = signed_in.context.cookies()
    base = signed_in.url.split("/hr/")[0]
    for path, name in (("/hr/funnel", "funnel"), (f"/hr/cohorts/{cohort.id}/funnel", "funnel-cohort")):
        for lang in ("en", "zh-Hans", "vi"):
            for width in (390, 1280):
                context = browser.new_context(
                    viewport={"width": width, "height": 900}, extra_http_headers={"Accept-Language": lang}
                )
                context.add_cookies(cookies)
                shot = context.new_page()
                shot.goto(f"{base}{path}?lang={lang}")
                shot.screenshot(path=str(target / f"{name}-{lang}-{width}.png"), full_page=True)
                context.close()
