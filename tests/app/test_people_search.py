"""The people search (app.search): the same rows on SQLite (FTS5 trigram) and PostgreSQL (pg_trgm), with
accents folded, Chinese and Vietnamese names, the index kept in the writes' transaction, and short queries
answered with "type at least 3 characters" instead of a scan."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, text, update
from sqlmodel import col

from app import search
from app.auth import accounts
from app.models import Participation, utcnow
from app.services import hr, invitations, participants, people
from scoring.model import Bank
from tests.app.test_hr import make_org, signed_in

NAMES = {
    "Nguyễn Văn An": ("Delivery", None),
    "Nguyen Van Binh": ("Sales", None),
    "Đặng Thị Hồng": ("Sales", "hong.dang@acme.test"),
    "José Álvarez": ("Delivery", None),
    "王小明": ("销售部", None),
    "李明华": ("Delivery", "li.minghua@acme.test"),
    "Ｆｕｌｌ Ｗｉｄｔｈ": ("Sales", None),
    "Aggregate Nguyen": ("Sales", None),  # took part anonymously: never found
}


@pytest.fixture
def org(app: Any, bank: Bank) -> tuple[str, str, dict[str, str]]:
    org_id, email = make_org(app)
    db, now = app.state.db, utcnow()
    cohort, invitation = hr.create_cohort(
        db, org_id, name="Pilot", departments=["Sales", "Delivery", "销售部"], levels=[], now=now
    )
    for name, (_, mail) in NAMES.items():
        if mail:
            people.add_person(db, org_id, {"name": name, "email": mail, "lang": "en"}, now)
    sender = signed_in(app, email)
    assert sender.get("/hr").status_code == 200
    links = invitations.create_links(db, org_id, cohort.id, accounts.users_of(db, org_id)[0].id, now, "http://t/")
    personal = {m.person.email: m.link.rsplit("/", 1)[-1].split("?")[0] for m in links}
    made: dict[str, str] = {}
    for name, (department, mail) in NAMES.items():
        _, participation = hr.join(
            db,
            bank,
            personal[mail] if mail else invitation.token,
            visibility="aggregate" if name.startswith("Aggregate") else "identified",
            display_name=name,
            department=department,
            level=None,
            lang="en",
            current_role="pm",
            years=None,
            now=now + timedelta(seconds=len(made)),
        )
        made[name] = participation.id
    return org_id, email, made


def found(app: Any, org_id: str, q: str) -> set[str]:
    got = participants.listing(app.state.db, org_id, participants.Query(search=q), page=1000)
    assert not got.too_short and got.total == len(got.rows)
    return {r.name for r in got.rows}


def test_folding_is_what_the_docstring_says() -> None:
    assert search.fold("  Đặng   THỊ Hồng ") == "dang thi hong"
    assert search.fold("Ｆｕｌｌ") == "full"
    assert search.fold("王小明") == "王小明"
    assert search.document("José", None, "J@X.test") == "jose\nj@x.test"
    assert search.document(None, "Sales", None) is None


def test_accents_chinese_and_vietnamese_names_are_found_alike(app: Any, org: tuple[str, str, dict[str, str]]) -> None:
    org_id, _, _ = org
    assert found(app, org_id, "nguyen") == {"Nguyễn Văn An", "Nguyen Van Binh"}  # not the anonymous one
    assert found(app, org_id, "NGUYỄN") == {"Nguyễn Văn An", "Nguyen Van Binh"}
    assert found(app, org_id, "van a") == {"Nguyễn Văn An"}
    assert found(app, org_id, "dang") == {"Đặng Thị Hồng"}
    assert found(app, org_id, "jose alv") == {"José Álvarez"}
    assert found(app, org_id, "王小明") == {"王小明"}
    assert found(app, org_id, "销售部") == {"王小明"}  # the department
    assert found(app, org_id, "full wid") == {"Ｆｕｌｌ Ｗｉｄｔｈ"}
    assert found(app, org_id, "LI.MINGHUA@") == {"李明华"}  # the linked person's e-mail
    assert found(app, org_id, "sales") == {"Nguyen Van Binh", "Đặng Thị Hồng", "Ｆｕｌｌ Ｗｉｄｔｈ"}
    assert found(app, org_id, "%_%") == set()  # LIKE wildcards are text
    assert found(app, org_id, '"an') == set()  # FTS5 syntax is text


def test_short_queries_say_type_more(app: Any, org: tuple[str, str, dict[str, str]]) -> None:
    org_id, email, _ = org
    for q in ("ng", "王小", " a "):
        got = participants.listing(app.state.db, org_id, participants.Query(search=q))
        assert got.too_short and got.rows == [] and got.total == 0
    page = signed_in(app, email).get("/hr/participants?q=ng")
    assert page.status_code == 200 and "Type at least 3 characters to search." in page.text


def test_the_index_follows_every_write_in_its_transaction(app: Any, org: tuple[str, str, dict[str, str]]) -> None:
    org_id, _, made = org
    db = app.state.db
    with db.write() as session:
        session.execute(
            update(Participation)
            .where(col(Participation.id) == made["José Álvarez"])
            .values(search_text=search.document("José Pérez", "Delivery", None))
        )
        session.execute(delete(Participation).where(col(Participation.id) == made["Nguyen Van Binh"]))
    assert found(app, org_id, "alvarez") == set()
    assert found(app, org_id, "perez") == {"José Álvarez"}  # the row's name did not change, only its text
    assert found(app, org_id, "nguyen") == {"Nguyễn Văn An"}
    try:
        with db.write() as session:  # a write that rolls back leaves the index as it was
            session.execute(delete(Participation).where(col(Participation.id) == made["王小明"]))
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    assert found(app, org_id, "王小明") == {"王小明"}
    if db.dialect == "sqlite":  # the FTS5 index agrees with its content table
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO participation_fts (participation_fts, rank) VALUES ('integrity-check', 1)"))


def test_the_search_survives_a_scrub(app: Any, org: tuple[str, str, dict[str, str]]) -> None:
    """``rolefit db scrub`` (SQLite: VACUUM, which may renumber rowids; then the FTS5 table is rebuilt)."""
    from app.services.quiz import ERASED_TABLES

    org_id, _, made = org
    db = app.state.db
    with db.write() as session:  # a deleted row leaves a gap in the rowids for VACUUM to close
        session.execute(delete(Participation).where(col(Participation.id) == made["Nguyễn Văn An"]))
    db.scrub(ERASED_TABLES)
    assert found(app, org_id, "nguyen") == {"Nguyen Van Binh"}
    assert found(app, org_id, "王小明") == {"王小明"}
    if db.dialect == "sqlite":
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO participation_fts (participation_fts, rank) VALUES ('integrity-check', 1)"))
