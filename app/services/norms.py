"""Compared with others: where a result stands on each dimension among the people who took the same bank
version in the same language, read from per-bucket counts (``result_norm``), never from the results.

A score ``D`` in -100..+100 falls in bucket ``b = floor((D + 100) / 5)`` (0..39; +100 joins the top one).
With ``below`` people in lower buckets, ``same`` in the person's own bucket (the person included) and ``n``
in all, the percentile is the mid-rank ``100 * (below + same / 2) / n``: the share of people who scored
further towards the delivery pole, counting half of those level with the person. The bucket width makes
it exact to within half a bucket's share.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, insert, text
from sqlmodel import Session, col

from app.db import Database
from app.models import NormPoint
from scoring.model import Result

BUCKET = 5
BUCKETS = 200 // BUCKET
MIN_N = 5  # never a percentile from fewer people than this, whatever the setting


def bucket_of(score: float) -> int:
    return max(0, min(BUCKETS - 1, int((score + 100) // BUCKET)))


def record(session: Session, assessment_id: str, lang: str, result: Result) -> None:
    """Put a result's dimension buckets into the counts, replacing what it had there (in the caller's transaction).

    Only results that make a call count, and only their dimensions with enough answers.
    """
    session.execute(delete(NormPoint).where(col(NormPoint.assessment_id) == assessment_id))
    if result.recommendation == "NOCALL":
        return
    rows = [
        {
            "assessment_id": assessment_id,
            "dimension": d.id,
            "bank_version": result.bank_version,
            "lang": lang,
            "bucket": bucket_of(d.score),
        }
        for d in result.dimensions
        if d.sufficient
    ]
    if rows:
        session.execute(insert(NormPoint), rows)


@dataclass(frozen=True)
class Standing:
    dimension: str
    percentile: int  # 0..100: the share of people further towards the delivery pole (mid-rank)
    n: int


@dataclass(frozen=True)
class Comparison:
    lang: str
    bank_version: str
    n: int  # the most people any dimension has
    min_n: int
    standings: tuple[Standing, ...]  # only dimensions with at least min_n people

    @property
    def enough(self) -> bool:
        return bool(self.standings)


def compare(db: Database, bank_version: str, lang: str, scores: dict[str, float], min_n: int) -> Comparison:
    """The person's percentile on each dimension in ``scores`` that at least ``min_n`` people share."""
    min_n = max(MIN_N, min_n)
    counts: dict[str, dict[int, int]] = {}
    query = text(
        "SELECT dimension, bucket, n FROM result_norm WHERE bank_version = :bank AND lang = :lang AND n > 0"
    )  # the primary key's prefix: at most dimensions x 40 rows
    with db.read() as session:
        for dim, bucket, n in session.execute(query, {"bank": bank_version, "lang": lang}):
            counts.setdefault(dim, {})[bucket] = n
    standings = []
    for dim, score in scores.items():
        per = counts.get(dim, {})
        total = sum(per.values())
        if total < min_n:
            continue
        mine = bucket_of(score)
        below = sum(n for b, n in per.items() if b < mine)
        same = per.get(mine, 0)
        standings.append(Standing(dim, round(100 * (below + same / 2) / total), total))
    most = max((sum(v.values()) for v in counts.values()), default=0)
    return Comparison(lang, bank_version, most, min_n, tuple(standings))
