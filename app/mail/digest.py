"""The ``digest.send`` job: one HR user's digest of completions (queued by app/services/digest.py).

Per cohort of the organisation, how many finished in the run's period, the names of the identified ones
(those who chose to be named to HR), a count only for the aggregate-only ones, and no result of anyone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.db import Database
from app.mail.message import Outgoing, build
from app.mail.smtp import SmtpConfig, send_with_job
from app.models import Cohort, DigestRun, HrUser, Organisation, Participation

KIND = "digest.send"  # = app.services.digest.KIND (mail does not import services)
NAMES_SHOWN = 30


@dataclass(frozen=True)
class CohortDigest:
    name: str
    finished: int  # in the period
    names: list[str]  # identified participants who finished in the period (the first NAMES_SHOWN)
    more: int  # identified ones not named for length
    aggregate: int  # aggregate-only: counted, never named
    finished_total: int
    participants: int


def completions(session: Session, org_id: str, since: datetime, until: datetime) -> list[CohortDigest]:
    """Per cohort of the organisation, who finished in [since, until): a range of each cohort's index."""
    out: list[CohortDigest] = []
    p = Participation
    for cohort in session.exec(select(Cohort).where(col(Cohort.org_id) == org_id).order_by(col(Cohort.name))):
        period = (col(p.cohort_id) == cohort.id, col(p.finished_at) >= since, col(p.finished_at) < until)
        n, identified = session.execute(
            select(func.count(), func.count().filter(col(p.visibility) == "identified")).where(*period)
        ).one()
        if not n:
            continue
        names = session.exec(
            select(p.display_name)
            .where(*period, col(p.visibility) == "identified")
            .order_by(col(p.display_name))
            .limit(NAMES_SHOWN)
        )
        shown = [str(name) for name in names]
        out.append(
            CohortDigest(
                cohort.name,
                int(n),
                shown,
                int(identified) - len(shown),
                int(n) - int(identified),
                cohort.finished,
                cohort.participants,
            )
        )
    return out


def digest_mail(
    user: HrUser, org: Organisation, since: datetime, cohorts: list[CohortDigest], base_url: str, sender: str
) -> Outgoing:
    base = base_url.rstrip("/")
    return build(
        "digest",
        user.lang,
        to=user.email,
        sender=sender,
        context={
            "org_name": org.name,
            "total": sum(c.finished for c in cohorts),
            "since": since,
            "cohorts": cohorts,
            "dashboard_url": f"{base}/hr",
            "settings_url": f"{base}/hr/funnel",
        },
    )


def handler(db: Database, base_url: str, config: Callable[[], SmtpConfig]) -> Callable[[Any], None]:
    def run(ctx: Any) -> None:
        user_id, day = str(ctx.payload["user_id"]), date.fromisoformat(str(ctx.payload["day"]))
        with db.read() as session:
            digest_run = session.get(DigestRun, (user_id, day))
            user = session.get(HrUser, user_id)
            org = session.get(Organisation, user.org_id) if user is not None else None
            if digest_run is None or user is None or org is None:
                return  # the account was deleted
            cohorts = completions(session, org.id, digest_run.since, digest_run.until)
        if not cohorts:
            return  # everyone in it withdrew since: nothing to tell
        smtp = config()
        send_with_job(ctx, digest_mail(user, org, digest_run.since, cohorts, base_url, smtp.sender), smtp)

    return run
