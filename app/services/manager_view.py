"""A manager's view (180°): the person invites their manager, by link, to rate the same skills about them.

The link is like a share link: an unguessable token whose hash alone is stored, expiring, revocable (the
person deletes the row), and good for ONE submission. The manager rates each of the bank's skills on the
same five levels as the person's proficiency items (worded about the person, in the UI catalogue), or says
they cannot judge it. The manager sees nothing of the result unless the person chose ``recommendation``.

Where self and manager differ: by two levels or more. A skill's self-rating is one item on a five-level
behaviour scale, so the engine has no standard error per skill to test against; adjacent levels are the
normal disagreement of two honest observers (self-other agreement in 360° studies is modest, r ≈ .3,
Conway & Huffcutt 1997), while two levels mean the two describe different behaviour (e.g. "leads it on
their own" against "has only taken part"), which is worth a conversation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import col, select

from app.db import Database
from app.i18n import LANGS
from app.models import Assessment, ManagerRating
from app.tokens import hash_token, new_public_id, new_token
from scoring.model import Bank

SCOPES = ("none", "recommendation")
DEFAULT_DAYS = 14
MAX_DAYS = 60
MAX_LIVE = 10
MAX_NAME = 80
LEVELS = (1, 2, 3, 4, 5)
CANNOT_JUDGE = "skip"
DIFFER_AT = 2  # levels apart (see the module's docstring)


class ManagerError(ValueError):
    def __init__(self, code: str, field: str) -> None:
        self.code, self.field = code, field
        super().__init__(f"{field}: {code}")


@dataclass(frozen=True)
class Created:
    rating: ManagerRating
    token: str  # shown once; the database keeps only its hash


def field_name(skill_id: str) -> str:
    """The manager's form field for one skill."""
    return f"skill_{skill_id}"


def _clean_name(value: str, field: str) -> str:
    value = " ".join(value.split())
    if len(value) > MAX_NAME or any(c in value for c in "<>{}"):
        raise ManagerError("manager_bad_name", field)
    return value


def create(
    db: Database,
    assessment_id: str,
    *,
    label: str,
    person_name: str,
    lang: str,
    scope: str,
    days: int,
    now: datetime,
) -> Created:
    if lang not in LANGS:
        raise ManagerError("bad_lang", "lang")
    if scope not in SCOPES:
        raise ManagerError("manager_bad_scope", "scope")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ManagerError("manager_bad_days", "days")
    label, person_name = _clean_name(label, "name"), _clean_name(person_name, "display_name")
    if sum(1 for r in of(db, assessment_id) if r.submitted_at is None and r.expires_at > now) >= MAX_LIVE:
        raise ManagerError("too_many_links", "name")
    token = new_token()
    rating = ManagerRating(
        id=new_public_id(),
        assessment_id=assessment_id,
        token_hash=hash_token(token),
        label=label,
        person_name=person_name,
        lang=lang,
        scope=scope,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    with db.write() as session:
        session.add(rating)
    return Created(rating, token)


def of(db: Database, assessment_id: str) -> list[ManagerRating]:
    """This assessment's manager links, answered or not, newest first."""
    with db.read() as session:
        rows = session.exec(
            select(ManagerRating)
            .where(ManagerRating.assessment_id == assessment_id)
            .order_by(col(ManagerRating.created_at).desc())
        )
        return list(rows)


def resolve(db: Database, token: str, now: datetime) -> tuple[ManagerRating, Assessment] | None:
    """The link for ``token`` and its assessment; None when unknown, expired or withdrawn (no hint which).

    An answered link still resolves (the manager is told it was sent), but :func:`submit` refuses it.
    """
    if not token or len(token) > 100:
        return None
    with db.read() as session:
        rating = session.exec(select(ManagerRating).where(ManagerRating.token_hash == hash_token(token))).first()
        if rating is None or rating.expires_at <= now:
            return None
        assessment = session.get(Assessment, rating.assessment_id)
        if assessment is None:
            return None
        return rating, assessment


def parse(bank: Bank, form: Mapping[str, Any]) -> tuple[dict[str, int], dict[str, str]]:
    """The manager's ratings from the form, and an error code per skill field that is missing or wrong.

    Every skill needs an answer: a level 1..5 or "cannot judge"; at least one skill must be rated.
    """
    ratings: dict[str, int] = {}
    errors: dict[str, str] = {}
    for skill in bank.skills:
        name = field_name(skill.id)
        raw = form.get(name)
        if raw is None or raw == "":
            errors[name] = "manager_missing"
        elif raw == CANNOT_JUDGE:
            continue
        elif isinstance(raw, str) and raw in {str(v) for v in LEVELS}:
            ratings[skill.id] = int(raw)
        else:
            errors[name] = "manager_bad_level"
    if not errors and not ratings:
        errors[field_name(bank.skills[0].id)] = "manager_none_rated"
    return ratings, errors


def submit(db: Database, token: str, ratings: Mapping[str, int], now: datetime) -> bool:
    """Store the manager's ratings. False when the link is unknown, expired, withdrawn or already answered."""
    with db.write() as session:
        done = session.execute(
            update(ManagerRating)
            .where(col(ManagerRating.token_hash) == hash_token(token))
            .where(col(ManagerRating.submitted_at).is_(None))
            .where(col(ManagerRating.expires_at) > now)
            .values(ratings=dict(ratings), submitted_at=now)
        )
        return bool(getattr(done, "rowcount", 0))


def withdraw(db: Database, assessment_id: str, rating_id: str) -> bool:
    """Delete one of this assessment's manager links and its ratings. False when it is not one of them."""
    with db.write() as session:
        gone = session.execute(
            delete(ManagerRating)
            .where(col(ManagerRating.id) == rating_id)
            .where(col(ManagerRating.assessment_id) == assessment_id)
        )
        return bool(getattr(gone, "rowcount", 0))


@dataclass(frozen=True)
class SkillPair:
    id: str
    name: str
    self_level: int | None
    manager_level: int | None
    verdict: str  # agree | close | self_higher | manager_higher | unrated


@dataclass(frozen=True)
class SideBySide:
    rating_id: str
    label: str
    submitted_at: datetime
    rows: tuple[SkillPair, ...]

    @property
    def differing(self) -> tuple[SkillPair, ...]:
        return tuple(r for r in self.rows if r.verdict in ("self_higher", "manager_higher"))

    @property
    def agreeing(self) -> tuple[SkillPair, ...]:
        return tuple(r for r in self.rows if r.verdict in ("agree", "close"))


def verdict(self_level: int | None, manager_level: int | None) -> str:
    if self_level is None or manager_level is None:
        return "unrated"
    gap = self_level - manager_level
    if gap == 0:
        return "agree"
    if abs(gap) < DIFFER_AT:
        return "close"
    return "self_higher" if gap > 0 else "manager_higher"


def side_by_side(bank: Bank, self_levels: Mapping[str, int | None], rating: ManagerRating, lang: str) -> SideBySide:
    """Self against manager per skill, in the bank's order of skills."""
    assert rating.submitted_at is not None
    rows = tuple(
        SkillPair(
            id=s.id,
            name=s.name[lang],
            self_level=self_levels.get(s.id),
            manager_level=rating.ratings.get(s.id),
            verdict=verdict(self_levels.get(s.id), rating.ratings.get(s.id)),
        )
        for s in bank.skills
    )
    return SideBySide(rating.id, rating.label, rating.submitted_at, rows)


def export(db: Database, assessment_id: str) -> list[dict[str, Any]]:
    """The manager links and ratings for the personal data export (never the tokens: only hashes are kept)."""
    return [
        {
            "id": r.id,
            "manager_name": r.label,
            "person_name": r.person_name,
            "lang": r.lang,
            "shows_manager": r.scope,
            "created_at": r.created_at.isoformat(),
            "expires_at": r.expires_at.isoformat(),
            "submitted_at": r.submitted_at.isoformat() if r.submitted_at else None,
            "ratings": dict(sorted(r.ratings.items())),
        }
        for r in of(db, assessment_id)
    ]
