"""SQLModel tables. Every schema change is an Alembic migration (migrations/)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, String, UniqueConstraint
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
