"""People: import CSV/XLSX with a dry-run preview, per-row errors in the HR user's language, merged
duplicates, one by hand; everything scoped to the organisation. SQLite and PostgreSQL."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from openpyxl import Workbook

from app.db import Database
from app.models import Organisation, Person, utcnow
from app.services import people
from app.services.people import PeopleError

CSV = (
    "Name,E-mail,Department,Level,Language,Manager e-mail\n"
    "Nguyễn Văn An,An@Acme.example,Sales,Senior,vi,boss@acme.example\n"
    "王芳,wang@acme.example,Delivery,Junior,zh,\n"
    "Bad Row,not-an-email,Sales,,xx,\n"
    ",nobody@acme.example,,,,\n"
    "An Nguyen,an@acme.example,,Lead,,\n"
)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    with database.write() as session:
        session.add(Organisation(id="acme", name="Acme"))
        session.add(Organisation(id="other", name="Other"))
    yield database
    database.dispose()


def everyone(db: Database, org_id: str = "acme") -> dict[str, Person]:
    return {p.email: p for p in people.list_people(db, org_id, limit=1000).people}


def test_preview_says_what_would_happen_row_by_row_and_writes_nothing(db: Database) -> None:
    preview = people.preview(db, "acme", ("\ufeff" + CSV).encode("utf-8"), "people.csv")
    assert preview.columns == ["name", "email", "department", "level", "lang", "manager_email"]
    by_line = {row.line: row for row in preview.rows}
    assert by_line[2].action == "new" and by_line[2].values["email"] == "an@acme.example"
    assert by_line[3].values["lang"] == "zh-Hans"
    assert by_line[4].action == "error"
    assert {(e.field, e.code) for e in by_line[4].errors} == {("email", "bad_email"), ("lang", "bad_lang")}
    assert [(e.field, e.code) for e in by_line[5].errors] == [("name", "missing_name")]
    assert (by_line[6].action, by_line[6].merged_into) == ("merged", 2)  # the same e-mail, other case
    assert preview.counts == {"new": 2, "update": 0, "unchanged": 0, "merged": 1, "error": 2}
    assert everyone(db) == {}


def test_apply_imports_merges_duplicates_and_a_second_import_updates(db: Database) -> None:
    result = people.apply(db, "acme", CSV.encode("utf-8"), "people.csv", utcnow())
    assert result.counts["new"] == 2
    found = everyone(db)
    assert sorted(found) == ["an@acme.example", "wang@acme.example"]
    an = found["an@acme.example"]
    # the later row of the same e-mail overrides what it gives and keeps the rest
    assert (an.name, an.department, an.level, an.lang, an.manager_email) == (
        "An Nguyen",
        "Sales",
        "Lead",
        "vi",
        "boss@acme.example",
    )
    again = people.preview(db, "acme", CSV.encode("utf-8"), "people.csv")
    assert again.counts == {"new": 0, "update": 0, "unchanged": 2, "merged": 1, "error": 2}
    changed = "name,email,department\nWang Fang,wang@acme.example,PMO\n"
    assert people.apply(db, "acme", changed.encode(), "p.csv", utcnow()).counts["update"] == 1
    wang = everyone(db)["wang@acme.example"]
    assert (wang.name, wang.department, wang.level, wang.lang) == ("Wang Fang", "PMO", "Junior", "zh-Hans")


def test_apply_from_the_previews_checked_rows_plans_again_against_the_list_as_it_is_now(db: Database) -> None:
    packed = people.pack(people.preview(db, "acme", CSV.encode("utf-8"), "people.csv"))
    assert people.is_packed(packed) and not people.is_packed(CSV.encode("utf-8"))
    assert b"Bad Row" in packed and b"Name,E-mail" not in packed  # the checked rows, not the file
    # between the preview (everything new) and the apply, someone adds one of the file's people by hand
    people.add_person(db, "acme", {"name": "Wang", "email": "wang@acme.example", "department": "PMO"}, utcnow())
    columns, rows = people.unpack(packed)
    assert columns == ["name", "email", "department", "level", "lang", "manager_email"]
    result = people.apply_checked(db, "acme", columns, rows, utcnow())
    assert result.counts == {"new": 1, "update": 1, "unchanged": 0, "merged": 1, "error": 2}
    assert {(e.field, e.code) for e in next(r for r in result.rows if r.line == 4).errors} == {
        ("email", "bad_email"),
        ("lang", "bad_lang"),
    }
    found = everyone(db)
    assert sorted(found) == ["an@acme.example", "wang@acme.example"]
    an, wang = found["an@acme.example"], found["wang@acme.example"]
    assert (an.name, an.department, an.level, an.lang, an.manager_email) == (
        "An Nguyen",
        "Sales",
        "Lead",
        "vi",
        "boss@acme.example",
    )
    assert (wang.name, wang.department, wang.lang) == ("王芳", "Delivery", "zh-Hans")
    # applied again (a second confirmation of the same rows): nothing new, nobody twice
    again = people.apply_checked(db, "acme", *people.unpack(packed), utcnow())
    assert again.counts == {"new": 0, "update": 0, "unchanged": 2, "merged": 1, "error": 2}
    assert len(everyone(db)) == 2


@pytest.mark.parametrize("data", [people.PACKED + b"{", people.PACKED + b'{"columns":[]}', people.PACKED + b"\xff"])
def test_a_damaged_packed_preview_is_refused(data: bytes) -> None:
    with pytest.raises(PeopleError) as caught:
        people.unpack(data)
    assert caught.value.code == "unreadable"


def test_errors_are_worded_in_the_hr_users_language(db: Database) -> None:
    preview = people.preview(db, "acme", CSV.encode("utf-8"), "people.csv")
    error = next(r for r in preview.rows if r.line == 5).errors[0]
    assert people.describe(error, "en") == "name: The name is missing."
    vi, zh = people.describe(error, "vi"), people.describe(error, "zh-Hans")
    assert "name" not in vi and "missing" not in vi and vi.startswith("tên")
    assert "missing" not in zh and "姓名" in zh


def test_xlsx_with_chinese_headings_and_a_semicolon_csv(db: Database) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["姓名", "邮箱", "部门", "语言"])
    sheet.append(["李雷", "li@acme.example", "交付", "zh-Hans"])
    sheet.append([None, None, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    assert people.apply(db, "acme", buffer.getvalue(), "people.xlsx", utcnow()).counts["new"] == 1
    semicolons = "name;email;level\nAna;ana@acme.example;Senior\n"
    assert people.apply(db, "acme", semicolons.encode(), "people.csv", utcnow()).counts["new"] == 1
    found = everyone(db)
    assert found["li@acme.example"].department == "交付" and found["ana@acme.example"].level == "Senior"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\xff\xfe\x00n\x00a", "unreadable"),
        (b"PK\x03\x04broken", "unreadable"),
        (b"department,level\nSales,Senior\n", "no_header"),
        (b"", "no_header"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole(db: Database, data: bytes, code: str) -> None:
    with pytest.raises(PeopleError) as caught:
        people.apply(db, "acme", data, "people.csv", utcnow())
    assert caught.value.code == code
    assert everyone(db) == {}


def test_add_one_person_by_hand_and_lists_stay_in_their_organisation(db: Database) -> None:
    person = people.add_person(db, "acme", {"name": " Mai ", "email": "Mai@Acme.example", "lang": "vi"}, utcnow())
    assert (person.name, person.email, person.lang) == ("Mai", "mai@acme.example", "vi")
    with pytest.raises(PeopleError) as caught:
        people.add_person(db, "acme", {"name": "Mai again", "email": "mai@acme.example"}, utcnow())
    assert (caught.value.code, caught.value.field) == ("exists", "email")
    with pytest.raises(PeopleError) as caught:
        people.add_person(db, "acme", {"name": "X", "email": "x@"}, utcnow())
    assert caught.value.code == "bad_email"
    people.add_person(db, "other", {"name": "Mai", "email": "mai@acme.example"}, utcnow())  # another org: fine
    assert list(everyone(db)) == ["mai@acme.example"]
    assert people.list_people(db, "acme", search="MAI").total == 1
    assert people.list_people(db, "acme", search="nobody").total == 0
