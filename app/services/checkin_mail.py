"""Check-in reminders by e-mail: an explicit opt-in on the result's plan progress.

- :func:`subscribe` stores the address the person gave (validated) with their language; :func:`remove`
  deletes it. It is used for nothing else, is in the personal export and goes with the assessment.
- :func:`schedule_due` (every worker, on a schedule: app/jobs ticks) queues one ``checkin.remind`` job per
  phase that has come: 30 days, 3 months and 6 months after the result (:func:`app.services.progress.
  milestone`). A ``checkin_mail_sent`` row per (assessment, phase), inserted with ``ON CONFLICT DO NOTHING``
  in the job's transaction, makes each phase happen at most once however many workers scan at once. When
  several phases are due together (no worker ran for months) only the latest is sent.
- The mail carries a stop link (:func:`stop`: deletes the address) and a link to the check-in page; never
  any result data. The job checks again that the address is still there before it sends.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists
from sqlmodel import Session, col, select

from app import jobs
from app.db import Database, dialect_insert
from app.i18n import LANGS
from app.models import CheckinMail, CheckinMailSent, ResultSnapshot
from app.services.people import EMAIL
from app.services.progress import milestone
from app.tokens import hash_token
from scoring.model import PHASES

KIND = "checkin.remind"
MAX_EMAIL = 254
BATCH = 500


class CheckinMailError(ValueError):
    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)


def clean_email(value: str) -> str:
    value = value.strip()
    if not value:
        raise CheckinMailError("checkin_mail_missing")
    if len(value) > MAX_EMAIL or not EMAIL.match(value):
        raise CheckinMailError("checkin_mail_bad")
    return value


def subscribe(db: Database, assessment_id: str, email: str, lang: str, now: datetime) -> CheckinMail:
    """Store (or change) the address for this assessment's check-in reminders."""
    email = clean_email(email)
    if lang not in LANGS:
        raise CheckinMailError("bad_lang")
    with db.write() as session:
        row = session.get(CheckinMail, assessment_id)
        if row is None:
            row = CheckinMail(assessment_id=assessment_id, email=email, lang=lang, created_at=now)
            session.add(row)
        else:
            row.email, row.lang = email, lang
        session.flush()
        session.expunge(row)
    return row


def of(db: Database, assessment_id: str) -> CheckinMail | None:
    with db.read() as session:
        return session.get(CheckinMail, assessment_id)


def remove(db: Database, assessment_id: str) -> bool:
    with db.write() as session:
        gone = session.execute(delete(CheckinMail).where(col(CheckinMail.assessment_id) == assessment_id))
        return bool(getattr(gone, "rowcount", 0))


def _insert_sent(session: Session, assessment_id: str, phase: str, now: datetime) -> int | None:
    """The row for (assessment, phase), or None when some worker made it already."""
    insert = dialect_insert(session.get_bind().dialect.name)
    stmt = (
        insert(CheckinMailSent)
        .values(assessment_id=assessment_id, phase=phase, created_at=now)
        .on_conflict_do_nothing(index_elements=["assessment_id", "phase"])
        .returning(col(CheckinMailSent.id))
    )
    return session.execute(stmt).scalar_one_or_none()


def due_phase(start: datetime, now: datetime) -> str | None:
    """The latest phase whose date has come (None: not yet the first)."""
    today = now.date()
    due = [p for p in PHASES if milestone(start.date(), p) <= today]
    return due[-1] if due else None


def schedule_due(db: Database, now: datetime, batch: int = BATCH) -> int:
    """Queue the check-in reminders due at ``now``; returns how many. Safe in several workers at once."""
    with db.read() as session:
        rows = session.exec(
            select(CheckinMail.assessment_id, ResultSnapshot.created_at)
            .join(ResultSnapshot, col(ResultSnapshot.assessment_id) == col(CheckinMail.assessment_id))
            .order_by(col(CheckinMail.assessment_id))
        ).all()
    queued = 0
    for assessment_id, scored_at in rows:
        phase = due_phase(scored_at, now)
        if phase is None:
            continue
        later = PHASES[PHASES.index(phase) :]
        with db.write() as session:
            done = session.exec(
                select(CheckinMailSent.id).where(
                    col(CheckinMailSent.assessment_id) == assessment_id, col(CheckinMailSent.phase).in_(later)
                )
            ).first()
            if done is not None:
                continue
            sent_id = _insert_sent(session, assessment_id, phase, now)
            if sent_id is None:
                continue
            job_id = jobs.enqueue(session, KIND, {"sent_id": sent_id})
            row = session.get(CheckinMailSent, sent_id)
            assert row is not None
            row.job_id = job_id
            queued += 1
            if queued >= batch:
                break
    return queued


def find_stop(db: Database, token: str) -> CheckinMailSent | None:
    """The reminder whose stop link this is (None: no such link)."""
    if not token or len(token) > 100:
        return None
    with db.read() as session:
        return session.exec(select(CheckinMailSent).where(col(CheckinMailSent.stop_hash) == hash_token(token))).first()


def stop(db: Database, token: str) -> bool:
    """The mail's stop link: delete the address (idempotent). False when the link is unknown."""
    found = find_stop(db, token)
    if found is None:
        return False
    remove(db, found.assessment_id)
    return True


def subscribed(db: Database, assessment_id: str) -> bool:
    with db.read() as session:
        return bool(session.exec(select(exists().where(col(CheckinMail.assessment_id) == assessment_id))).one())


def export(db: Database, assessment_id: str) -> dict[str, Any] | None:
    """For the personal export: the address, its language, when it was given, and which phases were mailed."""
    row = of(db, assessment_id)
    with db.read() as session:
        sent = session.exec(
            select(CheckinMailSent)
            .where(col(CheckinMailSent.assessment_id) == assessment_id, col(CheckinMailSent.sent_at).is_not(None))
            .order_by(col(CheckinMailSent.id))
        ).all()
    if row is None and not sent:
        return None
    return {
        "email": row.email if row else None,
        "lang": row.lang if row else None,
        "given_at": row.created_at.isoformat() if row else None,
        "sent": [{"phase": s.phase, "sent_at": s.sent_at.isoformat() if s.sent_at else None} for s in sent],
    }
