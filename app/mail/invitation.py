"""The ``invitation.send`` job: one personal invitation mail (rows made by app/services/invitations.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col

from app.db import Database
from app.mail.message import Outgoing, build
from app.mail.smtp import SmtpConfig, send_with_job
from app.models import Cohort, HrUser, Invitation, MailToken, Organisation, Person, PersonalInvitation, utcnow
from app.tokens import hash_token, join_link, new_token

KIND = "invitation.send"
SAMPLE_TOKEN = "…"  # noqa: S105 - the preview's stand-in for a link made when the mail is sent


def stop_link(base_url: str, token: str, lang: str) -> str:
    """The stop-reminders link of a mail (List-Unsubscribe and the mail's footer)."""
    return f"{base_url.rstrip('/')}/stop/{token}?lang={lang}"


def invitation_mail(
    person: Person,
    org: Organisation,
    sender: HrUser | None,
    link: str,
    expires_at: datetime,
    from_address: str,
    stop_url: str | None = None,
) -> Outgoing:
    """The invitation in the person's language: the organisation, who sends it (Reply-To), the link, and the
    link that stops the reminders (also as List-Unsubscribe, one-click over https: RFC 8058)."""
    fallback = f"mailto:{sender.email}?subject=unsubscribe" if sender is not None else None
    return build(
        "invitation",
        person.lang,
        to=person.email,
        sender=from_address,
        reply_to=sender.email if sender is not None else None,
        list_unsubscribe=stop_url or fallback,
        context={
            "org_name": org.name,
            "sender_name": sender.email if sender is not None else org.name,
            "person_name": person.name,
            "link": link,
            "expires_at": expires_at,
            "unsubscribe_url": stop_url,
        },
    )


def handler(db: Database, base_url: str, config: Callable[[], SmtpConfig]) -> Callable[[Any], None]:
    def run(ctx: Any) -> None:
        personal_id = str(ctx.payload["personal_invitation_id"])
        with db.read() as session:
            personal = session.get(PersonalInvitation, personal_id)
            if personal is None:
                return  # deleted with its cohort or person: nothing to send
            invitation = session.get(Invitation, personal.invitation_id)
            person = session.get(Person, personal.person_id)
            cohort = session.get(Cohort, personal.cohort_id)
            org = session.get(Organisation, cohort.org_id) if cohort is not None else None
            sender = session.get(HrUser, personal.sent_by) if personal.sent_by else None
        if invitation is None or person is None or cohort is None or org is None:
            return
        now = utcnow()
        if invitation.revoked_at is not None or (cohort.closes_at is not None and cohort.closes_at <= now):
            return  # revoked, or the cohort closed before the mail went out: send nothing
        smtp = config()
        token, stop_token = new_token(), new_token()
        expires_at = invitation.expires_at or now + timedelta(days=30)
        link = join_link(base_url, token, person.lang)
        stop_url = stop_link(base_url, stop_token, person.lang)
        message = invitation_mail(person, org, sender, link, expires_at, smtp.sender, stop_url)
        invitation_id = invitation.id

        def record(session: Session) -> None:
            session.add(
                MailToken(token_hash=hash_token(stop_token), personal_invitation_id=personal_id, purpose="stop")
            )
            session.execute(
                update(Invitation).where(col(Invitation.id) == invitation_id).values(token_hash=hash_token(token))
            )
            session.execute(
                update(PersonalInvitation)
                .where(col(PersonalInvitation.id) == personal_id)
                .values(sent_at=utcnow(), delivery="sent")
            )

        send_with_job(ctx, message, smtp, record)

    return run
