"""Reminders on the schedule a cohort's owner sets, and the stop link.

- :func:`set_schedule` validates and stores a cohort's ``reminder_days`` (e.g. ``[3, 7]``: three and seven
  days after each personal invitation was sent).
- :func:`schedule_due` (run by every worker every minute, app/jobs ``ticks``) finds the reminders that are due
  and queues one ``reminder.send`` job each. A ``reminder`` row per (invitation, step), inserted with
  ``ON CONFLICT DO NOTHING`` in the job's transaction, makes each step happen at most once however many
  workers scan at the same time. When several steps are due at once (the worker was down) only the latest
  is sent.
- Never to someone who finished, withdrew, stopped reminders, whose link was revoked or expired unused, nor
  after the cohort's closing date: checked when scheduling and again when the mail is built
  (:func:`app.mail.reminder.handler`).
- :func:`stop` (the mail's stop link, one-click or confirmed) stops every reminder for that person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, or_, update
from sqlmodel import Session, col, select

from app import jobs
from app.db import Database, dialect_insert
from app.models import Cohort, Invitation, MailToken, Participation, Person, PersonalInvitation, Reminder
from app.tokens import hash_token

KIND = "reminder.send"
MAX_STEPS = 5
MAX_DAY = 60
BATCH = 500


class ScheduleError(ValueError):
    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)


def parse_days(text: str) -> list[int]:
    """``"3, 7"`` -> ``[3, 7]``: whole days from 1 to 60, increasing, at most five; empty for none."""
    parts = [p.strip() for p in text.replace("，", ",").replace(";", ",").replace(" ", ",").split(",")]
    parts = [p for p in parts if p]
    if len(parts) > MAX_STEPS:
        raise ScheduleError("reminder_steps")
    days: list[int] = []
    for part in parts:
        if not part.isascii() or not part.isdigit():
            raise ScheduleError("reminder_days")
        day = int(part)
        if not 1 <= day <= MAX_DAY or (days and day <= days[-1]):
            raise ScheduleError("reminder_days")
        days.append(day)
    return days


def set_schedule(db: Database, org_id: str, cohort_id: str, text: str) -> list[int]:
    days = parse_days(text)
    with db.write() as session:
        cohort = session.get(Cohort, cohort_id)
        if cohort is None or cohort.org_id != org_id:
            raise ScheduleError("not_found")
        cohort.reminder_days = days
    return days


def _insert_reminder(session: Session, personal_id: str, step: int, now: datetime) -> int | None:
    """The reminder row for (invitation, step), or None when some worker made it already."""
    dialect = session.get_bind().dialect.name
    insert = dialect_insert(dialect)
    stmt = (
        insert(Reminder)
        .values(personal_invitation_id=personal_id, step=step, created_at=now)
        .on_conflict_do_nothing(index_elements=["personal_invitation_id", "step"])
        .returning(col(Reminder.id))
    )
    return session.execute(stmt).scalar_one_or_none()


def still_wanted() -> list[Any]:
    """Conditions (over PersonalInvitation, Invitation, Person and an outer-joined Participation) under which a
    person may still get a reminder."""
    p = PersonalInvitation
    return [
        col(Invitation.revoked_at).is_(None),
        col(Person.reminders_stopped_at).is_(None),
        col(Participation.finished_at).is_(None),
        # joined and then withdrawn: the participation row is gone
        or_(col(p.participation_id).is_(None), col(Participation.id).is_not(None)),
    ]


def schedule_due(db: Database, now: datetime, batch: int = BATCH) -> int:
    """Queue the reminders due at ``now``; returns how many. Safe to run in several workers at once."""
    queued = 0
    with db.read() as session:
        cohorts = [
            (c.id, list(c.reminder_days))
            for c in session.exec(
                select(Cohort).where(or_(col(Cohort.closes_at).is_(None), col(Cohort.closes_at) > now))
            )
            if c.reminder_days
        ]
    p = PersonalInvitation
    for cohort_id, days in cohorts:
        for step in reversed(range(len(days))):
            later = exists().where(col(Reminder.personal_invitation_id) == col(p.id), col(Reminder.step) >= step)
            query = (
                select(p.id)
                .join(Invitation, col(Invitation.id) == col(p.invitation_id))
                .join(Person, col(Person.id) == col(p.person_id))
                .join(Participation, col(Participation.id) == col(p.participation_id), isouter=True)
                .where(
                    col(p.cohort_id) == cohort_id,
                    col(p.sent_at) <= now - timedelta(days=days[step]),
                    *still_wanted(),
                    # an unused link that expired: nothing to remind of
                    or_(
                        col(p.participation_id).is_not(None),
                        col(Invitation.expires_at).is_(None),
                        col(Invitation.expires_at) > now,
                    ),
                    ~later,
                )
                .limit(batch)
            )
            with db.write() as session:
                for personal_id in list(session.exec(query)):
                    reminder_id = _insert_reminder(session, personal_id, step, now)
                    if reminder_id is None:
                        continue
                    job_id = jobs.enqueue(session, KIND, {"reminder_id": reminder_id})
                    session.execute(update(Reminder).where(col(Reminder.id) == reminder_id).values(job_id=job_id))
                    queued += 1
    return queued


@dataclass(frozen=True)
class StopTarget:
    person: Person
    org_name: str
    stopped: bool  # already stopped before


def find_stop(db: Database, token: str) -> StopTarget | None:
    """Whose reminders a stop link stops (None: no such link)."""
    if not token or len(token) > 100:
        return None
    from app.models import Organisation

    with db.read() as session:
        row = session.exec(
            select(Person, Organisation.name)
            .join(PersonalInvitation, col(PersonalInvitation.person_id) == col(Person.id))
            .join(MailToken, col(MailToken.personal_invitation_id) == col(PersonalInvitation.id))
            .join(Organisation, col(Organisation.id) == col(Person.org_id))
            .where(col(MailToken.token_hash) == hash_token(token), col(MailToken.purpose) == "stop")
        ).first()
    if row is None:
        return None
    person, org_name = row
    return StopTarget(person, org_name, person.reminders_stopped_at is not None)


def stop(db: Database, token: str, now: datetime) -> StopTarget | None:
    """Stop every reminder for the person of this stop link (idempotent); None when the link is unknown."""
    found = find_stop(db, token)
    if found is None:
        return None
    with db.write() as session:
        session.execute(
            update(Person)
            .where(and_(col(Person.id) == found.person.id, col(Person.reminders_stopped_at).is_(None)))
            .values(reminders_stopped_at=now)
        )
    return found
