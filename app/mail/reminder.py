"""The ``reminder.send`` job: one reminder of a personal invitation (rows made by app/services/reminders.py).

Everything is checked again when the mail is built (the person may have finished, withdrawn or used the
stop link since the reminder was queued): then the reminder is marked skipped, with why, and nothing is
sent. A person who has not joined gets a fresh link to the same invitation (a ``join`` mail token beside
the invitation's own, so the first mail's link keeps working); one who joined and has not finished is
told to go on where they left off. Every reminder carries its stop link (List-Unsubscribe, one-click).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.db import Database
from app.mail.invitation import stop_link
from app.mail.message import Outgoing, build
from app.mail.smtp import SmtpConfig, send_with_job
from app.models import (
    Cohort,
    HrUser,
    Invitation,
    MailToken,
    Organisation,
    Participation,
    Person,
    PersonalInvitation,
    Reminder,
    utcnow,
)
from app.tokens import hash_token, join_link, new_token

KIND = "reminder.send"  # = app.services.reminders.KIND (mail does not import services)


def reminder_mail(
    person: Person,
    org: Organisation,
    sender: HrUser | None,
    *,
    link: str | None,
    resume_url: str,
    closes_at: Any,
    expires_at: Any,
    from_address: str,
    stop_url: str,
) -> Outgoing:
    return build(
        "reminder",
        person.lang,
        to=person.email,
        sender=from_address,
        reply_to=sender.email if sender is not None else None,
        list_unsubscribe=stop_url,
        context={
            "org_name": org.name,
            "sender_name": sender.email if sender is not None else org.name,
            "person_name": person.name,
            "link": link,
            "resume_url": resume_url,
            "closes_at": closes_at,
            "expires_at": expires_at,
            "unsubscribe_url": stop_url,
        },
    )


def _skip(db: Database, reminder_id: int, why: str) -> None:
    with db.write() as session:
        session.execute(update(Reminder).where(col(Reminder.id) == reminder_id).values(skipped=why))


def handler(db: Database, base_url: str, config: Callable[[], SmtpConfig]) -> Callable[[Any], None]:
    def run(ctx: Any) -> None:
        reminder_id = int(ctx.payload["reminder_id"])
        now = utcnow()
        with db.read() as session:
            reminder = session.get(Reminder, reminder_id)
            personal = session.get(PersonalInvitation, reminder.personal_invitation_id) if reminder else None
            if reminder is None or personal is None:
                return  # deleted with its cohort or person
            invitation = session.get(Invitation, personal.invitation_id)
            person = session.get(Person, personal.person_id)
            cohort = session.get(Cohort, personal.cohort_id)
            org = session.get(Organisation, cohort.org_id) if cohort is not None else None
            sender = session.get(HrUser, personal.sent_by) if personal.sent_by else None
            joined = session.get(Participation, personal.participation_id) if personal.participation_id else None
            later = session.exec(
                select(Reminder.id).where(
                    col(Reminder.personal_invitation_id) == personal.id,
                    col(Reminder.step) > reminder.step,
                    col(Reminder.sent_at).is_not(None),
                )
            ).first()
        if invitation is None or person is None or cohort is None or org is None:
            return
        why = None
        if person.reminders_stopped_at is not None:
            why = "stopped"
        elif cohort.closes_at is not None and cohort.closes_at <= now:
            why = "closed"
        elif invitation.revoked_at is not None:
            why = "revoked"
        elif personal.participation_id is not None and joined is None:
            why = "withdrawn"
        elif joined is not None and joined.finished_at is not None:
            why = "finished"
        elif joined is None and invitation.expires_at is not None and invitation.expires_at <= now:
            why = "expired"
        elif later is not None:
            why = "superseded"
        if why is not None:
            _skip(db, reminder_id, why)
            return
        smtp = config()
        join_token, stop_token = new_token(), new_token()
        link = join_link(base_url, join_token, person.lang) if joined is None else None
        stop_url = stop_link(base_url, stop_token, person.lang)
        message = reminder_mail(
            person,
            org,
            sender,
            link=link,
            resume_url=f"{base_url.rstrip('/')}/?lang={person.lang}",
            closes_at=cohort.closes_at,
            expires_at=invitation.expires_at,
            from_address=smtp.sender,
            stop_url=stop_url,
        )
        personal_id = personal.id

        def record(session: Session) -> None:
            session.add(
                MailToken(token_hash=hash_token(stop_token), personal_invitation_id=personal_id, purpose="stop")
            )
            if link is not None:
                session.add(
                    MailToken(token_hash=hash_token(join_token), personal_invitation_id=personal_id, purpose="join")
                )
            session.execute(update(Reminder).where(col(Reminder.id) == reminder_id).values(sent_at=utcnow()))

        send_with_job(ctx, message, smtp, record)

    return run
