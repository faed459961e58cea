"""Personal invitations: one unguessable, one-use, expiring link per person per cohort, sent by e-mail.

- :func:`plan` says who would get a mail (people of the organisation not yet invited to the cohort): the
  bulk send's preview (the route renders one of the mails as a sample with app.mail).
- :func:`send` creates the invitations and one ``invitation.send`` job each, in one transaction.
- The job itself is :func:`app.mail.invitation.handler`: it makes the token at send time and commits its
  hash (with the job's "done") just before the SMTP final dot, so the link in the mail is the one stored,
  the token is never stored readable, and a crash can't send two different links.
- :func:`create_links` is the same without mail (SMTP not configured): the links are shown to HR once.
- :func:`revoke` ends a link; :func:`status` lists the cohort's invitations with their delivery, and
  :func:`list_personal` the organisation's, filtered and paged (the HR API).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, case, func, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col, select

from app import jobs
from app.db import Database
from app.models import AuditEvent, Cohort, Invitation, Job, Organisation, Person, PersonalInvitation
from app.tokens import hash_token, join_link, new_public_id, new_token

KIND = "invitation.send"
VALID_DAYS = 30


class InvitationError(ValueError):
    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)


def _cohort(session: Session, org_id: str, cohort_id: str, now: datetime) -> Cohort:
    cohort = session.get(Cohort, cohort_id)
    if cohort is None or cohort.org_id != org_id:
        raise InvitationError("not_found")
    if cohort.closes_at is not None and cohort.closes_at <= now:
        raise InvitationError("closed")
    return cohort


def _uninvited(session: Session, org_id: str, cohort_id: str, person_ids: Sequence[str] | None) -> list[Person]:
    invited = select(PersonalInvitation.person_id).where(col(PersonalInvitation.cohort_id) == cohort_id)
    query = select(Person).where(col(Person.org_id) == org_id, col(Person.id).not_in(invited))
    if person_ids is not None:
        query = query.where(col(Person.id).in_(list(person_ids)))
    return list(session.exec(query.order_by(col(Person.name), col(Person.email))))


@dataclass(frozen=True)
class Plan:
    cohort: Cohort
    organisation: Organisation
    recipients: list[Person]  # who would get a mail: the organisation's people not yet invited
    expires_at: datetime  # what the links sent now would say


def plan(db: Database, org_id: str, cohort_id: str, now: datetime, person_ids: Sequence[str] | None = None) -> Plan:
    """The bulk send's preview: writes nothing (the routes render a sample mail with app.mail)."""
    with db.read() as session:
        cohort = _cohort(session, org_id, cohort_id, now)
        people = _uninvited(session, org_id, cohort_id, person_ids)
        org = session.get(Organisation, org_id)
    assert org is not None
    return Plan(cohort, org, people, now + timedelta(days=VALID_DAYS))


def _create(
    session: Session, cohort: Cohort, person: Person, sender_id: str, now: datetime, token: str
) -> PersonalInvitation:
    invitation = Invitation(
        id=new_public_id(),
        cohort_id=cohort.id,
        token_hash=hash_token(token),
        max_uses=1,
        created_at=now,
        expires_at=now + timedelta(days=VALID_DAYS),
    )
    session.add(invitation)
    personal = PersonalInvitation(
        id=new_public_id(),
        cohort_id=cohort.id,
        person_id=person.id,
        invitation_id=invitation.id,
        sent_by=sender_id,
        created_at=now,
    )
    session.add(personal)
    return personal


def send(
    db: Database, org_id: str, cohort_id: str, sender_id: str, now: datetime, person_ids: Sequence[str] | None = None
) -> int:
    """Invite everyone not yet invited (or those of ``person_ids``): invitations and mail jobs, one
    transaction. Returns how many mails are queued."""
    with db.write() as session:
        cohort = _cohort(session, org_id, cohort_id, now)
        people = _uninvited(session, org_id, cohort_id, person_ids)
        # Core INSERTs on the tables (not ORM-enabled ``insert(Model)``), each one executemany of plain rows
        # compiled once: ORM objects, then the ORM's bulk-insert path, took most of the time at 10,000 people
        # (bench/RESULTS.md, issue 17 part 4). The token is a placeholder nobody ever sees: the job replaces
        # its hash.
        expires = now + timedelta(days=VALID_DAYS)
        ids = [(new_public_id(), new_public_id()) for _ in people]
        if people:
            jobs_table = _table(Job)
            session.execute(
                _table(Invitation).insert(),
                [
                    {
                        "id": inv,
                        "cohort_id": cohort.id,
                        "token_hash": hash_token(new_token()),
                        "uses": 0,
                        "max_uses": 1,
                        "created_at": now,
                        "expires_at": expires,
                    }
                    for inv, _ in ids
                ],
            )
            job_ids = session.scalars(
                jobs_table.insert().returning(jobs_table.c.id, sort_by_parameter_order=True),
                [
                    {
                        "kind": KIND,
                        "payload": {"personal_invitation_id": personal},
                        "state": "queued",
                        "run_at": now,
                        "attempts": 0,
                        "max_attempts": 5,
                        "created_at": now,
                    }
                    for _, personal in ids
                ],
            ).all()
            session.execute(
                _table(PersonalInvitation).insert(),
                [
                    {
                        "id": personal,
                        "cohort_id": cohort.id,
                        "person_id": person.id,
                        "invitation_id": inv,
                        "sent_by": sender_id,
                        "job_id": job_id,
                        "created_at": now,
                    }
                    for (inv, personal), person, job_id in zip(ids, people, job_ids, strict=True)
                ],
            )
        _count_invited(session, cohort.id, len(people))
    return len(people)


def _table(model: type[SQLModel]) -> Table:
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


def _count_invited(session: Session, cohort_id: str, n: int) -> None:
    """The funnel's ``cohort.invited``, in the transaction that makes the invitations."""
    if n:
        session.execute(update(Cohort).where(col(Cohort.id) == cohort_id).values(invited=col(Cohort.invited) + n))


def mark_opened(db: Database, invitation_id: str, now: datetime) -> None:
    """The personal link was opened (its consent page shown): the first time only, counted in the funnel."""
    with db.write() as session:
        opened = session.execute(
            update(PersonalInvitation)
            .where(col(PersonalInvitation.invitation_id) == invitation_id, col(PersonalInvitation.opened_at).is_(None))
            .values(opened_at=now)
            .returning(col(PersonalInvitation.cohort_id))
        ).scalar_one_or_none()
        if opened is not None:
            session.execute(update(Cohort).where(col(Cohort.id) == opened).values(opened=col(Cohort.opened) + 1))


@dataclass(frozen=True)
class MadeLink:
    person: Person
    link: str


def create_links(
    db: Database,
    org_id: str,
    cohort_id: str,
    sender_id: str,
    now: datetime,
    base_url: str,
    person_ids: Sequence[str] | None = None,
) -> list[MadeLink]:
    """Without mail: make the personal links now and return them (shown once; only hashes are kept)."""
    made: list[MadeLink] = []
    with db.write() as session:
        cohort = _cohort(session, org_id, cohort_id, now)
        for person in _uninvited(session, org_id, cohort_id, person_ids):
            token = new_token()
            personal = _create(session, cohort, person, sender_id, now, token)
            personal.sent_at = now
            personal.delivery = "link"
            made.append(MadeLink(person, join_link(base_url, token, person.lang)))
        _count_invited(session, cohort.id, len(made))
    return made


def cohort_of(db: Database, org_id: str, personal_id: str) -> str | None:
    """The cohort of a personal invitation of this organisation (None: not found here)."""
    with db.read() as session:
        personal = session.get(PersonalInvitation, personal_id)
        cohort = session.get(Cohort, personal.cohort_id) if personal is not None else None
    return cohort.id if cohort is not None and cohort.org_id == org_id else None


def revoke(
    db: Database, org_id: str, personal_id: str, now: datetime, actor: str | None = None, address: str | None = None
) -> bool:
    """End a personal link (it answers "revoked" from now on); audited as ``invitation.revoke`` by ``actor``
    (an HR user's id, or ``api:<token name>``) when it was not revoked already. False: not this organisation's."""
    with db.write() as session:
        personal = session.get(PersonalInvitation, personal_id)
        if personal is None:
            return False
        cohort = session.get(Cohort, personal.cohort_id)
        if cohort is None or cohort.org_id != org_id:
            return False
        changed = session.execute(
            update(Invitation)
            .where(col(Invitation.id) == personal.invitation_id, col(Invitation.revoked_at).is_(None))
            .values(revoked_at=now)
        ).rowcount  # type: ignore[attr-defined]
        if changed and actor is not None:
            detail = f"{personal_id} (cohort {cohort.id})"
            session.add(
                AuditEvent(org_id=org_id, user_id=actor, action="invitation.revoke", detail=detail, address=address)
            )
    return True


def retry(db: Database, org_id: str, personal_id: str) -> bool:
    """Send a mail that was not delivered again (its job, failed after its attempts, queued anew).
    False when the invitation is not this organisation's or its mail has not failed."""
    with db.read() as session:
        personal = session.get(PersonalInvitation, personal_id)
        cohort = session.get(Cohort, personal.cohort_id) if personal is not None else None
    if personal is None or cohort is None or cohort.org_id != org_id or personal.job_id is None:
        return False
    return jobs.retry_now(db, personal.job_id)


STATES = ("queued", "sending", "retrying", "sent", "failed", "revoked", "expired", "joined", "link")


@dataclass(frozen=True)
class Row:
    id: str
    name: str
    email: str
    lang: str
    state: str  # one of STATES
    sent_at: datetime | None
    error: str | None
    expires_at: datetime | None
    cohort_id: str = ""
    person_id: str = ""
    created_at: datetime | None = None
    opened_at: datetime | None = None


def _state(now: datetime) -> Any:
    """What became of a personal invitation, in SQL (so lists can filter and page on it): revoked, joined,
    expired, else its mail's job (queued, sending, retrying, sent, failed), else -- made without mail, or
    its done job pruned since -- what was written with the delivery ("sent" or "link")."""
    inv, job = Invitation, Job
    return case(
        (col(inv.revoked_at).is_not(None), "revoked"),
        (col(inv.uses) > 0, "joined"),
        (col(inv.expires_at).is_not(None) & (col(inv.expires_at) <= now), "expired"),
        (col(job.id).is_(None), case((col(PersonalInvitation.delivery) == "sent", "sent"), else_="link")),
        (col(job.state) == "done", "sent"),
        (col(job.state) == "failed", "failed"),
        ((col(job.state) == "queued") & (col(job.attempts) > 0), "retrying"),
        (col(job.state) == "queued", "queued"),
        else_="sending",
    )


def _rows(org_id: str, now: datetime) -> tuple[Any, Any]:
    state = _state(now).label("state")
    query = (
        sa_select(PersonalInvitation, Person, col(Invitation.expires_at), col(Job.last_error), state)
        .join(Person, col(Person.id) == col(PersonalInvitation.person_id))
        .join(Invitation, col(Invitation.id) == col(PersonalInvitation.invitation_id))
        .join(Job, col(Job.id) == col(PersonalInvitation.job_id), isouter=True)
        .where(col(Person.org_id) == org_id)
    )
    return query, state


def _row(
    personal: PersonalInvitation, person: Person, expires_at: datetime | None, error: str | None, state: str
) -> Row:
    return Row(
        personal.id,
        person.name,
        person.email,
        person.lang,
        state,
        personal.sent_at,
        error,
        expires_at,
        personal.cohort_id,
        person.id,
        personal.created_at,
        personal.opened_at,
    )


def status(db: Database, org_id: str, cohort_id: str, now: datetime) -> list[Row]:
    """The cohort's personal invitations, with what became of each mail (HR sees a failed delivery)."""
    query, _ = _rows(org_id, now)
    query = query.where(col(PersonalInvitation.cohort_id) == cohort_id).order_by(col(Person.name), col(Person.email))
    with db.read() as session:
        return [_row(*found) for found in session.execute(query).all()]


@dataclass(frozen=True)
class Listed:
    rows: list[Row]
    total: int


def list_personal(
    db: Database,
    org_id: str,
    now: datetime,
    *,
    cohort_id: str | None = None,
    state: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Listed:
    """The organisation's personal invitations, newest first, optionally of one cohort and in one state
    (:data:`STATES`), a page at a time (the HR API). Never a token: only its hash is stored anyway."""
    query, column = _rows(org_id, now)
    if cohort_id is not None:
        query = query.where(col(PersonalInvitation.cohort_id) == cohort_id)
    if state is not None:
        query = query.where(column == state)
    with db.read() as session:
        total = int(session.execute(sa_select(func.count()).select_from(query.subquery())).scalar_one())
        page = query.order_by(col(PersonalInvitation.created_at).desc(), col(PersonalInvitation.id))
        found = session.execute(page.limit(limit).offset(offset)).all()
    return Listed([_row(*f) for f in found], total)


def personal_row(db: Database, org_id: str, personal_id: str, now: datetime) -> Row | None:
    """One personal invitation of the organisation with its state (None: not found here)."""
    query, _ = _rows(org_id, now)
    with db.read() as session:
        found = session.execute(query.where(col(PersonalInvitation.id) == personal_id)).first()
    return _row(*found) if found is not None else None
