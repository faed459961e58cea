"""The people pages as an HR user uses them: preview, import, add by hand, search; analysts only read."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from app import auth
from app.models import utcnow
from app.services import people, staged_imports
from tests.app.test_hr import PASSWORD, make_org, signed_in

CSV = (
    "\ufeffName,E-mail,Department,Language\n"
    "Linh,linh@acme.test,Sales,vi\n"
    "Bad,not-mail,Sales,en\n"
    "Linh N.,LINH@acme.test,,\n"
)


def test_owner_previews_then_imports_and_nothing_is_written_before(app: Any) -> None:
    org, _ = make_org(app)
    owner = signed_in(app, "owner@acme.test")
    res = owner.client.post(
        "/hr/people/import",
        data={"csrf_token": owner.csrf()},
        files={"file": ("people.csv", CSV.encode("utf-8"), "text/csv")},
        headers={"Origin": "http://testserver"},
    )
    assert res.status_code == 200, res.text
    assert "Check before importing" in res.text and "This is not an e-mail address." in res.text
    assert "merged into row 2" in res.text
    assert people.list_people(app.state.db, org).total == 0
    staged = re.search(r'name="staged" value="([^"]+)"', res.text)
    assert staged and len(staged.group(1)) >= 40  # an id, not the file
    owner_id = auth.users_of(app.state.db, org)[0].id
    kept = staged_imports.take(app.state.db, org, owner_id, staged.group(1), utcnow())
    assert kept is not None and people.is_packed(kept[0])  # the checked rows: the apply does not read it again
    done = owner.post("/hr/people/import/apply", {"staged": staged.group(1)})
    assert done.status_code == 303 and done.headers["location"] == "/hr/people?imported=1"
    page = owner.get("/hr/people?imported=1")
    assert "Imported: 1 people added or updated." in page.text and "linh@acme.test" in page.text
    (person,) = people.list_people(app.state.db, org).people
    assert (person.name, person.department, person.lang) == ("Linh N.", "Sales", "vi")


def test_a_file_staged_before_the_checked_rows_were_kept_still_imports(app: Any) -> None:
    org, _ = make_org(app)
    owner = signed_in(app, "owner@acme.test")
    owner_id = auth.users_of(app.state.db, org)[0].id
    # staged by the previous version (the raw file) within the hour before an upgrade
    token = staged_imports.stage(app.state.db, org, owner_id, CSV.encode("utf-8"), "people.csv", utcnow())
    done = owner.post("/hr/people/import/apply", {"staged": token})
    assert done.status_code == 303 and done.headers["location"] == "/hr/people?imported=1"
    (person,) = people.list_people(app.state.db, org).people
    assert (person.name, person.department, person.lang) == ("Linh N.", "Sales", "vi")


def test_errors_come_in_the_hr_users_language_and_change_nothing(app: Any) -> None:
    org, _ = make_org(app)
    owner = signed_in(app, "owner@acme.test")
    owner.client.headers["accept-language"] = "vi"
    owner.client.cookies.set("rolefit_lang", "vi")
    res = owner.post("/hr/people", {"name": "X", "email": "x@"})
    assert res.status_code == 422
    assert "Đây không phải là địa chỉ e-mail hợp lệ." in res.text
    res = owner.post("/hr/people/import", {"content": "department\nSales\n"})
    assert res.status_code == 422 and "Dòng đầu tiên phải là tên cột" in res.text
    res = owner.post("/hr/people/import/apply", {"staged": "no-such-import"})
    assert res.status_code == 422 and "Bản xem trước này đã hết hạn" in res.text
    assert people.list_people(app.state.db, org).total == 0


def test_add_by_hand_search_and_analysts_only_read(app: Any) -> None:
    org, _ = make_org(app)
    owner = signed_in(app, "owner@acme.test")
    added = owner.post("/hr/people", {"name": "Mai Tran", "email": "mai@acme.test", "department": "PMO", "lang": "vi"})
    assert added.status_code == 303
    owner.post("/hr/people", {"name": "An Le", "email": "an@acme.test", "department": "Sales"})
    assert owner.post("/hr/people", {"name": "Mai", "email": "MAI@acme.test"}).status_code == 422
    page = owner.get("/hr/people?q=pmo").text
    assert "mai@acme.test" in page and "an@acme.test" not in page
    invited = auth.invite(app.state.db, org, "ana@acme.test", "analyst", utcnow(), by="test")
    auth.set_password(app.state.db, invited.token, PASSWORD, utcnow())
    analyst = signed_in(app, "ana@acme.test")
    page = analyst.get("/hr/people")
    assert page.status_code == 200 and "mai@acme.test" in page.text
    assert "Add a person" not in page.text and "Import people" not in page.text
    assert analyst.post("/hr/people", {"name": "Z", "email": "z@acme.test"}).status_code == 403
    assert analyst.post("/hr/people/import", {"content": "name,email\nZ,z@acme.test\n"}).status_code == 403
    assert people.list_people(app.state.db, org).total == 2


def test_personal_invitations_page_without_smtp_gives_links_to_copy_once(app: Any) -> None:
    from app.services import hr

    org, _ = make_org(app)
    cohort, _ = hr.create_cohort(app.state.db, org, name="Autumn", now=utcnow())
    people.apply(app.state.db, org, b"name,email,language\nLinh,linh@acme.test,vi\n", "p.csv", utcnow())
    owner = signed_in(app, "owner@acme.test")
    page = owner.get(f"/hr/cohorts/{cohort.id}/personal")
    assert page.status_code == 200 and "E-mail is not set up on this server" in page.text
    preview = owner.post(f"/hr/cohorts/{cohort.id}/personal/preview")
    assert preview.status_code == 200 and "linh@acme.test" in preview.text and "Make the links" in preview.text
    assert "Xin chào Linh" in preview.text  # the sample mail, in Linh's language
    made = owner.post(f"/hr/cohorts/{cohort.id}/personal/send")
    link = re.search(r'id="personal-link-1" readonly[^>]*>http://testserver(/join/[^<]+)</textarea>', made.text)
    assert made.status_code == 200 and link is not None and link.group(1).endswith("?lang=vi")
    assert "Xin chào" not in owner.get(f"/hr/cohorts/{cohort.id}/personal").text
    assert "/join/" not in owner.get(f"/hr/cohorts/{cohort.id}/personal").text  # shown once only
    assert owner.client.get(link.group(1).replace("&amp;", "&")).status_code == 200


def test_with_smtp_the_send_is_queued_and_shown(app: Any, settings: Any) -> None:
    from app.services import hr

    settings.smtp_host = "127.0.0.1"
    org, _ = make_org(app)
    cohort, _ = hr.create_cohort(app.state.db, org, name="Autumn", now=utcnow())
    people.apply(app.state.db, org, b"name,email\nAn,an@acme.test\nBo,bo@acme.test\n", "p.csv", utcnow())
    owner = signed_in(app, "owner@acme.test")
    assert "Send the invitations" in owner.post(f"/hr/cohorts/{cohort.id}/personal/preview").text
    sent = owner.post(f"/hr/cohorts/{cohort.id}/personal/send")
    assert sent.status_code == 303
    page = owner.get(sent.headers["location"]).text
    assert "2 invitations are being sent." in page and page.count("waiting to be sent") == 2


def test_a_file_of_5000_people_is_previewed_and_imported_and_other_routes_keep_the_small_limit(app: Any) -> None:
    org, _ = make_org(app)
    owner = signed_in(app, "owner@acme.test")
    rows = "".join(f"Person {n},p{n}@acme.test,Dept {n % 7},L{n % 3},vi,boss{n % 9}@acme.test\n" for n in range(5000))
    data = ("name,email,department,level,language,manager email\n" + rows).encode()
    assert len(data) > 64 * 1024
    res = owner.client.post(
        "/hr/people/import",
        data={"csrf_token": owner.csrf()},
        files={"file": ("people.csv", data, "text/csv")},
        headers={"Origin": "http://testserver"},
    )
    assert res.status_code == 200 and "New: 5000" in res.text and "200 of 5000 rows" in res.text
    staged = re.search(r'name="staged" value="([^"]+)"', res.text)
    assert staged
    done = owner.post("/hr/people/import/apply", {"staged": staged.group(1)})
    assert done.status_code == 303 and done.headers["location"] == "/hr/people?imported=5000"
    assert people.list_people(app.state.db, org).total == 5000
    assert owner.post("/hr/people", {"name": "x" * 70_000, "email": "x@acme.test"}).status_code == 413


def test_a_file_near_8_mib_is_previewed_once_and_confirmed_by_its_id_and_one_over_is_refused(app: Any) -> None:
    """The confirmation posts the staged file's id (a few bytes), not the file again: a file just under the
    8 MiB upload limit is imported; one byte over the limit is refused with 413 and nothing is stored."""
    org, _ = make_org(app)
    owner = signed_in(app, "owner@acme.test")
    limit = app.state.settings.max_import_bytes
    assert limit == 8 * 1024 * 1024
    head = b"name,email,department,notes\n"
    row = b"Person %05d,p%05d@acme.test,Sales," + b"n" * 420 + b"\n"
    rows = [row % (n, n) for n in range(19_000)]
    data = head + b"".join(rows)
    data = data[: data.rindex(b"\n", 0, limit - 8 * 1024) + 1]  # whole rows, under the limit with the form
    assert limit - 16 * 1024 < len(data) < limit
    n = data.count(b"\n") - 1

    def upload(content: bytes) -> Any:
        return owner.client.post(
            "/hr/people/import",
            data={"csrf_token": owner.csrf()},
            files={"file": ("people.csv", content, "text/csv")},
            headers={"Origin": "http://testserver"},
        )

    res = upload(data)
    assert res.status_code == 200 and f"New: {n}" in res.text, res.text[:300]
    staged = re.search(r'name="staged" value="([^"]+)"', res.text)
    assert staged and len(res.text) < len(data)  # the page does not carry the file back
    done = owner.post("/hr/people/import/apply", {"staged": staged.group(1)})
    assert done.status_code == 303 and done.headers["location"] == f"/hr/people?imported={n}"
    assert people.list_people(app.state.db, org).total == n
    again = owner.post("/hr/people/import/apply", {"staged": staged.group(1)})  # used: gone
    assert again.status_code == 422

    over = upload(data + b"x" * (limit - len(data) + 1))
    assert over.status_code == 413
    assert people.list_people(app.state.db, org).total == n


def test_a_staged_file_is_only_its_users_and_expires(app: Any) -> None:
    org, _ = make_org(app)
    db = app.state.db
    owner_id = auth.users_of(db, org)[0].id
    token = staged_imports.stage(db, org, owner_id, b"name,email\nA,a@acme.test\n", "p.csv", utcnow())
    assert staged_imports.take(db, org, owner_id, token, utcnow()) is not None
    assert staged_imports.take(db, org, "someone-else", token, utcnow()) is None
    assert staged_imports.take(db, "another-org", owner_id, token, utcnow()) is None
    assert staged_imports.take(db, org, owner_id, token, utcnow() + timedelta(hours=2)) is None
    # staging another file later deletes the expired one
    staged_imports.stage(db, org, owner_id, b"name,email\n", "q.csv", utcnow() + timedelta(hours=2))
    assert staged_imports.take(db, org, owner_id, token, utcnow()) is None
