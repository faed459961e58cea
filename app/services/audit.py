"""The organisation's audit log, read: filters (actor, action, dates), paged in SQL, and the CSV export.

Writing stays with :func:`app.auth.audit` and the services (append-only: nothing here updates or deletes).
Every query is scoped to one organisation; the page reads newest first through ``ix_audit_event_org_at``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select

from app.db import Database
from app.models import AuditEvent, HrUser

PER_PAGE = 50
EXPORT_MAX = 100_000


@dataclass(frozen=True)
class Filters:
    actor: str | None = None  # an HR user's id
    action: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None  # exclusive


@dataclass(frozen=True)
class Event:
    at: datetime
    actor: str  # the user's e-mail; their id when removed; "" for the system (purges)
    action: str
    detail: str
    address: str


@dataclass(frozen=True)
class Page:
    events: list[Event]
    page: int
    has_next: bool
    actors: list[tuple[str, str]]  # (id, e-mail) of the organisation's users, for the filter
    actions: list[str]


def _query(org_id: str, filters: Filters) -> Any:
    query = (
        select(AuditEvent, HrUser.email)
        .join(HrUser, col(HrUser.id) == col(AuditEvent.user_id), isouter=True)
        .where(AuditEvent.org_id == org_id)
    )
    if filters.actor:
        query = query.where(AuditEvent.user_id == filters.actor)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.date_from:
        query = query.where(AuditEvent.at >= filters.date_from)
    if filters.date_to:
        query = query.where(AuditEvent.at < filters.date_to)
    return query.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())


def _event(row: AuditEvent, email: str | None) -> Event:
    return Event(row.at, email or (row.user_id or ""), row.action, row.detail, row.address or "")


def page(db: Database, org_id: str, filters: Filters, number: int = 1) -> Page:
    number = max(1, number)
    with db.read() as session:
        rows = list(session.exec(_query(org_id, filters).offset((number - 1) * PER_PAGE).limit(PER_PAGE + 1)))
        actors = list(
            session.exec(select(HrUser.id, HrUser.email).where(HrUser.org_id == org_id).order_by(col(HrUser.email)))
        )
        actions = list(
            session.exec(
                select(AuditEvent.action).where(AuditEvent.org_id == org_id).distinct().order_by(col(AuditEvent.action))
            )
        )
    events = [_event(row, email) for row, email in rows[:PER_PAGE]]
    return Page(events, number, len(rows) > PER_PAGE, [(a, e) for a, e in actors], actions)


def export(db: Database, org_id: str, filters: Filters) -> Iterator[Event]:
    with db.read() as session:
        rows = list(session.exec(_query(org_id, filters).limit(EXPORT_MAX)))
    for row, email in rows:
        yield _event(row, email)
