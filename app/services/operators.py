"""The operator of an installation: HR accounts granted, by the CLI only, the site-wide psychometrics
report and the technical manual (all organisations; the minimum-n / k >= 5 rules are applied when the
report is computed). No web route grants or revokes it."""

from __future__ import annotations

from sqlmodel import col, delete, select

from app.db import Database
from app.models import HrUser, OperatorGrant, utcnow


def grant(db: Database, email: str) -> int:
    """Grant every HR account with this e-mail (one per organisation); return how many are operators now."""
    with db.write() as session:
        users = list(session.exec(select(HrUser).where(col(HrUser.email) == email.strip().lower())))
        for user in users:
            if session.get(OperatorGrant, user.id) is None:
                session.add(OperatorGrant(user_id=user.id, granted_at=utcnow()))
    return len(users)


def revoke(db: Database, email: str) -> int:
    """Revoke the grant of every HR account with this e-mail; return how many lost it."""
    with db.write() as session:
        ids = list(session.exec(select(HrUser.id).where(col(HrUser.email) == email.strip().lower())))
        if not ids:
            return 0
        gone = session.exec(delete(OperatorGrant).where(col(OperatorGrant.user_id).in_(ids)))
        return int(gone.rowcount or 0)


def is_operator(db: Database, user_id: str) -> bool:
    with db.read() as session:
        return session.get(OperatorGrant, user_id) is not None
