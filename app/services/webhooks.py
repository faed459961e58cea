"""Webhooks: an organisation's subscriptions, events queued with the change that caused them, delivered by the
job runner (``webhook.deliver``) and signed per the Standard Webhooks spec (``standardwebhooks``).

Events: ``participation.completed``, ``participation.withdrawn``, ``cohort.closed``. A payload carries ids and
what the organisation may see: a participant who chose aggregate-only appears without any result and without
their participation id (only the cohort and the kind of event). Each event is one :class:`WebhookDelivery`
per subscription; its id is the ``webhook-id`` header, the same on every retry and replay, so receivers can
drop duplicates.

``cohort.closed`` fires once per cohort: when HR closes (or archives) it, or, for a cohort that closes by its
closing date, when the workers' periodic scan finds it (:func:`app.services.retention.announce_closed`);
``cohort.closed_announced_at`` is set in the transaction that queues it. The delivery log keeps
``ROLEFIT_WEBHOOK_LOG_DAYS`` (default 90) days: :func:`prune_deliveries`, run by the daily retention job.

The signing secret (``whsec_`` + 24 random bytes) is shown once. The sender needs it back to sign, so it is
sealed with the data key (app/vault, like the TOTP keys and OIDC client secrets), not hashed: a copy of the
database alone cannot sign; it is never listed on a page or in an API answer, and rotating it is deleting the
subscription and adding it again (the data key itself rotates with ``rolefit db rotate-data-key``).

SSRF guard: a target must be ``https://`` and every address its name resolves to must be public (not
private, loopback, link-local, multicast or reserved), checked when subscribing AND again before every
delivery (a name can change its addresses). ``ROLEFIT_WEBHOOK_ALLOW_PRIVATE=true`` allows http:// and
private targets (tests, a receiver on the same network). Redirects are not followed.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import secrets
import socket
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app import vault
from app.db import Database
from app.jobs import JobContext, enqueue
from app.models import AuditEvent, Webhook, WebhookDelivery, utcnow
from app.tokens import new_public_id

EVENTS = ("participation.completed", "participation.withdrawn", "cohort.closed")
JOB = "webhook.deliver"
MAX_ATTEMPTS = 6
MAX_WEBHOOKS = 10  # per organisation
LOG_SHOWN = 50
LOG_DAYS = 90  # the delivery log's default window (ROLEFIT_WEBHOOK_LOG_DAYS)


class WebhookError(ValueError):
    def __init__(self, code: str, field: str) -> None:
        super().__init__(code)
        self.code, self.field = code, field


@dataclass(frozen=True)
class Subscribed:
    webhook: Webhook
    secret: str  # shown once


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    return ip.is_global and not ip.is_multicast


def check_url(url: str, allow_private: bool) -> str:
    """The URL if it may be a target; raises :class:`WebhookError` otherwise (see the module's SSRF guard)."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as err:
        raise WebhookError("webhook_url", "url") from err
    schemes = ("https", "http") if allow_private else ("https",)
    host = parts.hostname
    if len(url) > 500 or parts.scheme not in schemes or not host or parts.username or parts.password:
        raise WebhookError("webhook_url", "url")
    if allow_private:
        return url
    try:
        infos = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as err:
        raise WebhookError("webhook_url", "url") from err
    if not infos or not all(_public(str(info[4][0])) for info in infos):
        raise WebhookError("webhook_url", "url")
    return url


def subscribe(
    db: Database, org_id: str, user_id: str, url: str, events: Sequence[str], now: datetime, *, allow_private: bool
) -> Subscribed:
    chosen = [e for e in EVENTS if e in set(events)]
    if not chosen or any(e not in EVENTS for e in events):
        raise WebhookError("webhook_events", "events")
    url = check_url(url, allow_private)
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode("ascii")
    hook = Webhook(
        id=new_public_id(), org_id=org_id, url=url, events=chosen, signing_key=vault.seal(secret), created_at=now
    )
    with db.write() as session:
        if len(session.exec(select(Webhook.id).where(Webhook.org_id == org_id)).all()) >= MAX_WEBHOOKS:
            raise WebhookError("too_many_webhooks", "url")
        session.add(hook)
        session.add(AuditEvent(org_id=org_id, user_id=user_id, action="webhook.create", detail=url[:400]))
        session.flush()
        session.expunge(hook)
    return Subscribed(hook, secret)


def remove(db: Database, org_id: str, user_id: str, webhook_id: str) -> bool:
    with db.write() as session:
        hook = session.get(Webhook, webhook_id)
        if hook is None or hook.org_id != org_id:
            return False
        session.add(AuditEvent(org_id=org_id, user_id=user_id, action="webhook.delete", detail=hook.url[:400]))
        session.delete(hook)
    return True


@dataclass(frozen=True)
class HookRow:
    id: str
    url: str
    events: list[str]
    created_at: datetime


@dataclass(frozen=True)
class DeliveryRow:
    id: str
    webhook_url: str
    event: str
    status: str
    attempts: int
    response_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


def list_webhooks(db: Database, org_id: str) -> list[HookRow]:
    with db.read() as session:
        hooks = session.exec(select(Webhook).where(Webhook.org_id == org_id).order_by(col(Webhook.created_at)))
        return [HookRow(h.id, h.url, list(h.events), h.created_at) for h in hooks]


def deliveries(db: Database, org_id: str, limit: int = LOG_SHOWN) -> list[DeliveryRow]:
    """The newest deliveries of the organisation's subscriptions (the delivery log HR reads)."""
    with db.read() as session:
        rows = session.exec(
            select(WebhookDelivery, Webhook.url)
            .join(Webhook, col(Webhook.id) == col(WebhookDelivery.webhook_id))
            .where(Webhook.org_id == org_id)
            .order_by(col(WebhookDelivery.created_at).desc(), col(WebhookDelivery.id))
            .limit(limit)
        ).all()
        return [
            DeliveryRow(
                d.id, url, d.event, d.status, d.attempts, d.response_code, d.last_error, d.created_at, d.delivered_at
            )
            for d, url in rows
        ]


def emit(session: Session, org_id: str, event: str, data: dict[str, Any], now: datetime | None = None) -> int:
    """Queue ``event`` for every subscription of the organisation to it, in the caller's transaction."""
    assert event in EVENTS
    n = 0
    for hook in session.exec(select(Webhook).where(Webhook.org_id == org_id)):
        if event not in hook.events:
            continue
        delivery = WebhookDelivery(
            id="msg_" + new_public_id(),
            webhook_id=hook.id,
            event=event,
            payload={"type": event, "timestamp": (now or utcnow()).isoformat(), "data": data},
            participation_id=data.get("participation_id"),
            created_at=now or utcnow(),
        )
        session.add(delivery)
        session.flush()
        enqueue(session, JOB, {"delivery_id": delivery.id}, max_attempts=MAX_ATTEMPTS)
        n += 1
    return n


def prune_deliveries(db: Database, now: datetime, days: int = LOG_DAYS, batch: int = 1000) -> int:
    """Delete the deliveries made more than ``days`` ago, whatever became of them (their payloads name
    cohorts and, for identified people, participations and results): the delivery log keeps ``days`` of
    history and replay reaches that far. Run by the daily retention job (app/services/retention.py) and
    ``rolefit purge``; in bounded batches, then :meth:`Database.erased` so no copy stays behind. Returns
    how many were deleted."""
    before = now - timedelta(days=days)
    pruned = 0
    while True:
        with db.write() as session:
            old = select(WebhookDelivery.id).where(col(WebhookDelivery.created_at) < before).limit(batch)
            ids = list(session.exec(old))
            if ids:
                session.execute(delete(WebhookDelivery).where(col(WebhookDelivery.id).in_(ids)))
        pruned += len(ids)
        if len(ids) < batch:
            break
    if pruned:
        db.erased(("webhook_delivery",))
    return pruned


def participation_data(p: Any, summary: dict[str, Any]) -> dict[str, Any]:
    """What an event says about a participation: for an identified person their participation id and (when
    finished) recommendation; for an aggregate-only person only the cohort (no id, no result). No name: the
    receiver reads the person through the HR API while they take part. The delivery log keeps a payload for
    replay only while its participation exists: :func:`app.services.hr.erase_participations` deletes it."""
    data: dict[str, Any] = {"cohort_id": p.cohort_id, "visibility": p.visibility}
    if p.visibility != "identified":
        return data
    data |= {"participation_id": p.id}
    if summary:
        data |= {"recommendation": summary.get("recommendation"), "overall": summary.get("overall")}
    return data


def replay(db: Database, org_id: str, user_id: str, delivery_id: str) -> bool:
    """Send a delivery again (same webhook-id, a fresh timestamp and signature)."""
    with db.write() as session:
        found = session.exec(
            select(WebhookDelivery)
            .join(Webhook, col(Webhook.id) == col(WebhookDelivery.webhook_id))
            .where(col(WebhookDelivery.id) == delivery_id, Webhook.org_id == org_id)
        ).first()
        if found is None:
            return False
        found.status = "queued"
        session.add(found)
        session.add(AuditEvent(org_id=org_id, user_id=user_id, action="webhook.replay", detail=delivery_id))
        enqueue(session, JOB, {"delivery_id": delivery_id}, max_attempts=MAX_ATTEMPTS)
    return True


def handler(allow_private: bool, timeout: float) -> Any:
    """The job handler: POST the signed event; 2xx is delivered, anything else is retried with backoff."""

    def deliver(ctx: JobContext) -> None:
        with ctx.db.read() as session:
            delivery = session.get(WebhookDelivery, ctx.payload.get("delivery_id", ""))
            hook = session.get(Webhook, delivery.webhook_id) if delivery is not None else None
            if delivery is None or hook is None:
                return  # the subscription was removed: nothing to send
            msg_id, body, url, sealed = delivery.id, json.dumps(delivery.payload), hook.url, hook.signing_key
        secret = vault.unseal(sealed)
        code: int | None = None
        error: str | None = None
        try:
            check_url(url, allow_private)
            now = utcnow()
            import standardwebhooks  # loaded by the job that delivers, not by the web worker

            signature = standardwebhooks.Webhook(secret).sign(msg_id, now, body)
            request = urllib.request.Request(  # noqa: S310 (check_url: https, or http when allowed)
                url,
                data=body.encode("utf-8"),
                method="POST",
                headers={
                    "content-type": "application/json",
                    "user-agent": "rolefit-webhooks",
                    "webhook-id": msg_id,
                    "webhook-timestamp": str(int(now.timestamp())),
                    "webhook-signature": signature,
                },
            )
            with _opener.open(request, timeout=timeout) as response:
                code = response.status
        except urllib.error.HTTPError as err:
            code, error = err.code, f"HTTP {err.code}"
        except (WebhookError, OSError, ValueError) as err:
            error = type(err).__name__ + (f": {err}" if str(err) else "")
        ok = code is not None and 200 <= code < 300
        last = ctx.attempt >= MAX_ATTEMPTS
        with ctx.db.write() as session:
            row = session.get(WebhookDelivery, msg_id)
            if row is not None:
                row.attempts += 1
                row.response_code = code
                row.last_error = None if ok else (error or f"HTTP {code}")[:500]
                row.status = "delivered" if ok else ("failed" if last else "retrying")
                row.delivered_at = utcnow() if ok else row.delivered_at
                session.add(row)
        if not ok:
            raise RuntimeError(f"webhook {msg_id}: {error or code}")

    return deliver


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an answer like any other non-2xx (and could point anywhere)


_opener = urllib.request.build_opener(_NoRedirect)
