"""The participants table and a participant's page: search, sort, filters and pages against what the rows
say (on SQLite and PostgreSQL), aggregate-only people nowhere, another organisation's refused."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
from sqlmodel import col, select

from app.models import Participation, utcnow
from app.services import hr, invitations, participants, people
from app.services.demo import add_simulated
from scoring.model import Bank
from tests.app.conftest import Browser
from tests.app.test_hr import make_org, signed_in


@pytest.fixture
def org(app: Any, bank: Bank) -> tuple[str, str, list[str]]:
    org_id, email = make_org(app)
    cohorts = []
    for i, name in enumerate(("Spring", "Autumn")):
        cohort, _ = hr.create_cohort(
            app.state.db,
            org_id,
            name=name,
            departments=["Sales", "Delivery"],
            levels=["Junior", "Senior"],
            now=utcnow(),
        )
        add_simulated(app.state.db, bank, org_id, cohort.id, n=40, rng=random.Random(i), now=utcnow())
        cohorts.append(cohort.id)
    return org_id, email, cohorts


def everyone(app: Any, org_id: str) -> list[Participation]:
    with app.state.db.read() as session:
        return list(session.exec(select(Participation).where(col(Participation.org_id) == org_id)))


def ids(listing: participants.Listing) -> list[str]:
    return [r.id for r in listing.rows]


def test_the_table_pages_through_every_identified_person_once(app: Any, org: tuple[str, str, list[str]]) -> None:
    org_id, _, _ = org
    rows = everyone(app, org_id)
    identified = sorted((p for p in rows if p.visibility == "identified"), key=lambda p: (p.display_name, p.id))
    assert 40 < len(identified) < len(rows)  # some took part anonymously
    seen: list[str] = []
    offset = 0
    while True:
        page = participants.listing(app.state.db, org_id, participants.Query(offset=offset), page=7)
        assert page.total == len(identified) and not page.capped
        if not page.rows:
            break
        seen += ids(page)
        offset += 7
    assert seen == [p.id for p in identified]  # name order, ties by id, nothing twice, no one anonymous


@pytest.mark.parametrize("key", ["department", "level", "call"])
def test_sorts_follow_the_column_then_the_name(app: Any, org: tuple[str, str, list[str]], key: str) -> None:
    org_id, _, _ = org
    column = {"department": "department", "level": "level", "call": "recommendation"}[key]
    identified = [p for p in everyone(app, org_id) if p.visibility == "identified"]
    for descending in (False, True):
        got = participants.listing(app.state.db, org_id, participants.Query(sort=key, descending=descending), page=1000)
        expected = sorted(identified, key=lambda p: (getattr(p, column), p.display_name, p.id), reverse=descending)
        assert ids(got) == [p.id for p in expected]


def test_activity_sort_puts_the_latest_finish_first(app: Any, org: tuple[str, str, list[str]]) -> None:
    org_id, _, _ = org
    got = participants.listing(app.state.db, org_id, participants.Query(sort="activity", descending=True), page=1000)
    finished = [r.activity for r in got.rows if r.status == "finished"]
    assert finished == sorted(finished, reverse=True) and len(finished) == len(got.rows)


def test_filters_and_search_select_what_they_say(app: Any, org: tuple[str, str, list[str]]) -> None:
    org_id, _, cohorts = org
    identified = [p for p in everyone(app, org_id) if p.visibility == "identified"]
    query = participants.Query(cohort=cohorts[1], department="Sales", level="Senior", call="AM")
    got = participants.listing(app.state.db, org_id, query, page=1000)
    expected = [
        p
        for p in identified
        if p.cohort_id == cohorts[1] and p.department == "Sales" and p.level == "Senior" and p.recommendation == "AM"
    ]
    assert sorted(ids(got)) == sorted(p.id for p in expected) and got.total == len(expected)
    someone = identified[3]
    word = str(someone.display_name)[1:4].upper()  # part of the name, other case (3 characters: the trigram)
    got = participants.listing(app.state.db, org_id, participants.Query(search=word), page=1000)
    assert someone.id in ids(got)
    assert all(word.lower() in (r.name + (r.department or "")).lower() for r in got.rows)
    none = participants.listing(app.state.db, org_id, participants.Query(search="%_"), page=1000)
    assert none.rows == [] and none.total == 0  # LIKE wildcards are searched as text


def test_a_personal_invitation_links_the_e_mail_and_started_people_show(app: Any, bank: Bank) -> None:
    org_id, email = make_org(app)
    db, now = app.state.db, utcnow()
    cohort, _ = hr.create_cohort(db, org_id, name="Pilot", departments=[], levels=[], now=now)
    people.add_person(db, org_id, {"name": "Trần Thị Lan", "email": "lan.tran@acme.test", "lang": "vi"}, now)
    sender = signed_in(app, email)
    assert sender.get("/hr").status_code == 200
    from app.auth import accounts

    made = invitations.create_links(
        db, org_id, cohort.id, accounts.users_of(db, org_id)[0].id, now, "http://testserver/"
    )
    token = made[0].link.rsplit("/", 1)[-1].split("?")[0]
    taker = Browser(app)
    joined = taker.post(
        f"/join/{token}",
        {"consent": "yes", "visibility": "identified", "display_name": "Lan", "lang": "vi", "current_role": "pm"},
    )
    assert joined.status_code == 303, joined.text[:300]
    got = participants.listing(db, org_id, participants.Query(search="LAN.TRAN@"))
    assert [(r.name, r.email, r.status) for r in got.rows] == [("Lan", "lan.tran@acme.test", "started")]
    started = participants.listing(db, org_id, participants.Query(status="started"))
    assert ids(started) == ids(got)
    assert participants.listing(db, org_id, participants.Query(status="finished")).rows == []
    page = sender.get(f"/hr/participants/{got.rows[0].id}")
    assert page.status_code == 200 and "lan.tran@acme.test" in page.text
    assert "Started, not finished yet" in page.text


def test_the_page_filters_without_javascript_and_as_a_fragment(app: Any, org: tuple[str, str, list[str]]) -> None:
    org_id, email, cohorts = org
    b = signed_in(app, email)
    full = b.get(f"/hr/participants?cohort={cohorts[0]}&department=Delivery&sort=-level")
    assert full.status_code == 200 and "<nav" in full.text and 'aria-sort="descending"' in full.text
    names = re.findall(r'<a href="/hr/participants/([\w-]+)">', full.text)
    expected = participants.listing(
        app.state.db,
        org_id,
        participants.Query(cohort=cohorts[0], department="Delivery", sort="level", descending=True),
    )
    assert names == ids(expected)[:50] and names
    fragment = b.get(f"/hr/participants?cohort={cohorts[0]}&department=Delivery&sort=-level", htmx=True)
    assert fragment.text.lstrip().startswith('<section id="participants"') and "<html" not in fragment.text
    assert re.findall(r'<a href="/hr/participants/([\w-]+)">', fragment.text) == names
    for bad in ("status=gone", "call=XX", "sort=answers"):
        refused = b.get(f"/hr/participants?{bad}")
        assert refused.status_code == 422 and "missing or invalid" in refused.text


def test_paging_links_keep_the_query(app: Any, org: tuple[str, str, list[str]]) -> None:
    org_id, email, _ = org
    b = signed_in(app, email)
    first = b.get("/hr/participants?sort=call")
    link = re.search(r'href="(/hr/participants\?[^"]*offset=50[^"]*)"', first.text)
    assert link is not None and "sort=call" in link.group(1)
    second = b.get(link.group(1).replace("&amp;", "&"))
    expected = participants.listing(app.state.db, org_id, participants.Query(sort="call", offset=50))
    assert re.findall(r'<a href="/hr/participants/([\w-]+)">', second.text) == ids(expected) and ids(expected)


def test_aggregate_only_people_have_no_page_and_another_organisation_none(
    app: Any, bank: Bank, org: tuple[str, str, list[str]]
) -> None:
    org_id, email, _ = org
    rows = everyone(app, org_id)
    anonymous = next(p for p in rows if p.visibility == "aggregate")
    named = next(p for p in rows if p.visibility == "identified" and p.finished_at is not None)
    b = signed_in(app, email)
    assert b.get(f"/hr/participants/{anonymous.id}").status_code == 404
    assert anonymous.id not in b.get("/hr/participants?q=").text
    page = b.get(f"/hr/participants/{named.id}")
    assert page.status_code == 200 and str(named.display_name) in page.text
    assert "Development plan towards" in page.text and "internship" not in page.text.lower()
    _, other_email = make_org(app, "Other", "owner@other.test")
    stranger = signed_in(app, other_email)
    assert stranger.get(f"/hr/participants/{named.id}").status_code == 404
    listed = stranger.get("/hr/participants")
    assert listed.status_code == 200 and named.id not in listed.text
    assert named.id not in stranger.get(f"/hr/participants?cohort={named.cohort_id}").text
