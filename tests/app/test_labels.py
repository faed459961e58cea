"""Role labels on the pages people see: the same plan item in three languages, on the result page and the PDF."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from app.models import Participation
from app.services import labels
from scoring.model import Bank
from tests.app.conftest import Browser
from tests.app.test_hr import PASSWORD, join_link, make_org, take_part
from tests.app.test_quiz import answer_all, start

# act_pm_first_wbs, outcome: "... and an experienced {delivery_short} has reviewed it." (en)
EXPECTED = {
    "en": "an experienced PM has reviewed it",
    "zh-Hans": "并已请一位资深项目经理审阅",
    "vi": "một Quản lý dự án giàu kinh nghiệm đã xem xét",
}
TITLE = {"en": "Project Manager (PM)", "zh-Hans": "项目经理（PM）", "vi": "Quản lý dự án (CM)"}


def finished(app: Any, bank: Bank, lang: str) -> tuple[Browser, str]:
    b = Browser(app, lang=lang)
    start(b, role="am", lang=lang)
    answer_all(b, bank, "pm")
    return b, b.post("/quiz/finish").headers["location"]


@pytest.mark.parametrize("lang", ["en", "zh-Hans", "vi"])
def test_result_page_fills_the_default_labels_of_each_language(app: Any, bank: Bank, lang: str) -> None:
    b, url = finished(app, bank, lang)
    html = b.get(url).text
    assert EXPECTED[lang] in html
    assert TITLE[lang] in html
    assert "{delivery" not in html and "{account" not in html


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_start_form_and_the_pdf_in_vietnamese_say_cm(app: Any, bank: Bank, tmp_path: Path) -> None:
    form = Browser(app, lang="vi").get("/start").text
    assert "Quản lý dự án (CM)" in form and "Quản lý khách hàng (AM)" in form
    b, url = finished(app, bank, "vi")
    pdf = tmp_path / "vi.pdf"
    pdf.write_bytes(b.get(url + "/report.pdf").content)
    text = " ".join(
        subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split()
    )
    assert "Quản lý dự án (CM)" in text
    assert "{" not in text


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_api_serves_filled_texts(app: Any) -> None:
    served = Browser(app, lang="vi").get("/api/v1/questions?lang=vi").text
    assert "Quản lý dự án (CM)" in served
    assert "{delivery" not in served and "{account" not in served


def test_questions_export_fills_default_labels_unless_asked_not_to() -> None:
    run = [".venv/bin/rolefit", "questions", "export"]
    out = subprocess.run(run, capture_output=True, text=True, check=True).stdout
    assert "Quản lý dự án (CM)" in out and "项目经理（PM）" in out and "{delivery" not in out
    raw = subprocess.run([*run, "--placeholders"], capture_output=True, text=True, check=True).stdout
    assert "{delivery}" in raw


# --- an organisation's labels ------------------------------------------------------------------------------

VI = {
    "account": "Trưởng nhóm khách hàng",
    "account_short": "KAM",
    "delivery": "Trưởng nhóm triển khai",
    "delivery_short": "DL",
}
ZH = {"account": "大客户经理", "account_short": "KA", "delivery": "交付经理", "delivery_short": "DM"}


def hr_browser(app: Any, email: str, lang: str = "en") -> Browser:
    b = Browser(app, lang=lang)
    res = b.post("/hr/login", {"email": email, "password": PASSWORD, "next": "/hr"})
    assert res.status_code == 303, res.text[:300]
    return b


def set_labels(b: Browser, lang: str, values: dict[str, str]) -> Any:
    return b.post("/hr/labels", {"lang": lang, **values})


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_participants_of_a_cohort_see_their_organisations_titles(app: Any, bank: Bank, tmp_path: Path) -> None:
    org, email = make_org(app)
    owner = hr_browser(app, email)
    assert set_labels(owner, "vi", VI).status_code == 200
    assert set_labels(owner, "zh-Hans", ZH).status_code == 200
    assert "Trưởng nhóm khách hàng" in owner.get("/hr/labels").text
    _, path = join_link(app, org)
    assert "KAM, DL" in Browser(app, lang="vi").get(path).text  # the consent page names the organisation's titles
    member = take_part(app, bank, path, lang="vi")
    with app.state.db.read() as session:
        url = "/result/" + session.exec(select(Participation.assessment_id)).one()
    html = member.get(url).text
    assert "Trưởng nhóm khách hàng (KAM)" in html
    assert "Quản lý khách hàng" not in html
    pdf = tmp_path / "member.pdf"
    pdf.write_bytes(member.get(url + "/report.pdf").content)
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Trưởng nhóm khách hàng (KAM)" in " ".join(out.split())
    # the same person in Chinese: the organisation's Chinese titles
    member.post("/lang", {"lang": "zh-Hans", "next": url})
    zh = member.get(url).text
    assert "大客户经理（KA）" in zh
    assert "+100 为 KA" in zh and "偏向 DM" in zh  # UI strings name the roles through the same labels
    # someone who did not join through a cohort: the defaults
    b, other = finished(app, bank, "vi")
    assert "Trưởng nhóm" not in b.get(other).text and TITLE["vi"] in b.get(other).text
    # another organisation's titles change nothing for this one
    _, email_b = make_org(app, "Beta", "owner@beta.test")
    assert set_labels(hr_browser(app, email_b), "vi", {**VI, "account": "Beta AM"}).status_code == 200
    member.post("/lang", {"lang": "vi", "next": url})
    assert "Trưởng nhóm khách hàng (KAM)" in member.get(url).text


@pytest.mark.parametrize(
    ("lang", "field", "value", "expected"),
    [
        ("vi", "delivery", "x" * 41, "Tên gọi có tối đa 40 ký tự."),
        ("zh-Hans", "delivery_short", "   ", "请输入名称，不能为空。"),
        ("en", "account", "PM\x07", "characters that are not allowed"),
        ("en", "account", "{delivery}", "cannot contain control characters, braces or angle brackets"),
    ],
)
def test_bad_titles_are_refused_in_the_users_language_and_nothing_is_stored(
    app: Any, lang: str, field: str, value: str, expected: str
) -> None:
    org, email = make_org(app)
    owner = hr_browser(app, email, lang)
    res = set_labels(owner, "vi", {**VI, field: value})
    assert 400 <= res.status_code < 500
    assert expected in res.text
    assert labels.of_org(app.state.db, org, "vi") is None


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_analysts_cannot_change_titles(app: Any) -> None:
    org, email = make_org(app)
    owner = hr_browser(app, email)
    res = owner.post("/hr/users", {"email": "ana@acme.test", "role": "analyst"})
    start_at = res.text.index("/hr/set-password/")
    Browser(app).post(res.text[start_at : res.text.index('"', start_at)], {"password": PASSWORD, "confirm": PASSWORD})
    analyst = hr_browser(app, "ana@acme.test")
    assert analyst.get("/hr/labels").status_code == 403
    assert set_labels(analyst, "vi", VI).status_code == 403
    assert labels.of_org(app.state.db, org, "vi") is None


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_landing_page_names_the_roles_through_the_labels(app: Any) -> None:
    page = Browser(app, lang="zh-Hans").get("/").text
    assert "<title>rolefit：客户经理还是项目经理？</title>" in page and "<h1>客户经理还是项目经理？</h1>" in page
    assert "{account" not in page and "{delivery" not in page
