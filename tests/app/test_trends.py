"""Comparison and trends: the numbers are the people's, small groups stay hidden, and two overlapping
views (a cohort and its organisation) never differ by a group of fewer than five."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date
from typing import Any

from sqlmodel import col, select

from app.models import Participation, utcnow
from app.services import hr, trends
from app.services.demo import add_simulated
from scoring.model import Bank
from tests.app.test_hr import make_org, signed_in


def cohort(app: Any, bank: Bank, org_id: str, name: str, n: int, seed: int) -> str:
    made, _ = hr.create_cohort(app.state.db, org_id, name=name, departments=[], levels=[], now=utcnow())
    add_simulated(app.state.db, bank, org_id, made.id, n=n, rng=random.Random(seed), now=utcnow())
    return made.id


def calls(app: Any, **where: Any) -> Counter[str]:
    with app.state.db.read() as session:
        query = select(Participation.recommendation).where(col(Participation.finished_at).is_not(None))
        for key, value in where.items():
            query = query.where(getattr(Participation, key) == value)
        return Counter(str(r) for r in session.exec(query))


def test_a_cohort_beside_another_and_the_organisation_counts_its_people(app: Any, bank: Bank) -> None:
    org_id, email = make_org(app)
    spring = cohort(app, bank, org_id, "Spring", 30, 1)
    autumn = cohort(app, bank, org_id, "Autumn", 25, 2)
    got = trends.compare(app.state.db, org_id, spring, autumn)
    assert got is not None and got.blocked is None
    assert (got.a.label, got.a.n, got.b.label, got.b.n) == ("Spring", 30, "Autumn", 25)
    for side, cohort_id in ((got.a, spring), (got.b, autumn)):
        truth = calls(app, cohort_id=cohort_id)
        for key, shown in side.distribution.items():
            assert shown is None or shown == truth[key]
            assert (
                shown is not None
                or truth[key] < 5
                or sum(truth[k] for k, v in side.distribution.items() if v is None) >= 5
            )
        assert all(-100 <= v <= 100 for v in side.means.values() if v is not None)
    whole = trends.compare(app.state.db, org_id, None, spring)
    assert whole is not None and whole.a.n == 55 and whole.a.label == ""
    months = Counter()
    with app.state.db.read() as session:
        for at in session.exec(select(Participation.finished_at).where(Participation.org_id == org_id)):
            months[(at.year, at.month)] += 1
    assert {(m.month.year, m.month.month): m.n for m in whole.months if m.n is not None}.items() <= months.items()
    for m in whole.months:  # "fewer than 5" only where it is true; else hidden to protect a small month
        assert m.small == (months[(m.month.year, m.month.month)] < 5)
    page = signed_in(app, email).get(f"/hr/compare?a={spring}&b={autumn}")
    assert page.status_code == 200 and "Spring compared with Autumn" in page.text
    assert "How to read the table" in page.text  # the legend: text, not colour alone


def test_differencing_a_cohort_and_its_organisation_cannot_reveal_fewer_than_five(app: Any, bank: Bank) -> None:
    org_id, email = make_org(app)
    big = cohort(app, bank, org_id, "Big", 30, 3)
    small = cohort(app, bank, org_id, "Small", 3, 4)  # the organisation is Big plus 3 people
    got = trends.compare(app.state.db, org_id, big, None)
    assert got is not None and got.blocked == "differencing"
    assert got.a.n is None and got.a.distribution == {} and got.a.means == {}
    org = got.b
    assert org.n == 33
    # whatever is shown of Big and of the organisation, no call differs by 1..4 between them
    for a, b in ((big, small), (small, big)):
        view = trends.compare(app.state.db, org_id, a, b)
        assert view is not None
        for side in (view.a, view.b):
            for key, shown in side.distribution.items():
                whole = org.distribution.get(key)
                assert shown is None or whole is None or not 0 < whole - shown < 5
    for month in got.months:  # Big's months: none 1..4 away from the organisation's same month
        whole_month = next(m for m in trends.compare(app.state.db, org_id, None, None).months if m.month == month.month)
        assert month.n is None or whole_month.n is None or not 0 < whole_month.n - month.n < 5
    assert [(m.small, m.n) for m in got.months if m.small] == [(True, None)] * sum(1 for m in got.months if m.small)
    unit = trends._months(
        {date(2026, 1, 1): {"n": 40, "AM": 40, "PM": 0, "HYBRID": 0, "NOCALL": 0},
         date(2026, 2, 1): {"n": 30, "AM": 30, "PM": 0, "HYBRID": 0, "NOCALL": 0},
         date(2026, 3, 1): {"n": 3, "AM": 3, "PM": 0, "HYBRID": 0, "NOCALL": 0}},
        None,
    )  # fmt: skip
    # March (3) is small; February is hidden too (else the total gives March away) but is not "fewer than 5"
    assert [(m.n, m.small) for m in unit] == [(40, False), (None, False), (None, True)]
    assert unit[0].small_calls == {"PM", "HYBRID", "NOCALL"}
    page = signed_in(app, email).get(f"/hr/compare?a={big}")
    assert page.status_code == 200 and "could single someone out" in page.text


def test_guarded_hides_a_call_whose_difference_is_small_and_its_complement() -> None:
    part = {"n": 40, "AM": 20, "PM": 12, "HYBRID": 8, "NOCALL": 0}
    whole = {"n": 43, "AM": 20, "PM": 15, "HYBRID": 8, "NOCALL": 0}
    shown = trends.guarded(part, whole)
    assert shown["PM"] is None  # 15 - 12 = 3 people would be readable
    hidden = sum(part[k] for k, v in shown.items() if v is None and k != "n")
    assert hidden == 0 or hidden >= 5
    assert trends.guarded(part, part) == {"AM": 20, "PM": 12, "HYBRID": 8, "NOCALL": None}


def test_another_organisations_cohort_is_not_found(app: Any, bank: Bank) -> None:
    org_id, _ = make_org(app)
    mine = cohort(app, bank, org_id, "Mine", 6, 5)
    _, other = make_org(app, "Other", "owner@other.test")
    stranger = signed_in(app, other)
    assert stranger.get(f"/hr/compare?a={mine}").status_code == 404
    assert stranger.get(f"/hr/compare?b={mine}").status_code == 404
    assert stranger.get("/hr/compare").status_code == 200
