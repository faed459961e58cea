"""SQLModel tables. Every schema change is an Alembic migration (migrations/)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Assessment(SQLModel, table=True):
    """One person's run through the quiz. ``id`` is random (it appears in URLs); secrets are stored hashed."""

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


class Answer(SQLModel, table=True):
    """One row per (assessment, item), upserted. Both values null = "prefer not to answer"."""

    __table_args__ = (UniqueConstraint("assessment_id", "item_id", name="uq_answer_item"),)

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: str = Field(
        sa_column=Column(String(32), ForeignKey("assessment.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    item_id: str = Field(max_length=48)
    value_int: int | None = None
    value_option: str | None = Field(default=None, max_length=16)
    answered_at: datetime = Field(default_factory=utcnow)


class ResultSnapshot(SQLModel, table=True):
    """The scored result as it was, with the versions that produced it."""

    __tablename__ = "result"

    assessment_id: str = Field(
        sa_column=Column(String(32), ForeignKey("assessment.id", ondelete="CASCADE"), primary_key=True)
    )
    bank_version: str = Field(max_length=16)
    scoring_version: str = Field(max_length=16)
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class ShareLink(SQLModel, table=True):
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


class Organisation(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class OrgRoleLabels(SQLModel, table=True):
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


class HrUser(SQLModel, table=True):
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


class PasswordToken(SQLModel, table=True):
    """A one-time link to set a password (new account, invitation, reset)."""

    __tablename__ = "password_token"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(sa_column=Column(String(32), ForeignKey("hr_user.id", ondelete="CASCADE"), nullable=False))
    expires_at: datetime
    used_at: datetime | None = None


class HrSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds a token; only its hash is here."""

    __tablename__ = "hr_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(
        sa_column=Column(String(32), ForeignKey("hr_user.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    created_at: datetime = Field(default_factory=utcnow)
    last_seen: datetime = Field(default_factory=utcnow)


class HrDevice(SQLModel, table=True):
    """A browser where this user signed in before (OWASP "device cookie"). It never signs anyone in; it only
    keeps its user out of the throttle that strangers trying the same account have caused."""

    __tablename__ = "hr_device"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(
        sa_column=Column(String(32), ForeignKey("hr_user.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    created_at: datetime = Field(default_factory=utcnow)
    last_used: datetime = Field(default_factory=utcnow, index=True)


class LoginAttempt(SQLModel, table=True):
    """Failed attempts (sign-ins, resume codes) per key, for throttles shared by every worker.

    Rows older than a day are pruned as new ones arrive (app/auth/throttle.py): no cron needed."""

    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_key_at", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=300)  # "acct:<email>", "addr:<ip>", "dev:<hash>", "resume:<ip>"
    at: datetime = Field(default_factory=utcnow, index=True)


class Cohort(SQLModel, table=True):
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


class Invitation(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=32)
    cohort_id: str = Field(
        sa_column=Column(String(32), ForeignKey("cohort.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    token_hash: str = Field(max_length=64, unique=True)
    uses: int = 0
    max_uses: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None


DIMS = ("d_scope", "d_stakeholders", "d_horizon", "d_capability", "d_position", "d_career")


class Participation(SQLModel, table=True):
    """A person in a cohort, with their consent. The result summary is copied here for SQL aggregates."""

    __table_args__ = (
        UniqueConstraint("cohort_id", "assessment_id", name="uq_participation"),
        # covering indexes: the dashboard's passes read only the index (see app/services/hr.py)
        Index(
            "ix_participation_by_department", "cohort_id", "department", "level", "current_role", "finished_at", *DIMS
        ),
        Index("ix_participation_by_level", "cohort_id", "level", "department", "current_role", "finished_at", *DIMS),
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
    )

    id: str = Field(primary_key=True, max_length=32)
    org_id: str = Field(
        sa_column=Column(String(32), ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    cohort_id: str = Field(
        sa_column=Column(String(32), ForeignKey("cohort.id", ondelete="CASCADE"), nullable=False, index=True)
    )
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


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    org_id: str | None = Field(default=None, max_length=32, index=True)
    user_id: str | None = Field(default=None, max_length=32)
    action: str = Field(max_length=60)
    detail: str = Field(default="", max_length=500)
    at: datetime = Field(default_factory=utcnow)
