"""Stored psychometrics reports: written by the CLI (which has the statistics), read by the page (which has not)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import col, select

from app.db import Database
from app.models import PsychometricsReport


def save(db: Database, report: dict[str, Any], org_id: str | None, now: datetime) -> PsychometricsReport:
    """Store a report computed by ``rolefit psychometrics`` (for one organisation, or all with None)."""
    n = sum(int(v.get("n", 0)) for v in report.get("versions", []))
    row = PsychometricsReport(org_id=org_id, n=n, data=report, created_at=now)
    with db.write() as session:
        session.add(row)
    return row


def latest(db: Database, org_id: str | None) -> PsychometricsReport | None:
    """The newest report of this organisation (None: of the whole installation)."""
    where = col(PsychometricsReport.org_id).is_(None) if org_id is None else col(PsychometricsReport.org_id) == org_id
    with db.read() as session:
        return session.exec(
            select(PsychometricsReport)
            .where(where)
            .order_by(col(PsychometricsReport.created_at).desc(), col(PsychometricsReport.id).desc())
        ).first()
