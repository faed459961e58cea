"""Webhooks against a real receiver: a small HTTP server on 127.0.0.1 that verifies every request with
``standardwebhooks.Webhook.verify``, the app's own job runner delivering, on SQLite and PostgreSQL.

Each event arrives once with a valid signature; a replay sends it again with the same webhook-id; a receiver
answering 500 gets the same message again after the backoff; aggregate-only participants are sent without id
or result; the SSRF guard refuses loopback and private targets unless the setting allows them.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import standardwebhooks
from sqlalchemy import update
from sqlmodel import select

from app import jobs
from app.config import Settings
from app.db import Database
from app.models import Cohort, Participation, Webhook, WebhookDelivery, utcnow
from app.services import hr, retention, webhooks
from scoring.model import Bank
from tests.app.conftest import Browser
from tests.app.test_hr import join_link, make_org, signed_in, take_part

EVENTS = list(webhooks.EVENTS)


@dataclass
class Received:
    id: str
    event: str
    data: dict[str, Any]
    valid: bool


@dataclass
class Receiver:
    url: str
    secret: str = ""
    statuses: list[int] = field(default_factory=list)  # answers to give, in order; then 200
    got: list[Received] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            try:
                payload = standardwebhooks.Webhook(state.secret).verify(body, dict(self.headers.items()))
                valid = True
            except standardwebhooks.WebhookVerificationError:
                payload, valid = json.loads(body), False
            state.got.append(Received(self.headers["webhook-id"], payload["type"], payload["data"], valid))
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/rolefit"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, webhook_allow_private=True)  # the receiver is on 127.0.0.1


def deliver_all(app: Any) -> int:
    worker = jobs.Worker(app.state.db, {webhooks.JOB: webhooks.handler(True, 5.0)}, retry_base=0)
    n = 0
    while worker.run_once():
        n += 1
    return n


def subscribe(owner: Browser, receiver: Receiver) -> None:
    page = owner.post("/hr/webhooks", {"url": receiver.url, "events": EVENTS})
    assert page.status_code == 200, page.text[:500]
    receiver.secret = page.text.split('id="new-secret"')[1].split(">", 1)[1].split("<", 1)[0]
    assert receiver.secret.startswith("whsec_")
    assert receiver.secret not in owner.get("/hr/webhooks").text  # shown once
    with owner.client.app.state.db.read() as session:  # type: ignore[attr-defined] # stored sealed with the data key, never as it is
        stored = [hook.signing_key for hook in session.exec(select(Webhook))]
    assert stored and all(key.startswith("fernet:") and receiver.secret not in key for key in stored)


def test_each_event_arrives_once_signed_and_a_replay_sends_it_again(app: Any, bank: Bank, receiver: Receiver) -> None:
    org_id, email = make_org(app)
    owner = signed_in(app, email)
    subscribe(owner, receiver)
    cohort_id, path = join_link(app, org_id)
    lan = take_part(app, bank, path, "identified", name="Lan Tran")
    take_part(app, bank, path, "aggregate", name="")
    with app.state.db.read() as session:
        mine = session.exec(select(Participation).where(Participation.display_name == "Lan Tran")).one()
    assert deliver_all(app) == 2  # the two completions
    assert lan.post(f"/result/{mine.assessment_id}/withdraw/{mine.id}").status_code == 303
    assert owner.post(f"/hr/cohorts/{cohort_id}/close").status_code == 303
    assert deliver_all(app) == 2  # the withdrawal and the closing
    assert all(r.valid for r in receiver.got)
    assert sorted(r.event for r in receiver.got) == sorted([*EVENTS, "participation.completed"])
    assert len({r.id for r in receiver.got}) == 4  # each event once
    completed = [r.data for r in receiver.got if r.event == "participation.completed"]
    identified = next(d for d in completed if d["visibility"] == "identified")
    anonymous = next(d for d in completed if d["visibility"] == "aggregate")
    assert identified["participation_id"] == mine.id and identified["recommendation"] in ("AM", "PM", "HYBRID")
    assert anonymous == {"cohort_id": cohort_id, "visibility": "aggregate"}  # no id, no result
    closed = next(r for r in receiver.got if r.event == "cohort.closed")
    assert closed.data["cohort_id"] == cohort_id
    log = owner.get("/hr/webhooks").text
    # Lan withdrew: the delivery that carried her result left the log with her (3 left: theirs, withdrawn, closed)
    assert log.count(">delivered<") == 3 and closed.id in log
    with app.state.db.read() as session:
        kept = session.exec(select(WebhookDelivery)).all()
    assert [d.event for d in kept if d.participation_id == mine.id] == ["participation.withdrawn"]
    assert not any("recommendation" in d.payload["data"] for d in kept if d.payload["data"].get("participation_id"))

    assert owner.post(f"/hr/webhooks/deliveries/{closed.id}/replay").status_code == 303
    assert deliver_all(app) == 1
    again = receiver.got[-1]
    assert (again.id, again.event, again.valid) == (closed.id, "cohort.closed", True)
    assert len(receiver.got) == 5


def test_a_withdrawal_before_delivery_sends_no_result(app: Any, bank: Bank, receiver: Receiver) -> None:
    """A completion still queued when the person withdraws is never sent: only the withdrawal (an id) goes."""
    org_id, email = make_org(app)
    subscribe(signed_in(app, email), receiver)
    _, path = join_link(app, org_id)
    lan = take_part(app, bank, path, "identified", name="Lan Tran")
    with app.state.db.read() as session:
        mine = session.exec(select(Participation)).one()
    assert lan.post(f"/result/{mine.assessment_id}/withdraw/{mine.id}").status_code == 303
    assert deliver_all(app) == 2  # the completion's job finds nothing to send; the withdrawal is sent
    assert [(r.event, r.valid) for r in receiver.got] == [("participation.withdrawn", True)]
    assert receiver.got[0].data["participation_id"] == mine.id and "recommendation" not in receiver.got[0].data


def test_a_receiver_answering_500_gets_the_message_again(app: Any, receiver: Receiver) -> None:
    org_id, email = make_org(app)
    owner = signed_in(app, email)
    subscribe(owner, receiver)
    cohort_id, _ = join_link(app, org_id)
    receiver.statuses = [500]
    assert owner.post(f"/hr/cohorts/{cohort_id}/close").status_code == 303
    worker = jobs.Worker(app.state.db, {webhooks.JOB: webhooks.handler(True, 5.0)}, retry_base=0)
    assert worker.run_once()
    with app.state.db.read() as session:
        first = session.exec(select(WebhookDelivery)).one()
    assert (first.status, first.attempts, first.response_code) == ("retrying", 1, 500)
    assert "retrying" in owner.get("/hr/webhooks").text
    assert worker.run_once()  # the retry (no wait with a zero backoff base)
    with app.state.db.read() as session:
        done = session.exec(select(WebhookDelivery)).one()
    assert (done.status, done.attempts, done.response_code) == ("delivered", 2, 200)
    assert [r.id for r in receiver.got] == [first.id, first.id] and all(r.valid for r in receiver.got)


def test_the_ssrf_guard_refuses_loopback_and_private_targets(app: Any, receiver: Receiver) -> None:
    for url in (receiver.url, "https://127.0.0.1/h", "https://10.1.2.3/h", "https://[::1]/h", "https://169.254.169.254/",
                "ftp://example.test/", "https://user:pw@93.184.215.14/"):  # fmt: skip
        with pytest.raises(webhooks.WebhookError):
            webhooks.check_url(url, allow_private=False)
    assert webhooks.check_url("https://93.184.215.14/hook", allow_private=False)
    # a subscription made while allowed is refused at delivery once the setting is off (nothing is sent)
    org_id, _ = make_org(app)
    now = app.state.clock()
    webhooks.subscribe(app.state.db, org_id, "t", receiver.url, ["cohort.closed"], now, allow_private=True)
    cohort_id, _ = join_link(app, org_id)
    retention.close(app.state.db, org_id, "t", cohort_id, app.state.clock())
    strict = jobs.Worker(app.state.db, {webhooks.JOB: webhooks.handler(False, 5.0)}, retry_base=0)
    assert strict.run_once()
    assert receiver.got == []
    with app.state.db.read() as session:
        row = session.exec(select(WebhookDelivery)).one()
    assert row.status == "retrying" and row.last_error and "WebhookError" in row.last_error


def test_an_owner_without_the_setting_cannot_subscribe_a_loopback_address(receiver: Receiver, db_url: str) -> None:
    from app.main import create_app

    strict = create_app(Settings(database_url=db_url))
    try:
        org_id, email = make_org(strict)
        owner = signed_in(strict, email)
        page = owner.post("/hr/webhooks", {"url": receiver.url, "events": EVENTS})
        assert page.status_code == 422 and "https://" in page.text
        assert webhooks.list_webhooks(strict.state.db, org_id) == []
    finally:
        strict.state.db.dispose()


# --- cohort.closed by the closing date, once; the delivery log pruned by age -----------------------------


def test_a_cohort_closing_by_its_date_is_announced_once_and_a_manual_close_once(app: Any, receiver: Receiver) -> None:
    org_id, email = make_org(app)
    owner = signed_in(app, email)
    subscribe(owner, receiver)
    now = utcnow()
    dated, _ = hr.create_cohort(app.state.db, org_id, name="Dated", closes_at=now + timedelta(hours=1), now=now)
    by_hand, _ = hr.create_cohort(app.state.db, org_id, name="By hand", now=now)
    assert retention.announce_closed(app.state.db, now) == 0  # nothing closed yet
    assert owner.post(f"/hr/cohorts/{by_hand.id}/close").status_code == 303
    later = now + timedelta(hours=2)
    assert retention.announce_closed(app.state.db, later) == 1  # the dated one; the manual one is announced
    assert retention.announce_closed(app.state.db, later + timedelta(minutes=1)) == 0
    assert owner.post(f"/hr/cohorts/{dated.id}/close").status_code == 303  # closed already: no second event
    assert owner.post(f"/hr/cohorts/{by_hand.id}/close").status_code == 303
    assert deliver_all(app) == 2
    got = {r.data["cohort_id"]: r for r in receiver.got}
    assert sorted(got) == sorted([dated.id, by_hand.id]) and len(receiver.got) == 2
    assert all(r.event == "cohort.closed" and r.valid for r in receiver.got)
    assert got[dated.id].data["closed_by"] == "date" and got[by_hand.id].data["closed_by"] == "hand"
    assert got[dated.id].data["closed_at"].startswith((now + timedelta(hours=1)).isoformat()[:16])
    with app.state.db.read() as session:
        marks = {c.id: c.closed_announced_at for c in session.exec(select(Cohort))}
    assert all(marks.values())


def test_archiving_an_open_cohort_announces_it_once(app: Any, receiver: Receiver) -> None:
    org_id, email = make_org(app)
    owner = signed_in(app, email)
    subscribe(owner, receiver)
    cohort_id, _ = join_link(app, org_id)
    assert retention.archive(app.state.db, org_id, "t", cohort_id, utcnow())
    assert retention.announce_closed(app.state.db, utcnow() + timedelta(days=1)) == 0
    assert deliver_all(app) == 1
    assert [(r.event, r.data["cohort_id"], r.data["closed_by"]) for r in receiver.got] == [
        ("cohort.closed", cohort_id, "hand")
    ]


def test_two_workers_scanning_at_once_announce_each_cohort_once(app: Any, db_url: str) -> None:
    """Two workers (each its own Database, as two processes would have) scan together, again and again,
    while HR closes some of the cohorts by hand: every cohort gets exactly one event."""
    org_id, _ = make_org(app)
    now = utcnow()
    webhooks.subscribe(app.state.db, org_id, "t", "http://127.0.0.1:9/h", ["cohort.closed"], now, allow_private=True)
    ids = [
        hr.create_cohort(app.state.db, org_id, name=f"C{n}", closes_at=now + timedelta(minutes=1), now=now)[0].id
        for n in range(30)
    ]
    later = now + timedelta(minutes=2)
    workers = [Database(db_url), Database(db_url)]
    start = threading.Barrier(3)
    counts: list[int] = []
    errors: list[BaseException] = []

    def scan(db: Database) -> None:
        try:
            start.wait()
            for _ in range(5):
                counts.append(retention.announce_closed(db, later, batch=7))
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=scan, args=(db,)) for db in workers]
    for thread in threads:
        thread.start()
    start.wait()
    for cohort_id in ids[::3]:  # HR closes some meanwhile (closed already by date: no event of its own)
        retention.close(app.state.db, org_id, "t", cohort_id, later)
    for thread in threads:
        thread.join()
    for db in workers:
        db.dispose()
    assert errors == []
    assert sum(counts) == len(ids)
    with app.state.db.read() as session:
        events = [d.payload["data"]["cohort_id"] for d in session.exec(select(WebhookDelivery))]
        queued = session.exec(jobs_table_count()).one()
    assert sorted(events) == sorted(ids)  # each cohort exactly once
    assert queued == len(ids)


def jobs_table_count() -> Any:
    from sqlalchemy import func

    from app.models import Job

    return select(func.count()).select_from(Job).where(Job.kind == webhooks.JOB)


def test_a_manual_close_racing_the_scan_still_sends_one_event(app: Any, db_url: str) -> None:
    """HR closes open cohorts by hand at the very moment a worker's scan (its clock a little ahead) runs."""
    org_id, _ = make_org(app)
    now = utcnow()
    webhooks.subscribe(app.state.db, org_id, "t", "http://127.0.0.1:9/h", ["cohort.closed"], now, allow_private=True)
    ids = [
        hr.create_cohort(app.state.db, org_id, name=f"C{n}", closes_at=now + timedelta(minutes=1), now=now)[0].id
        for n in range(20)
    ]
    worker = Database(db_url)
    start = threading.Barrier(2)
    closed_at = now + timedelta(seconds=59)  # HR's clock: the cohorts are still open
    scan_at = now + timedelta(minutes=2)  # the worker's clock: they closed by date

    def scan() -> None:
        start.wait()
        for _ in range(4):
            retention.announce_closed(worker, scan_at, batch=3)

    thread = threading.Thread(target=scan)
    thread.start()
    start.wait()
    for cohort_id in ids:
        retention.close(app.state.db, org_id, "t", cohort_id, closed_at)
    thread.join()
    retention.announce_closed(worker, scan_at)
    worker.dispose()
    with app.state.db.read() as session:
        events = [d.payload["data"]["cohort_id"] for d in session.exec(select(WebhookDelivery))]
    assert sorted(events) == sorted(ids)


def test_the_delivery_log_keeps_its_window_old_deliveries_go_recent_stay(app: Any, receiver: Receiver) -> None:
    org_id, email = make_org(app)
    owner = signed_in(app, email)
    subscribe(owner, receiver)
    cohorts = [join_link(app, org_id)[0] for _ in range(3)]
    for cohort_id in cohorts:
        assert owner.post(f"/hr/cohorts/{cohort_id}/close").status_code == 303
    assert deliver_all(app) == 3
    now = utcnow()
    with app.state.db.read() as session:
        rows = {d.payload["data"]["cohort_id"]: d.id for d in session.exec(select(WebhookDelivery))}
    old, edge, recent = (rows[c] for c in cohorts)
    with app.state.db.write() as session:
        for delivery_id, age in ((old, timedelta(days=91)), (edge, timedelta(days=89))):
            session.execute(
                update(WebhookDelivery).where(WebhookDelivery.id == delivery_id).values(created_at=now - age)
            )
    # the daily retention job does it (with its setting), like the worker runs it
    retention.schedule(app.state.db, now)
    worker = jobs.Worker(app.state.db, {retention.KIND: retention.job_handler(app.state.db, webhook_log_days=90)})
    assert worker.run_once()
    with app.state.db.read() as session:
        kept = {d.id for d in session.exec(select(WebhookDelivery))}
    assert kept == {edge, recent}
    log = owner.get("/hr/webhooks").text
    assert old not in log and edge in log and recent in log
    assert "each is kept for 90 days" in log  # HR is told how far back the log (and Send again) reaches
    assert owner.post(f"/hr/webhooks/deliveries/{old}/replay").status_code == 404  # gone: nothing to replay
    assert webhooks.prune_deliveries(app.state.db, now + timedelta(days=30), days=90) == 1  # the edge, later
    assert webhooks.prune_deliveries(app.state.db, now, days=90) == 0


def test_rolefit_purge_prunes_the_delivery_log_by_the_setting(app: Any, db_url: str, monkeypatch: Any) -> None:
    from typer.testing import CliRunner

    from app.cli import cli
    from app.config import get_settings

    org_id, _ = make_org(app)
    now = utcnow()
    webhooks.subscribe(app.state.db, org_id, "t", "http://127.0.0.1:9/h", ["cohort.closed"], now, allow_private=True)
    for _ in range(2):
        retention.close(app.state.db, org_id, "t", join_link(app, org_id)[0], now)
    with app.state.db.write() as session:
        first = session.exec(select(WebhookDelivery)).first()
        assert first is not None
        first.created_at = now - timedelta(days=8)
        session.add(first)
    monkeypatch.setenv("ROLEFIT_DATABASE_URL", db_url)
    monkeypatch.setenv("ROLEFIT_WEBHOOK_LOG_DAYS", "7")
    get_settings.cache_clear()
    try:
        out = CliRunner().invoke(cli, ["purge"])
    finally:
        get_settings.cache_clear()
    assert out.exit_code == 0, out.output
    assert "deleted 1 webhook deliveries older than 7 days" in out.output
    with app.state.db.read() as session:
        assert len(session.exec(select(WebhookDelivery)).all()) == 1
