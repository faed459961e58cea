"""Throttles kept in the database, so that every worker and machine counts the same failures.

Growing delays, never a hard lock (OWASP Authentication Cheat Sheet): after ``free`` failures within a
day, a key must wait ``base * 2**(failures - free)`` (at most ``cap``) after its last failure before the
next try is even checked. Attempts made while waiting are answered 429 with ``Retry-After`` and are not
counted (they were not checked). Sign-in keys: the e-mail from browsers without this account's device
cookie, the address, and the device cookie itself (see :mod:`app.auth.accounts`); resume codes: the
address.

Retention without a cron: every recorded failure also deletes up to ``PRUNE_BATCH`` rows older than
``RETENTION`` (one indexed range delete), so the table holds about a day of failures whatever the traffic.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import col, select

from app.db import Database
from app.models import LoginAttempt

RETENTION = timedelta(hours=24)  # failures count for a day; older rows are pruned
PRUNE_BATCH = 500


@dataclass(frozen=True)
class Policy:
    prefix: str
    free: int  # failures within RETENTION that cost no delay
    base: timedelta  # the first delay
    cap: timedelta  # the longest delay

    def key(self, subject: str) -> str:
        return f"{self.prefix}:{subject}"[:300]

    def delay(self, failures: int) -> timedelta:
        if failures < self.free:
            return timedelta(0)
        grown: timedelta = self.base * 2 ** min(failures - self.free, 30)
        return min(self.cap, grown)


# untrusted browsers trying one e-mail: 3 typos free, then 5 s, 10 s, 20 s ... at most 15 min between tries
ACCOUNT = Policy("acct", free=3, base=timedelta(seconds=5), cap=timedelta(minutes=15))
# one address trying many e-mails (an office behind one NAT address has room for many typos)
ADDRESS = Policy("addr", free=10, base=timedelta(seconds=2), cap=timedelta(minutes=15))
# a browser holding this account's device cookie: its own count, untouched by strangers' failures
DEVICE = Policy("dev", free=5, base=timedelta(seconds=5), cap=timedelta(minutes=15))
# wrong resume codes from one address (80-bit codes: this makes guessing hopeless, not just slow)
RESUME = Policy("resume", free=10, base=timedelta(seconds=5), cap=timedelta(minutes=15))

Check = tuple[Policy, str]


def wait(session: Any, checks: Iterable[Check], now: datetime) -> int:
    """Whole seconds until every ``(policy, subject)`` may try again; 0 when all may try now."""
    policies = {policy.key(subject): policy for policy, subject in checks}
    if not policies:
        return 0
    query = (
        select(LoginAttempt.key, func.count(), func.max(LoginAttempt.at))
        .where(col(LoginAttempt.key).in_(list(policies)), LoginAttempt.at > now - RETENTION)
        .group_by(LoginAttempt.key)
    )
    longest = 0.0
    for key, failures, last in session.exec(query):
        until = last + policies[key].delay(int(failures))
        longest = max(longest, (until - now).total_seconds())
    return math.ceil(longest) if longest > 0 else 0


def fail(session: Any, checks: Iterable[Check], now: datetime) -> None:
    """Count one failure for each ``(policy, subject)``, and prune old rows (bounded)."""
    for policy, subject in checks:
        session.add(LoginAttempt(key=policy.key(subject), at=now))
    prune(session, now)


def clear(session: Any, checks: Iterable[Check]) -> None:
    """Forget the failures of these keys (after a success on that path)."""
    keys = [policy.key(subject) for policy, subject in checks]
    if keys:
        session.execute(delete(LoginAttempt).where(col(LoginAttempt.key).in_(keys)))


def undo(session: Any, checks: Iterable[Check], now: datetime) -> None:
    """Take back the failure :func:`fail` counted at ``now`` (the attempt turned out right)."""
    keys = [policy.key(subject) for policy, subject in checks]
    if keys:
        session.execute(delete(LoginAttempt).where(col(LoginAttempt.key).in_(keys), col(LoginAttempt.at) == now))


def begin(db: Database, checks: list[Check], now: datetime) -> int:
    """Before checking a secret: the seconds to wait (nothing counted), or 0 with this attempt counted as
    a failure up front, so that parallel guesses cannot all pass one check. :func:`succeeded` forgives it."""
    with db.read() as session:  # a flood of delayed attempts never queues for the write lock
        delay = wait(session, checks, now)
    if delay:
        return delay
    with db.write() as session:  # checked again where it is counted
        delay = wait(session, checks, now)
        if not delay:
            fail(session, checks, now)
    return delay


def succeeded(db: Database, checks: list[Check], now: datetime) -> None:
    """The attempt counted at ``now`` by :func:`begin` was right: take it back."""
    with db.write() as session:
        undo(session, checks, now)


def prune(session: Any, now: datetime, limit: int = PRUNE_BATCH) -> int:
    """Delete up to ``limit`` failures older than :data:`RETENTION`; the number deleted."""
    old = select(LoginAttempt.id).where(LoginAttempt.at < now - RETENTION).order_by(col(LoginAttempt.at)).limit(limit)
    result = session.execute(delete(LoginAttempt).where(col(LoginAttempt.id).in_(old.scalar_subquery())))
    return int(getattr(result, "rowcount", 0) or 0)
