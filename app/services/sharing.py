"""Share links: the owner chooses what a link shows and for how long; only the token's hash is stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select

from app.db import Database
from app.models import Assessment, ShareLink
from app.tokens import hash_token, new_public_id, new_token

SCOPES = ("recommendation", "full")
DEFAULT_DAYS = 7
MAX_DAYS = 90
MAX_LIVE_LINKS = 20


class ShareError(ValueError):
    def __init__(self, code: str, field: str) -> None:
        self.code, self.field = code, field
        super().__init__(f"{field}: {code}")


@dataclass(frozen=True)
class Created:
    link: ShareLink
    token: str  # shown once; the database keeps only its hash


def create(db: Database, assessment_id: str, scope: str, days: int, now: datetime) -> Created:
    if scope not in SCOPES:
        raise ShareError("bad_scope", "scope")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ShareError("bad_days", "expires_in_days")
    if len(live_links(db, assessment_id, now)) >= MAX_LIVE_LINKS:
        raise ShareError("too_many_links", "scope")
    token = new_token()
    link = ShareLink(
        id=new_public_id(),
        assessment_id=assessment_id,
        token_hash=hash_token(token),
        scope=scope,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    with db.write() as session:
        session.add(link)
    return Created(link, token)


def live_links(db: Database, assessment_id: str, now: datetime) -> list[ShareLink]:
    with db.read() as session:
        rows = session.exec(
            select(ShareLink)
            .where(ShareLink.assessment_id == assessment_id)
            .where(col(ShareLink.revoked_at).is_(None))
            .where(ShareLink.expires_at > now)
            .order_by(col(ShareLink.created_at).desc())
        )
        return list(rows)


def resolve(db: Database, token: str, now: datetime, *, count_view: bool = True) -> tuple[ShareLink, Assessment] | None:
    """The live link for ``token`` and its assessment; None when unknown, expired or revoked (no hint which)."""
    if not token or len(token) > 100:
        return None
    digest = hash_token(token)
    with db.write() if count_view else db.read() as session:
        link = session.exec(select(ShareLink).where(ShareLink.token_hash == digest)).first()
        if link is None or link.revoked_at is not None or link.expires_at <= now:
            return None
        assessment = session.get(Assessment, link.assessment_id)
        if assessment is None:
            return None
        if count_view:
            # atomic in SQL (no lost updates between workers); the ORM syncs link.views from it
            session.execute(update(ShareLink).where(col(ShareLink.id) == link.id).values(views=ShareLink.views + 1))
        return link, assessment


def revoke(db: Database, assessment_id: str, share_id: str, now: datetime) -> bool:
    """Revoke one of this assessment's links. False when it is not one of them (or already revoked)."""
    with db.write() as session:
        link = session.get(ShareLink, share_id)
        if link is None or link.assessment_id != assessment_id or link.revoked_at is not None:
            return False
        link.revoked_at = now
        session.add(link)
        return True


def owner_of(db: Database, share_id: str) -> str | None:
    with db.read() as session:
        link = session.get(ShareLink, share_id)
        return link.assessment_id if link is not None else None
