"""The ``checkin.remind`` job: one check-in reminder (rows made by app/services/checkin_mail.py).

Checked again when the mail is built: if the person removed the address, used a stop link or deleted the
assessment since the reminder was queued, nothing is sent. The mail says which check-in is due and links to
the check-in page of the result (it opens for the person in their browser, or after the resume code); it
carries no result data. Every mail has its own stop link (List-Unsubscribe, one-click).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col

from app.db import Database
from app.mail.message import Outgoing, build
from app.mail.smtp import SmtpConfig, send_with_job
from app.models import CheckinMail, CheckinMailSent, utcnow
from app.tokens import hash_token, new_token

KIND = "checkin.remind"  # = app.services.checkin_mail.KIND (mail does not import services)


def stop_link(base_url: str, token: str, lang: str) -> str:
    return f"{base_url.rstrip('/')}/checkin-stop/{token}?lang={lang}"


def checkin_mail(to: str, lang: str, phase: str, *, checkin_url: str, from_address: str, stop_url: str) -> Outgoing:
    return build(
        "checkin",
        lang,
        to=to,
        sender=from_address,
        list_unsubscribe=stop_url,
        context={"phase": phase, "checkin_url": checkin_url, "unsubscribe_url": stop_url},
    )


def handler(db: Database, base_url: str, config: Callable[[], SmtpConfig]) -> Callable[[Any], None]:
    def run(ctx: Any) -> None:
        sent_id = int(ctx.payload["sent_id"])
        with db.read() as session:
            sent = session.get(CheckinMailSent, sent_id)
            address = session.get(CheckinMail, sent.assessment_id) if sent is not None else None
        if sent is None:
            return  # deleted with the assessment
        if address is None:
            with db.write() as session:
                session.execute(
                    update(CheckinMailSent).where(col(CheckinMailSent.id) == sent_id).values(skipped="removed")
                )
            return
        smtp = config()
        token = new_token()
        root = base_url.rstrip("/")
        message = checkin_mail(
            address.email,
            address.lang,
            sent.phase,
            checkin_url=f"{root}/result/{sent.assessment_id}/checkin/{sent.phase}?lang={address.lang}",
            from_address=smtp.sender,
            stop_url=stop_link(base_url, token, address.lang),
        )

        def record(session: Session) -> None:
            session.execute(
                update(CheckinMailSent)
                .where(col(CheckinMailSent.id) == sent_id)
                .values(sent_at=utcnow(), stop_hash=hash_token(token))
            )

        send_with_job(ctx, message, smtp, record)

    return run
