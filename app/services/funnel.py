"""The funnel per cohort and for the organisation: invited / opened / started / finished / withdrawn, and
identified vs aggregate-only.

Read from the cohort's counters (migration reminders_0001; scale_0001 for participants and finished), so a
cohort's funnel costs one row and the organisation's one pass over its cohorts, whatever the number of
people. The identified / aggregate-only split goes through :func:`app.services.hr.suppress`, the
dashboard's rule: a group under 5 is hidden, and so is the next smallest when the hidden ones could be
recovered from the total by subtraction.

- invited: personal invitations made (mailed or copied); people who join by the shared link are not
  invited one by one, so they appear from "started" on;
- opened: personal links whose consent page was shown at least once;
- started: everyone who consented (still in, or withdrawn since);
- finished: finished and still in the cohort;
- withdrawn: left the cohort (withdrew or erased their data).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import func
from sqlmodel import col, select

from app.db import Database
from app.models import Cohort
from app.services.hr import K, suppress


@dataclass(frozen=True)
class Split:
    identified: int | None  # None: hidden (fewer than K, or would reveal a hidden group)
    aggregate: int | None


@dataclass(frozen=True)
class Funnel:
    name: str | None  # the cohort's; None for the whole organisation
    cohort_id: str | None
    invited: int
    opened: int
    started: int
    finished: int
    withdrawn: int
    in_cohort: Split  # those in the cohort now (started minus withdrawn)
    done: Split  # those who finished
    reminder_days: tuple[int, ...] = ()

    @property
    def stages(self) -> list[tuple[str, int]]:
        return [
            ("invited", self.invited),
            ("opened", self.opened),
            ("started", self.started),
            ("finished", self.finished),
            ("withdrawn", self.withdrawn),
        ]


def _split(identified: int, total: int) -> Split:
    shown = suppress({"identified": identified, "aggregate": total - identified}, K)
    return Split(shown["identified"], shown["aggregate"])


def _funnel(
    name: str | None, cohort_id: str | None, counts: tuple[int, ...], reminder_days: tuple[int, ...] = ()
) -> Funnel:
    invited, opened, participants, finished, withdrawn, identified, identified_finished = (int(x or 0) for x in counts)
    return Funnel(
        name,
        cohort_id,
        invited,
        opened,
        participants + withdrawn,
        finished,
        withdrawn,
        _split(identified, participants),
        _split(identified_finished, finished),
        reminder_days,
    )


def _columns(c: type[Cohort] = Cohort) -> list[object]:
    return [c.invited, c.opened, c.participants, c.finished, c.withdrawn, c.identified, c.identified_finished]


def of_cohort(db: Database, org_id: str, cohort_id: str) -> Funnel | None:
    with db.read() as session:
        cohort = session.get(Cohort, cohort_id)
    if cohort is None or cohort.org_id != org_id:
        return None
    counts = tuple(getattr(cohort, str(getattr(c, "key", ""))) for c in _columns())
    return _funnel(cohort.name, cohort.id, counts, tuple(cohort.reminder_days))


def of_organisation(db: Database, org_id: str) -> tuple[Funnel, list[Funnel]]:
    """The organisation's funnel (sums of its cohorts' counters) and each cohort's, newest first."""
    with db.read() as session:
        total = session.execute(
            select(*[func.coalesce(func.sum(c), 0) for c in _columns()]).where(col(Cohort.org_id) == org_id)
        ).one()
        cohorts = list(
            session.exec(select(Cohort).where(col(Cohort.org_id) == org_id).order_by(col(Cohort.created_at).desc()))
        )
    rows = [
        _funnel(c.name, c.id, tuple(getattr(c, str(getattr(x, "key", ""))) for x in _columns()), tuple(c.reminder_days))
        for c in cohorts
    ]
    org = _funnel(None, None, tuple(total))
    # differencing: the organisation's split minus the cohorts' shown ones must not reveal a hidden group
    raw = [
        (c.identified, c.participants - c.identified, c.identified_finished, c.finished - c.identified_finished)
        for c in cohorts
    ]
    hidden = [0, 0, 0, 0]
    for values, row in zip(raw, rows, strict=True):
        shown = (row.in_cohort.identified, row.in_cohort.aggregate, row.done.identified, row.done.aggregate)
        for i, (value, seen) in enumerate(zip(values, shown, strict=True)):
            hidden[i] += value if seen is None else 0
    in_cohort, done = org.in_cohort, org.done
    if any(0 < h < K for h in hidden[:2]):
        in_cohort = Split(None, None)
    if any(0 < h < K for h in hidden[2:]):
        done = Split(None, None)
    return replace(org, in_cohort=in_cohort, done=done), rows
