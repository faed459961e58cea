"""SQLModel tables. Every schema change is an Alembic migration (migrations/)."""

from __future__ import annotations

import json
import zlib
from datetime import UTC, date, datetime
from typing import Any

from pydantic import ConfigDict
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Table(SQLModel):
    """The base of every table: its pydantic schema and validator are built on first use, not at import (the
    tables are read and written through SQLAlchemy; a table's validator serves only ``model_validate`` and
    ``model_dump``). Building them for the 44 tables was about 30 ms of every worker's start-up (issue 21)."""

    # SQLModel types its config as its own TypedDict, which it does not export; pydantic's is the same keys
    model_config = ConfigDict(defer_build=True)  # type: ignore[assignment]


class Assessment(Table, table=True):
    """One person's run through the quiz. ``id`` is random (it appears in URLs); secrets are stored hashed."""

    # the newest completions per language and bank version (the time estimate, app/services/duration.py)
    __table_args__ = (Index("ix_assessment_locale_bank_finished", "locale", "bank_version", "finished_at"),)

    id: str = Field(primary_key=True, max_length=32)
    owner_hash: str = Field(max_length=64, unique=True)  # sha256 of the owner token (cookie / Bearer)
    resume_hash: str = Field(max_length=64, unique=True)  # sha256 of the short resume code
    locale: str = Field(max_length=8)
    current_role: str = Field(max_length=16)
    years_experience: str | None = Field(default=None, max_length=8)
    bank_version: str = Field(max_length=16)
    position: int = 0  # index of the next question to show (resume point)
    started_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    # a retake points at the same person's first assessment (test-retest in analytics/); None for a first take
    retake_of: str | None = Field(default=None, max_length=32, index=True)
    # "full" (every question), "adaptive" (stops once the call is settled; scoring/adaptive.py) or
    # "continued" (adaptive, then the person chose to answer the full form)
    form: str = Field(default="full", sa_column=Column(String(16), nullable=False, server_default="full"))
    # a retake started from a result points at that result's assessment (the "Since your last result"
    # section); no foreign key: deleting either unlinks the other (app/services/quiz.py delete_assessment)
    previous_assessment_id: str | None = Field(default=None, max_length=32, index=True)
    # the person's choice between a retake and the result it retakes, kept on the retake: True = "this is
    # my current result", False = the earlier one counts; None = not chosen (the newest counts)
    chosen: bool | None = None


class Answer(Table, table=True):
    """One row per (assessment, item), upserted. Both values null = "prefer not to answer".

    Keyed by (assessment, item) with no surrogate id: on SQLite a WITHOUT ROWID table, so the key is
    stored once (in the table's own B-tree) instead of in the table and again in a unique index.
    """

    __table_args__ = ({"sqlite_with_rowid": False},)

    assessment_id: str = Field(
        sa_column=Column(String(32), ForeignKey("assessment.id", ondelete="CASCADE"), primary_key=True)
    )
    item_id: str = Field(primary_key=True, max_length=48)
    value_int: int | None = None
    value_option: str | None = Field(default=None, max_length=16)
    answered_at: datetime = Field(default_factory=utcnow)


class AnswerPack(Table, table=True):
    """The answers of a finished assessment packed in one row (``app.services.answer_pack``): on PostgreSQL
    68 answer rows cost a 24-byte tuple header each plus their primary-key entries (about 14 KB); one
    packed row about 0.7 KB. Written in the transaction that finishes the assessment, which deletes its
    ``answer`` rows; answers given later (the adaptive form continued, a changed answer) unpack it first.
    """

    __tablename__ = "answer_pack"

    assessment_id: str = Field(
        sa_column=Column(String(32), ForeignKey("assessment.id", ondelete="CASCADE"), primary_key=True)
    )
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class PackedJSON(TypeDecorator[Any]):
    """JSON stored compactly: no spaces, zlib-compressed, in a BLOB / bytea (a result's 8 KB become about 2 KB).

    Lossless: ``json`` writes every float with ``repr``, which reads back to the same number, so a
    stored result renders exactly as it was scored.
    """

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        return zlib.compress(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode(), 6)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return json.loads(zlib.decompress(bytes(value)))


class ResultSnapshot(Table, table=True):
    """The scored result as it was, with the versions that produced it."""

    __tablename__ = "result"

    assessment_id: str = Field(
        sa_column=Column(String(32), ForeignKey("assessment.id", ondelete="CASCADE"), primary_key=True)
    )
    bank_version: str = Field(max_length=16)
    scoring_version: str = Field(max_length=16)
    params_version: str | None = Field(default=None, max_length=64)  # calibrated parameter file, if any
    data: dict[str, Any] = Field(sa_column=Column(PackedJSON, nullable=False))
    # the form the result came from: "full" or "adaptive" (stopped early); reports keep them apart
    form: str = Field(default="full", sa_column=Column(String(16), nullable=False, server_default="full"))
    created_at: datetime = Field(default_factory=utcnow)


class ResultHistory(Table, table=True):
    """An earlier snapshot of a result, kept when ``rolefit rescore`` replaced it; it renders as it was scored."""

    __tablename__ = "result_history"

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: str = Field(
        sa_column=Column(String(32), ForeignKey("assessment.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    bank_version: str = Field(max_length=16)
    scoring_version: str = Field(max_length=16)
    params_version: str | None = Field(default=None, max_length=64)
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime  # when it was scored
    replaced_at: datetime = Field(default_factory=utcnow)


class PsychometricsReport(Table, table=True):
    """A report computed by ``rolefit psychometrics --save`` (the web worker never imports the statistics):
    for the whole installation (``org_id`` None) or one organisation's people. The page shows the newest."""

    __tablename__ = "psychometrics_report"

    id: int | None = Field(default=None, primary_key=True)
    org_id: str | None = Field(
        default=None,
        sa_column=Column(String(32), ForeignKey("organisation.id", ondelete="CASCADE"), nullable=True, index=True),
    )
    n: int  # stored assessments behind it
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class ShareLink(Table, table=True):
    """A link that shows a result to whoever holds it. Only the token's hash is stored."""

    __tablename__ = "share_link"

    id: str = Field(primary_key=True, max_length=32)  # random, for listing and revoking
    assessment_id: str = Field(
        sa_column=Column(String(32), ForeignKey("assessment.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    token_hash: str = Field(max_length=64, unique=True)
    scope: str = Field(max_length=16)  # recommendation | full
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None
    views: int = 0


# --- HR: organisations, accounts, cohorts, participation ----------------------------------------


class Organisation(Table, table=True):
    id: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    # every user must sign in with a second factor (TOTP); users without one enrol at their next sign-in
    require_mfa: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    # retention (app/services/retention.py): days after finishing (or joining) that a participation is kept;
    # None keeps it until the person withdraws or the cohort is deleted
    retain_identified_days: int | None = None
    retain_aggregate_days: int | None = None


class OperatorGrant(Table, table=True):
    """An HR account the operator of this installation trusts with the site-wide psychometrics and manual
    (all organisations). Granted and revoked only by ``rolefit operator grant|revoke EMAIL``."""

    __tablename__ = "operator_grant"
    user_id: str = Field(sa_column=Column(String(32), ForeignKey("hr_user.id", ondelete="CASCADE"), primary_key=True))
    granted_at: datetime = Field(default_factory=utcnow)


class OrgRoleLabels(Table, table=True):
    """An organisation's titles for the two roles in one language (placeholders {account}, {delivery}, ...)."""

    __tablename__ = "org_role_labels"
    org_id: str = Field(
        sa_column=Column(String(32), ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True)
    )
    lang: str = Field(primary_key=True, max_length=16)
    account: str = Field(max_length=40)
    account_short: str = Field(max_length=40)
    delivery: str = Field(max_length=40)
    delivery_short: str = Field(max_length=40)
    updated_at: datetime = Field(default_factory=utcnow)


class HrUser(Table, table=True):
    """An HR account. The e-mail is unique per organisation: one person may hold accounts in several."""

    __tablename__ = "hr_user"
    __table_args__ = (UniqueConstraint("org_id", "email", name="uq_hr_user_org_email"),)

    id: str = Field(primary_key=True, max_length=32)
    org_id: str = Field(
        sa_column=Column(String(32), ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    email: str = Field(max_length=254, index=True)  # stored lower-case
    role: str = Field(max_length=16)  # owner | analyst
    password_hash: str | None = Field(default=None, max_length=200)  # argon2id; None until set
    lang: str = Field(default="en", max_length=8)
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None  # picks the account when one e-mail and password fit several
    deactivated_at: datetime | None = None  # cannot sign in; sessions ended when it was set
    totp_key: str | None = Field(default=None, max_length=400)  # the base32 key (RFC 6238), sealed (app/vault)
    totp_enabled_at: datetime | None = None
    totp_last_step: int | None = None  # the last time step accepted: a code is never accepted twice


class HrRecoveryCode(Table, table=True):
    """A single-use MFA recovery code; only its hash is stored."""

    __tablename__ = "hr_recovery_code"

    code_hash: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(
        sa_column=Column(String(32), ForeignKey("hr_user.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    used_at: datetime | None = None


class HrPasskey(Table, table=True):
    """A WebAuthn credential (passkey) an HR user registered as a second factor (app/auth/passkeys.py).

    Only the public key is here (the private key never leaves the authenticator); deleted with the user."""

    __tablename__ = "hr_passkey"

    id: str = Field(primary_key=True, max_length=32)
    user_id: str = Field(
        sa_column=Column(String(32), ForeignKey("hr_user.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    credential_id: str = Field(max_length=1400, unique=True)  # base64url of the raw id (at most 1,023 bytes)
    public_key: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # COSE_Key
    # the authenticator's signature counter (unsigned 32-bit); 0 for authenticators that keep none
    sign_count: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    transports: str = Field(default="", max_length=200)  # comma-separated hints: internal, usb, nfc, ble, hybrid
    name: str = Field(max_length=60)  # the user's own label ("work laptop")
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None


class HrWebauthnChallenge(Table, table=True):
    """The challenge of one WebAuthn ceremony in progress: bound to the browser's session (deleted with it),
    one per purpose, single use (deleted when an answer comes), short-lived (``expires_at``)."""

    __tablename__ = "hr_webauthn_challenge"

    session_hash: str = Field(
        sa_column=Column(String(64), ForeignKey("hr_session.token_hash", ondelete="CASCADE"), primary_key=True)
    )
    purpose: str = Field(primary_key=True, max_length=16)  # register | sign_in
    challenge: str = Field(max_length=100)  # base64url
    expires_at: datetime


class PasswordToken(Table, table=True):
    """A one-time link to set a password (new account, invitation, reset)."""

    __tablename__ = "password_token"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(sa_column=Column(String(32), ForeignKey("hr_user.id", ondelete="CASCADE"), nullable=False))
    expires_at: datetime
    used_at: datetime | None = None


class HrSession(Table, table=True):
    """A signed-in browser. The cookie holds a token; only its hash is here."""

    __tablename__ = "hr_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(
        sa_column=Column(String(32), ForeignKey("hr_user.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    created_at: datetime = Field(default_factory=utcnow)
    last_seen: datetime = Field(default_factory=utcnow)
    # full: signed in; mfa: password right, the second factor still due; enrol: must set up a second factor
    stage: str = Field(default="full", sa_column=Column(String(8), nullable=False, server_default="full"))


class HrDevice(Table, table=True):
    """A browser where this user signed in before (OWASP "device cookie"). It never signs anyone in; it only
    keeps its user out of the throttle that strangers trying the same account have caused."""

    __tablename__ = "hr_device"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(
        sa_column=Column(String(32), ForeignKey("hr_user.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    created_at: datetime = Field(default_factory=utcnow)
    last_used: datetime = Field(default_factory=utcnow, index=True)


class LoginAttempt(Table, table=True):
    """Failed attempts (sign-ins, resume codes) per key, for throttles shared by every worker.

    Rows older than a day are pruned as new ones arrive (app/auth/throttle.py): no cron needed."""

    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_key_at", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=300)  # "acct:<email>", "addr:<ip>", "dev:<hash>", "resume:<ip>"
    at: datetime = Field(default_factory=utcnow, index=True)


class Cohort(Table, table=True):
    id: str = Field(primary_key=True, max_length=32)
    org_id: str = Field(
        sa_column=Column(String(32), ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    name: str = Field(max_length=200)
    departments: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    levels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    closes_at: datetime | None = None
    max_participants: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    archived_at: datetime | None = None  # closed and out of the cohort list; its data stays until deleted
    # the ``cohort.closed`` webhook event was queued (by the manual close, or the scan for cohorts closed by
    # their date: app/services/retention.py), set in that transaction by a conditional update: once per cohort
    closed_announced_at: datetime | None = None
    # kept by database triggers on participation (migration scale_0001), in the same transaction as
    # every insert, delete (withdrawal, cascades) and finish: /hr reads them instead of counting people
    participants: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    finished: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    form: str = Field(
        default="full", sa_column=Column(String(16), nullable=False, server_default="full")
    )  # or adaptive
    # the funnel (migration reminders_0001): identified / identified_finished / withdrawn kept by triggers on
    # participation like the two above; invited / opened written by the app in the same transaction as the
    # personal invitations they count (app/services/invitations.py, app/services/reminders.py)
    identified: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    identified_finished: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    withdrawn: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    invited: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    opened: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    # days after a personal invitation was sent on which a reminder goes out, e.g. [3, 7]; [] for none
    reminder_days: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))


class Invitation(Table, table=True):
    id: str = Field(primary_key=True, max_length=32)
    cohort_id: str = Field(
        sa_column=Column(String(32), ForeignKey("cohort.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    token_hash: str = Field(max_length=64, unique=True)
    uses: int = 0
    max_uses: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None
    expires_at: datetime | None = None  # personal invitations expire; the shared link closes with its cohort
    label: str | None = Field(default=None, max_length=80)  # HR's own name for the link ("Sales, March")


DIMS = ("d_scope", "d_stakeholders", "d_horizon", "d_capability", "d_position", "d_career")


class Participation(Table, table=True):
    """A person in a cohort, with their consent. The result summary is copied here for SQL aggregates."""

    __table_args__ = (
        UniqueConstraint("cohort_id", "assessment_id", name="uq_participation"),
        # a cohort's dashboard reads only ix_participation_summary (covering; see app/services/hr.py)
        # the export: one cohort's identified people in name order (no sort, no organisation-wide scan)
        Index("ix_participation_export", "cohort_id", "visibility", "display_name"),
        # organisation-wide transition candidates: identified people who fit a track, best readiness first
        # (an index walk that stops after the first CANDIDATES_SHOWN matches; see hr._candidates)
        Index(
            "ix_participation_candidates_am",
            "org_id",
            "recommendation",
            "visibility",
            "readiness_am",
            "display_name",
            "current_role",
            "department",
            "level",
            "finished_at",
            "gaps_am",
        ),
        Index(
            "ix_participation_candidates_pm",
            "org_id",
            "recommendation",
            "visibility",
            "readiness_pm",
            "display_name",
            "current_role",
            "department",
            "level",
            "finished_at",
            "gaps_pm",
        ),
        Index(
            "ix_participation_summary",
            "cohort_id",
            "finished_at",
            "department",
            "level",
            "current_role",
            "recommendation",
            "readiness_am",
            "readiness_pm",
            "gaps_fit",
            *DIMS,
            "visibility",
            "display_name",
            "gaps_am",
            "gaps_pm",
        ),
        # the participants table (app/services/participants.py): one index per sort, after the organisation
        # and visibility (migration hrpeople_0001)
        Index("ix_participation_people_name", "org_id", "visibility", "display_name", "id"),
        Index("ix_participation_people_department", "org_id", "visibility", "department", "display_name", "id"),
        Index("ix_participation_people_level", "org_id", "visibility", "level", "display_name", "id"),
        Index("ix_participation_people_call", "org_id", "visibility", "recommendation", "display_name", "id"),
        Index("ix_participation_people_activity", "org_id", "visibility", "finished_at", "display_name", "id"),
    )

    id: str = Field(primary_key=True, max_length=32)
    # org_id and cohort_id have no index of their own: the candidates indexes lead with org_id and
    # uq_participation with cohort_id
    org_id: str = Field(sa_column=Column(String(32), ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False))
    cohort_id: str = Field(sa_column=Column(String(32), ForeignKey("cohort.id", ondelete="CASCADE"), nullable=False))
    assessment_id: str = Field(
        sa_column=Column(String(32), ForeignKey("assessment.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    visibility: str = Field(max_length=16)  # identified | aggregate
    display_name: str | None = Field(default=None, max_length=120)  # identified only
    department: str | None = Field(default=None, max_length=100)
    level: str | None = Field(default=None, max_length=100)
    current_role: str = Field(max_length=16)
    consented_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    # result summary (None until the quiz is finished)
    recommendation: str | None = Field(default=None, max_length=8)
    overall: float | None = None
    readiness_am: float | None = None
    readiness_pm: float | None = None
    d_scope: float | None = None
    d_stakeholders: float | None = None
    d_horizon: float | None = None
    d_capability: float | None = None
    d_position: float | None = None
    d_career: float | None = None
    gaps_am: int = 0  # bit i set: a gap on skill i (bank order) for the AM track
    gaps_pm: int = 0
    gaps_fit: int = 0  # the mask of the track this person fits (overall >= 0: AM)
    bank_version: str | None = Field(default=None, max_length=16)
    # the people-list entry whose personal invitation this person joined with (none for the shared link)
    person_id: str | None = Field(default=None, max_length=32, index=True)
    # name, department and e-mail folded for the people search (app.search; None for aggregate-only people)
    search_text: str | None = Field(default=None, max_length=480)


GAP_BITS = 24  # skills whose gap counts the rollup keeps (bank order); the bank has 16


class ParticipationRollup(Table, table=True):
    """Finished participants of an organisation summed per (day, department, level, role) and again per
    (month, ...), for the organisation-wide dashboard: it reads a few thousand sums instead of a million
    people (whole months from the month rows, the edge days of a date range from the day rows).

    Kept by database triggers on participation (migration scale_0001) in the same transaction as every
    write, cascades included; never written by the app. Department and level are '' when not asked.
    """

    __tablename__ = "participation_rollup"

    org_id: str = Field(
        sa_column=Column(String(32), ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True)
    )
    grain: str = Field(sa_column=Column(String(1), primary_key=True))  # d: a day, m: a month (day = its 1st)
    day: date = Field(sa_column=Column(Date, primary_key=True))
    department: str = Field(sa_column=Column(String(100), primary_key=True))
    level: str = Field(sa_column=Column(String(100), primary_key=True))
    current_role: str = Field(sa_column=Column(String(16), primary_key=True))
    n: int = 0
    n_am: int = 0
    n_pm: int = 0
    n_hybrid: int = 0
    ready_am: int = 0
    near_am: int = 0
    ready_pm: int = 0
    near_pm: int = 0


_rollup_table = ParticipationRollup.__table__  # type: ignore[attr-defined]
for _dim in DIMS:  # per dimension: the sum of the scores and how many people have one
    _rollup_table.append_column(Column(f"s_{_dim[2:]}", Float, nullable=False, server_default="0"))
    _rollup_table.append_column(Column(f"c_{_dim[2:]}", Integer, nullable=False, server_default="0"))
for _bit in range(GAP_BITS):  # per skill: how many have a gap on it for the track they fit
    _rollup_table.append_column(Column(f"g{_bit}", Integer, nullable=False, server_default="0"))


class AuditEvent(Table, table=True):
    """Append-only from the app: nothing updates or deletes these rows (the organisation's own deletion
    aside). The viewer (app/routes/audit.py) reads them newest first through ``ix_audit_event_org_at``."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_org_at", "org_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: str | None = Field(default=None, max_length=32, index=True)
    user_id: str | None = Field(default=None, max_length=32)
    action: str = Field(max_length=60)
    detail: str = Field(default="", max_length=500)
    at: datetime = Field(default_factory=utcnow)
    address: str | None = Field(default=None, max_length=64)  # the client's address, when from a request


class Job(Table, table=True):
    """One unit of background work (app/jobs): an outbox row claimed by one worker at a time.

    ``state``: queued -> running -> done, or back to queued (a retry at ``run_at``), or failed after
    ``max_attempts``. A running job whose ``locked_until`` has passed belongs to a worker that died: the next
    claim takes it over with a new ``lock_token``, so the dead worker's late writes match nothing.
    """

    __table_args__ = (
        Index("ix_job_claim", "state", "run_at"),
        Index("ix_job_kind_state", "kind", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=64)
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    state: str = Field(default="queued", max_length=16)
    run_at: datetime = Field(default_factory=utcnow)
    attempts: int = 0
    max_attempts: int = 5
    locked_until: datetime | None = None
    lock_token: str | None = Field(default=None, max_length=32)
    last_error: str | None = Field(default=None, max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None


class Person(Table, table=True):
    """Someone HR may invite: belongs to the organisation (invitations belong to a cohort). One per e-mail."""

    __table_args__ = (
        UniqueConstraint("org_id", "email", name="uq_person_org_email"),
        # the people list's sorts (app/services/people.py): each walks its own index, a page at a time
        Index("ix_person_name", "org_id", "name", "email"),
        Index("ix_person_department", "org_id", "department", "name", "email"),
        Index("ix_person_level", "org_id", "level", "name", "email"),
    )

    id: str = Field(primary_key=True, max_length=32)
    org_id: str = Field(
        sa_column=Column(String(32), ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    email: str = Field(max_length=254)  # stored lower-case
    name: str = Field(max_length=200)
    department: str | None = Field(default=None, max_length=100)
    level: str | None = Field(default=None, max_length=100)
    lang: str = Field(default="en", max_length=8)
    manager_email: str | None = Field(default=None, max_length=254)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    reminders_stopped_at: datetime | None = None  # the person used a stop link: no more reminders
    search_text: str | None = Field(default=None, max_length=480)  # app.search.document: name, department, e-mail


class PersonalInvitation(Table, table=True):
    """One person's own link to a cohort: a one-use :class:`Invitation` (token hashed there) sent by e-mail.

    The token is made when the mail is sent (by the ``invitation.send`` job, committed with the job just
    before the SMTP final dot), so no readable token sits in the job's payload. ``job_id`` shows HR the
    delivery: queued, sent, retrying or failed with the server's reason.
    """

    __tablename__ = "personal_invitation"
    __table_args__ = (UniqueConstraint("cohort_id", "person_id", name="uq_personal_invitation"),)

    id: str = Field(primary_key=True, max_length=32)
    cohort_id: str = Field(
        sa_column=Column(String(32), ForeignKey("cohort.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    person_id: str = Field(
        sa_column=Column(String(32), ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    invitation_id: str = Field(
        sa_column=Column(String(32), ForeignKey("invitation.id", ondelete="CASCADE"), nullable=False, unique=True)
    )
    sent_by: str | None = Field(default=None, max_length=32)  # the HR user's id (their name and Reply-To)
    job_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    opened_at: datetime | None = None  # the link was first opened (the consent page shown)
    # set when the person joins through this invitation; the participation's row then says finished, and
    # its absence says withdrawn (a withdrawal deletes it). No foreign key: the withdrawal must not erase this
    participation_id: str | None = Field(default=None, max_length=32, index=True)
    # what became of the delivery, written with it (the mail job's commit point, or the link made for HR):
    # "sent" | "link"; None while queued. The job row says more while it exists (retrying, failed with the
    # reason) but ``jobs.prune`` deletes done jobs after 7 days: this column outlives it.
    delivery: str | None = Field(default=None, max_length=8)


class MailToken(Table, table=True):
    """A token put in one mail of a personal invitation: ``join`` (a reminder's link to the consent page, beside
    the invitation's own) or ``stop`` (the stop-reminders link). Only the hash is stored."""

    __tablename__ = "mail_token"

    token_hash: str = Field(primary_key=True, max_length=64)
    personal_invitation_id: str = Field(
        sa_column=Column(
            String(32), ForeignKey("personal_invitation.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    purpose: str = Field(max_length=8)  # join | stop
    created_at: datetime = Field(default_factory=utcnow)


class Reminder(Table, table=True):
    """One scheduled reminder step of one personal invitation: the unique key makes it happen once, whatever
    the number of workers scanning for due reminders (app/services/reminders.py)."""

    __table_args__ = (UniqueConstraint("personal_invitation_id", "step", name="uq_reminder_step"),)

    id: int | None = Field(default=None, primary_key=True)
    personal_invitation_id: str = Field(
        sa_column=Column(String(32), ForeignKey("personal_invitation.id", ondelete="CASCADE"), nullable=False)
    )
    step: int  # index into the cohort's reminder_days
    created_at: datetime = Field(default_factory=utcnow)
    job_id: int | None = None
    sent_at: datetime | None = None
    skipped: str | None = Field(default=None, max_length=16)  # why nothing was sent: finished, stopped, ...


class DigestSubscription(Table, table=True):
    """An HR user who wants the daily digest of completions."""

    __tablename__ = "digest_subscription"

    user_id: str = Field(sa_column=Column(String(32), ForeignKey("hr_user.id", ondelete="CASCADE"), primary_key=True))
    created_at: datetime = Field(default_factory=utcnow)


class DigestRun(Table, table=True):
    """One digest for one HR user and day (the key makes it daily at most), covering [since, until)."""

    __tablename__ = "digest_run"

    user_id: str = Field(sa_column=Column(String(32), ForeignKey("hr_user.id", ondelete="CASCADE"), primary_key=True))
    day: date = Field(sa_column=Column(Date, primary_key=True))
    since: datetime
    until: datetime
    job_id: int | None = None


class StagedImport(Table, table=True):
    """A previewed people file kept on the server until HR confirms it (or it expires): the confirmation posts
    its unguessable id, not the file again."""

    __tablename__ = "staged_import"

    id_hash: str = Field(primary_key=True, max_length=64)  # sha256 of the id in the form
    org_id: str = Field(sa_column=Column(String(32), ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False))
    user_id: str = Field(sa_column=Column(String(32), ForeignKey("hr_user.id", ondelete="CASCADE"), nullable=False))
    filename: str = Field(max_length=200)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    expires_at: datetime = Field(index=True)


class NormPoint(Table, table=True):
    """One finished result's score on one dimension, as a bucket of the comparison counts (``result_norm``).

    Written by the app with the result (deleted and inserted again when the result changes); deleted with the
    assessment by the cascade. Database triggers (migration result_0001) keep ``result_norm`` in step.
    """

    __tablename__ = "norm_point"

    assessment_id: str = Field(
        sa_column=Column(String(32), ForeignKey("assessment.id", ondelete="CASCADE"), primary_key=True)
    )
    dimension: str = Field(sa_column=Column(String(48), primary_key=True))
    bank_version: str = Field(max_length=16)
    lang: str = Field(max_length=8)
    bucket: int


class ResultNorm(Table, table=True):
    """How many finished results (per bank version, language and dimension) scored in each 5-point bucket.

    The comparison on the result page reads at most a few hundred of these rows, never the results.
    Kept by triggers on ``norm_point``; never written by the app.
    """

    __tablename__ = "result_norm"

    bank_version: str = Field(sa_column=Column(String(16), primary_key=True))
    lang: str = Field(sa_column=Column(String(8), primary_key=True))
    dimension: str = Field(sa_column=Column(String(48), primary_key=True))
    bucket: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    n: int = 0


class OrgSso(Table, table=True):
    """An organisation's single sign-on with OpenID Connect (app/sso). One row per organisation at most.

    ``client_secret`` is sealed (app/vault); ``domains`` is a space-separated list of lower-case e-mail
    domains whose addresses may sign in (and find this organisation on the sign-in page)."""

    __tablename__ = "org_sso"

    org_id: str = Field(
        sa_column=Column(String(32), ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True)
    )
    issuer: str = Field(max_length=500)
    client_id: str = Field(max_length=500)
    client_secret: str = Field(default="", max_length=1000)
    domains: str = Field(default="", max_length=2000)
    default_role: str = Field(default="analyst", max_length=16)
    create_users: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    required: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    updated_at: datetime = Field(default_factory=utcnow)


class SsoState(Table, table=True):
    """One sign-in round trip to a provider, in flight: single use (deleted when the callback takes it),
    short-lived, and bound to the browser that started it (the hash of a cookie set on that browser)."""

    __tablename__ = "sso_state"

    state_hash: str = Field(primary_key=True, max_length=64)
    browser_hash: str = Field(max_length=64)
    org_id: str = Field(sa_column=Column(String(32), ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False))
    nonce: str = Field(max_length=100)
    code_verifier: str = Field(max_length=200)
    next_path: str = Field(default="/hr", max_length=500)
    expires_at: datetime = Field(index=True)


class ApiToken(Table, table=True):
    """An organisation's token for the HR API (``/api/v1/hr/...``): named, scoped, expiring, revocable.

    Only the SHA-256 of the token is kept (the token has 256 random bits); ``prefix`` lets people recognise it.
    """

    __tablename__ = "api_token"

    id: str = Field(primary_key=True, max_length=32)
    org_id: str = Field(
        sa_column=Column(String(32), ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    name: str = Field(max_length=60)
    prefix: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, unique=True)
    scope: str = Field(max_length=8)  # read | write (read-write)
    created_by: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None  # updated at most once a minute


class Webhook(Table, table=True):
    """An organisation's subscription: events POSTed to ``url``, signed per the Standard Webhooks spec.

    ``signing_key``: the signing secret (``whsec_...``), sealed with the data key (app/vault): the sender needs
    it back to sign, so it cannot be hashed; a copy of the database alone cannot sign. Shown once, never listed.
    """

    __tablename__ = "webhook"

    id: str = Field(primary_key=True, max_length=32)
    org_id: str = Field(
        sa_column=Column(String(32), ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    url: str = Field(max_length=500)
    events: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    signing_key: str = Field(default="", sa_column=Column(String(400), nullable=False, server_default=""))
    created_at: datetime = Field(default_factory=utcnow)


class WebhookDelivery(Table, table=True):
    """One event for one subscription (its id is the ``webhook-id`` header: the same on every attempt)."""

    __tablename__ = "webhook_delivery"

    id: str = Field(primary_key=True, max_length=40)
    webhook_id: str = Field(
        sa_column=Column(String(32), ForeignKey("webhook.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    event: str = Field(max_length=40)
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    # the identified participation the payload speaks of: erased with it (a withdrawal, a purge, a deleted cohort)
    participation_id: str | None = Field(default=None, max_length=32, index=True)
    status: str = Field(default="queued", max_length=16)  # queued | delivered | retrying | failed
    attempts: int = 0
    response_code: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    delivered_at: datetime | None = None


# --- a manager's view (180°): the person invites their manager to rate the same skill anchors -------------


class ManagerRating(Table, table=True):
    """A manager-rating link and, once the manager has answered, their ratings (one submission per link).

    Only the token's hash is stored. ``ratings`` maps a skill id to the level 1..5 the manager chose (a skill
    the manager could not judge is left out). Deleted with the assessment (cascade) or when the person
    withdraws it.
    """

    __tablename__ = "manager_rating"

    id: str = Field(primary_key=True, max_length=32)  # random, for withdrawing
    assessment_id: str = Field(
        sa_column=Column(String(32), ForeignKey("assessment.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    token_hash: str = Field(max_length=64, unique=True)
    label: str = Field(default="", max_length=80)  # the manager's name, as the person typed it (optional)
    person_name: str = Field(default="", max_length=80)  # how the form names the person (optional)
    lang: str = Field(max_length=8)  # the language the form opens in
    scope: str = Field(default="none", max_length=16)  # what the manager sees of the result: none | recommendation
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    submitted_at: datetime | None = None
    ratings: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class PlanProgress(Table, table=True):
    """A plan action the person ticked done, with an optional note of the evidence (app/services/progress.py).

    Keyed by (assessment, action); unticking deletes the row; deleted with the assessment by the cascade.
    """

    __tablename__ = "plan_progress"

    assessment_id: str = Field(
        sa_column=Column(String(32), ForeignKey("assessment.id", ondelete="CASCADE"), primary_key=True)
    )
    action_id: str = Field(sa_column=Column(String(64), primary_key=True))
    done_at: datetime = Field(default_factory=utcnow)
    note: str | None = Field(default=None, max_length=280)


class CheckIn(Table, table=True):
    """A short re-rating of the skills in the person's plan at one phase, linked to the first result."""

    __tablename__ = "checkin"

    id: str = Field(primary_key=True, max_length=32)
    assessment_id: str = Field(
        sa_column=Column(String(32), ForeignKey("assessment.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    phase: str = Field(max_length=8)
    levels: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))  # skill id -> 1..5 or None (skipped)
    created_at: datetime = Field(default_factory=utcnow)


class CheckinMail(Table, table=True):
    """The address a person gave, by explicit opt-in, for check-in reminders (app/services/checkin_mail.py).

    Used for nothing else; removed by the person, by the mail's stop link, and with the assessment.
    """

    __tablename__ = "checkin_mail"

    assessment_id: str = Field(
        sa_column=Column(String(32), ForeignKey("assessment.id", ondelete="CASCADE"), primary_key=True)
    )
    email: str = Field(max_length=254)
    lang: str = Field(max_length=8)
    created_at: datetime = Field(default_factory=utcnow)


class CheckinMailSent(Table, table=True):
    """One check-in reminder of one phase: the unique key makes it happen once, whatever the number of workers
    scanning; ``stop_hash``: the hash of the stop link in that mail."""

    __tablename__ = "checkin_mail_sent"
    __table_args__ = (UniqueConstraint("assessment_id", "phase", name="uq_checkin_mail_phase"),)

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: str = Field(
        sa_column=Column(String(32), ForeignKey("assessment.id", ondelete="CASCADE"), nullable=False)
    )
    phase: str = Field(max_length=8)  # 30d | 3m | 6m
    created_at: datetime = Field(default_factory=utcnow)
    job_id: int | None = None
    sent_at: datetime | None = None
    skipped: str | None = Field(default=None, max_length=16)
    stop_hash: str | None = Field(default=None, max_length=64, index=True)
