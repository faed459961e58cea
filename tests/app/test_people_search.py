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
    assert got.total == len(got.rows)
    return {r.name for r in got.rows}


def test_folding_is_what_the_docstring_says() -> None:
    assert search.fold("  Đặng   THỊ Hồng ") == "dang thi hong"
    assert search.fold("Ｆｕｌｌ") == "full"
    assert search.fold("王小明") == "王小明"
    assert search.document("José Ng", None, "J@X.test") == "\x02\x02jose \x02\x02ng\n\x02\x02j@x.test"
    assert search.pattern("Van  A") == "van \x02\x02a"  # a space in the query is a word start in the text
    assert search.pattern("王") == "\x02\x02王" and search.pattern("ng") == "\x02\x02ng"  # short: a word's start
    assert search.pattern(" \x02 ") == ""
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


def test_short_queries_find_the_start_of_a_word(app: Any, org: tuple[str, str, dict[str, str]]) -> None:
    """A Chinese name is often two characters, a Vietnamese given name two letters: one or two characters
    find the words that start with them (through the same index), not "type at least 3 characters"."""
    org_id, email, _ = org
    assert found(app, org_id, "王小") == {"王小明"}
    assert found(app, org_id, "王") == {"王小明"}
    assert found(app, org_id, "李明") == {"李明华"}
    assert found(app, org_id, "明") == set()  # inside a word: not a start
    assert found(app, org_id, "ng") == {"Nguyễn Văn An", "Nguyen Van Binh"}
    assert found(app, org_id, "AN") == {"Nguyễn Văn An"}  # the given name, a word of its own
    assert found(app, org_id, "ĐẶ") == {"Đặng Thị Hồng"}  # folded: "da", not Delivery's "de"
    assert found(app, org_id, "li") == {"李明华"}  # the e-mail li.minghua@
    got = participants.listing(app.state.db, org_id, participants.Query(search="ng"))
    assert got.short and not participants.listing(app.state.db, org_id, participants.Query(search="nguyen")).short
    page = signed_in(app, email).get("/hr/participants?q=ng")
    assert page.status_code == 200 and "Nguyễn Văn An" in page.text and "type 3 or more" in page.text


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
    assert [p.name for p in people.list_people(db, org_id, search="dang").people] == ["Đặng Thị Hồng"]
    if db.dialect == "sqlite":
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO participation_fts (participation_fts, rank) VALUES ('integrity-check', 1)"))
            conn.execute(text("INSERT INTO person_fts (person_fts, rank) VALUES ('integrity-check', 1)"))


PEOPLE = {  # the people list (/hr/people): name -> (e-mail, department, level)
    "Nguyễn Văn An": ("an.nguyen@acme.test", "Delivery", "Senior"),
    "Nguyen Van Binh": ("binh@acme.test", "Sales", "Junior"),
    "Đặng Thị Hồng": ("hong.dang@acme.test", "Sales", "Lead"),
    "Ngô Bảo Châu": ("chau@acme.test", "Delivery", None),
    "王小明": ("wang@acme.test", "销售部", "Senior"),
    "王明": ("wang.ming@acme.test", "Delivery", None),
    "José Álvarez": ("jose@acme.test", "Delivery", "Junior"),
}


@pytest.fixture
def people_org(app: Any) -> tuple[str, str]:
    org_id, email = make_org(app)
    for name, (mail, department, level) in PEOPLE.items():
        raw = {"name": name, "email": mail, "department": department, "level": level or "", "lang": "vi"}
        people.add_person(app.state.db, org_id, raw, utcnow())
    return org_id, email


def listed(app: Any, org_id: str, q: str, **kw: Any) -> list[str]:
    return [p.name for p in people.list_people(app.state.db, org_id, search=q, limit=100, **kw).people]


def test_the_people_list_is_searched_like_the_participants(app: Any, people_org: tuple[str, str]) -> None:
    """/hr/people: the same folding, the same index, names in Vietnamese and Chinese, in name order."""
    org_id, email = people_org
    by_name = sorted(PEOPLE)  # the database's order of the names (binary: SQLite; "C" collation tests)
    nguyen = [n for n in by_name if n.startswith(("Nguyễn", "Nguyen"))]
    assert listed(app, org_id, "nguyen") == listed(app, org_id, "NGUYỄN") == nguyen
    assert set(listed(app, org_id, "nguyen")) == {"Nguyễn Văn An", "Nguyen Van Binh"}
    assert listed(app, org_id, "dang thi") == ["Đặng Thị Hồng"]
    assert listed(app, org_id, "ngo bao") == ["Ngô Bảo Châu"]
    assert listed(app, org_id, "王小明") == ["王小明"]
    assert listed(app, org_id, "销售部") == ["王小明"]  # the department
    assert listed(app, org_id, "WANG.MING@") == ["王明"]  # the e-mail
    assert listed(app, org_id, "%_%") == [] and listed(app, org_id, '"an') == []
    # short: the start of a word (a two-character Chinese name, a Vietnamese given name)
    assert listed(app, org_id, "王明") == ["王明"]
    assert listed(app, org_id, "王") == [n for n in by_name if n.startswith("王")]
    assert listed(app, org_id, "an") == ["Nguyễn Văn An"]  # An, an.nguyen@; not "Van", "Châu"
    assert set(listed(app, org_id, "ng")) == {"Nguyễn Văn An", "Nguyen Van Binh", "Ngô Bảo Châu"}
    assert people.list_people(app.state.db, org_id, search="ng").short
    # sorts: by department then name; descending
    assert (
        listed(app, org_id, "acme", sort="department")[:3]
        == sorted([n for n in PEOPLE if PEOPLE[n][1] == "Delivery"])[:3]
    )
    assert listed(app, org_id, "acme", sort="name", descending=True) == by_name[::-1]
    browser = signed_in(app, email)
    page = browser.get("/hr/people?q=nguyen")
    assert page.status_code == 200 and "Nguyễn Văn An" in page.text and "Đặng Thị Hồng" not in page.text
    page = browser.get("/hr/people?q=%E7%8E%8B&sort=-name", headers={"Accept-Language": "zh-Hans"})
    assert page.status_code == 200 and "王小明" in page.text and "输入一两个字符时" in page.text
    assert page.text.index("王明") < page.text.index("王小明")  # descending (明 U+660E after 小 U+5C0F)
    page = browser.get("/hr/people?sort=nonsense&q=nguyen")  # an unknown sort: by name
    assert page.status_code == 200 and page.text.index("Nguyen Van Binh") < page.text.index("Nguyễn Văn An")


def test_the_people_list_index_follows_imports_and_updates(app: Any, people_org: tuple[str, str]) -> None:
    org_id, _ = people_org
    db = app.state.db
    csv = "name,email,department\nLê Thị Mai,mai@acme.test,Finance\nJosé Pérez,jose@acme.test,Finance\n"
    people.apply(db, org_id, csv.encode(), "p.csv", utcnow())
    assert listed(app, org_id, "le thi") == ["Lê Thị Mai"]  # imported
    assert listed(app, org_id, "perez") == ["José Pérez"]  # updated by the import (the same e-mail)
    assert listed(app, org_id, "alvarez") == []
    assert set(listed(app, org_id, "financ")) == {"Lê Thị Mai", "José Pérez"}
    if db.dialect == "sqlite":
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO person_fts (person_fts, rank) VALUES ('integrity-check', 1)"))


SORTED = ["name", "department", "level", "activity", "call", "status"]


def test_a_broad_search_walks_the_sort_and_pages_like_a_narrow_one(
    app: Any, org: tuple[str, str, dict[str, str]], people_org: tuple[str, str], monkeypatch: Any
) -> None:
    """Beyond app.search.CAP matches the page walks the sort's index and checks each row's text: the same
    rows in the same order, page by page, as reading the matches through the index and sorting them; the
    count says "1,000+" (here: CAP+)."""
    org_id, email, _ = org
    people_org_id, _ = people_org
    db = app.state.db

    def pages(q: str, sort: str, descending: bool) -> list[list[str]]:
        out = []
        for offset in (0, 2, 4, 6):
            query = participants.Query(search=q, sort=sort, descending=descending, offset=offset)
            out.append([r.id for r in participants.listing(db, org_id, query, page=2).rows])
        return out

    def people_pages(q: str, sort: str, descending: bool) -> list[list[str]]:
        return [
            [
                p.id
                for p in people.list_people(
                    db, people_org_id, search=q, limit=2, offset=o, sort=sort, descending=descending
                ).people
            ]
            for o in (0, 2, 4, 6)
        ]

    queries = ("an", "nguyen", "acme", "e")
    narrow = {(q, s, d): pages(q, s, d) for q in queries for s in SORTED for d in (False, True)}
    narrow_people = {(q, s, d): people_pages(q, s, d) for q in queries for s in people.SORTS for d in (False, True)}
    page = signed_in(app, email).get("/hr/participants?q=an")
    assert "+ matches" not in page.text
    monkeypatch.setattr(search, "CAP", 1)
    walked: list[str] = []
    real = search.contains

    def spy(*args: Any) -> Any:
        walked.append(args[1])
        return real(*args)

    monkeypatch.setattr(search, "contains", spy)
    for key, expected in narrow.items():
        assert pages(*key) == expected, key
    for key, expected in narrow_people.items():
        assert people_pages(*key) == expected, key
    if db.dialect == "sqlite":  # the broad path ran (each search matches more than one row)
        assert len(walked) >= len(narrow)
    else:  # PostgreSQL's planner chooses between the GIN index and the walk itself
        assert walked == []
    got = participants.listing(db, org_id, participants.Query(search="nguyen"), page=1)
    assert got.capped and got.total == 1 and got.has_next and len(got.rows) == 1
    page = signed_in(app, email).get("/hr/participants?q=nguyen")
    assert "1+ matches" in page.text and "Counting stops there" in page.text
    # the participants' organisation lists two people (hong.dang@acme.test, li.minghua@acme.test)
    page = signed_in(app, email).get("/hr/people?q=acme", headers={"Accept-Language": "vi"})
    assert "Hơn 1 kết quả" in page.text and "Chỉ đếm đến đó" in page.text


def test_the_people_list_pages_keep_the_search_and_the_sort(app: Any) -> None:
    org_id, email = make_org(app)
    csv = "name,email,department\n" + "".join(f"Trần {n:02d},t{n:02d}@acme.test,D{n % 3}\n" for n in range(60))
    people.apply(app.state.db, org_id, csv.encode(), "p.csv", utcnow())
    browser = signed_in(app, email)
    first = browser.get("/hr/people?q=tran&sort=-department")
    assert first.status_code == 200 and "60 people" in first.text  # exact below the cap
    assert 'href="/hr/people?q=tran&amp;sort=-department&amp;offset=50"' in first.text
    assert "Previous" not in first.text
    second = browser.get("/hr/people?q=tran&sort=-department&offset=50")
    assert second.text.count("@acme.test</td>") == 10 and "Next" not in second.text
    assert 'href="/hr/people?q=tran&amp;sort=-department"' in second.text  # previous: the first page
    # by department descending, then name descending: D2 first, Trần 59, 56, ...
    names = [
        p.name
        for p in people.list_people(app.state.db, org_id, search="tran", sort="department", descending=True).people
    ]
    assert names[:2] == ["Trần 59", "Trần 56"]


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_postgresql_plans_each_search_for_its_own_pattern(app: Any, people_org: tuple[str, str]) -> None:
    """A search is never run on a generic plan: psycopg prepares a statement on its 6th run on a connection, and
    PostgreSQL may then settle on a plan made without the pattern (at 1M people it read every match of "person"
    through the trigram index: 110-175 ms instead of 0.4 ms; bench/RESULTS.md, session 7)."""
    db = app.state.db
    assert db.dialect == "postgresql"
    org_id, _ = people_org
    for q in ["nguyen", "acme", "wang", "dang thi"] * 4:
        listed(app, org_id, q)
    with db.read() as session:
        query = "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE :searching"
        plans = session.execute(text(query), {"searching": "%search_text LIKE%"}).all()
    assert plans and all(generic == 0 and custom > 0 for generic, custom in plans), plans
