"""PDF reports: real WeasyPrint output, checked with poppler (pdfinfo, pdffonts, pdftotext)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from app.services import quiz
from scoring.model import Bank
from tests.app.conftest import Browser, skip_or_fail
from tests.app.test_quiz import answer_all, start
from tests.app.test_share import create_link
from tests.conftest import pattern


@pytest.fixture(autouse=True)
def _poppler() -> None:
    if not shutil.which("pdffonts"):
        skip_or_fail("poppler-utils (pdffonts, pdftotext) not installed; scripts/system-deps.sh installs them")


def poppler(tool: str, pdf: Path, *args: str) -> str:
    return subprocess.run(
        [tool, *args, str(pdf), "-"] if tool == "pdftotext" else [tool, *args, str(pdf)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def report(app: Any, bank: Bank, tmp_path: Path, lang: str, lean: str) -> tuple[Path, Browser, str]:
    b = Browser(app, lang=lang)
    start(b, lang=lang)
    answer_all(b, bank, lean)
    url = b.post("/quiz/finish").headers["location"]
    res = b.get(url + "/report.pdf")
    assert res.status_code == 200
    assert res.headers["content-type"] == "application/pdf"
    assert res.headers["content-disposition"].startswith("attachment;")
    assert res.content.startswith(b"%PDF")
    path = tmp_path / f"report-{lang}.pdf"
    path.write_bytes(res.content)
    return path, b, url


def pages(pdf: Path) -> int:
    line = next(x for x in poppler("pdfinfo", pdf).splitlines() if x.startswith("Pages:"))
    return int(line.split()[1])


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_chinese_report_embeds_a_cjk_font(app: Any, bank: Bank, tmp_path: Path) -> None:
    pdf, _, _ = report(app, bank, tmp_path, "zh-Hans", "pm")
    fonts = poppler("pdffonts", pdf)
    assert "Noto-Sans-CJK-SC" in fonts, fonts
    assert "CJK-JP" not in fonts, "Chinese must not fall back to Japanese glyph variants"
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:]), "every font is embedded"
    text = poppler("pdftotext", pdf)
    assert "你适合：项目经理（PM）" in text
    assert "工作量：约" in text  # every action says its effort
    assert "与上级或HR商定转岗" not in text  # a PM planning for PM has no move to agree
    assert bank.dimension("scope").name["zh-Hans"] in text
    assert 2 <= pages(pdf) <= 4


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_vietnamese_report(app: Any, bank: Bank, tmp_path: Path) -> None:
    pdf, _, _ = report(app, bank, tmp_path, "vi", "am")
    text = poppler("pdftotext", pdf)
    assert "Quản lý khách hàng (AM)" in text
    assert "Khối lượng: khoảng" in " ".join(text.split())
    assert bank.dimension("capability").name["vi"] in text  # diacritics survive: Mô hình năng lực
    n = pages(pdf)
    assert 2 <= n <= 4
    assert f"{n}/{n}" in text.replace(" ", "")  # page numbers: "k / n" on every page


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_report_contents_and_shared_report(app: Any, bank: Bank, tmp_path: Path) -> None:
    pdf, owner, url = report(app, bank, tmp_path, "en", "am")
    text = poppler("pdftotext", pdf)
    for phrase in (
        "Your fit: Account Manager (AM)",
        "The six dimensions",
        "Readiness",
        "First 30 days",
        "Agree the move with your manager or HR",
        "Effort: about",
        "How rolefit scores",
        f"question bank {bank.version}",
    ):
        assert phrase in " ".join(text.split()), phrase
    assert Browser(app).get(url + "/report.pdf").status_code == 404  # owner only
    path = create_link(owner, url, "full")
    shared = Browser(app, lang="vi").get(path + "/report.pdf")
    assert shared.status_code == 200 and shared.headers["referrer-policy"] == "no-referrer"
    spdf = tmp_path / "shared.pdf"
    spdf.write_bytes(shared.content)
    stext = " ".join(poppler("pdftotext", spdf).split())
    assert "Quản lý khách hàng (AM)" in stext
    for item in bank.orientation_items[:8]:
        assert item.text["vi"][:30] not in stext, "a shared report never quotes the answers"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_report_of_too_few_answers_says_there_is_no_call(app: Any, bank: Bank, tmp_path: Path) -> None:
    b = Browser(app, lang="en")
    start(b, lang="en")
    order = quiz.question_order(bank)
    values = pattern(bank, "am").values
    for n, item_id in enumerate(order[:2], start=1):
        b.post(f"/quiz/{n}", {"item_id": item_id, "value": str(values[item_id])})
    url = b.post("/quiz/finish").headers["location"]
    pdf = tmp_path / "nocall.pdf"
    pdf.write_bytes(b.get(url + "/report.pdf").content)
    text = " ".join(poppler("pdftotext", pdf).split())
    assert "Not enough answers to call yet" in text and "Answer at least 10 more questions" in text
    assert "Your fit:" not in text
    shared = Browser(app, lang="zh-Hans").get(create_link(b, url, "recommendation"))
    assert shared.status_code == 200 and "回答还不够" in shared.text


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_owners_report_has_the_managers_view_and_a_shared_one_never(app: Any, bank: Bank, tmp_path: Path) -> None:
    from tests.app.test_manager_view import finished, invite, ratings

    b, url = finished(app, bank)
    before = tmp_path / "before.pdf"
    before.write_bytes(b.get(url + "/report.pdf").content)
    assert "Your manager's view" not in " ".join(poppler("pdftotext", before).split())  # nothing answered yet

    link = invite(b, url)  # the manager is called Hoa; the person rated every skill at level 3
    assert Browser(app).post(link.split("?")[0], ratings(bank)).status_code == 303
    pdf = tmp_path / "owner.pdf"
    pdf.write_bytes(b.get(url + "/report.pdf").content)
    text = " ".join(poppler("pdftotext", pdf).split())
    first, _, third, fourth = (s.name["en"] for s in bank.skills[:4])
    assert "Your manager's view" in text and "Hoa's view beside yours" in text
    assert f"{first} 3 3 Same level" in text  # self vs manager per skill
    assert f"{third} 3 5 Your manager rates you higher" in text
    assert f"{fourth} 3 1 You rate yourself higher" in text
    assert "Where you differ:" in text and "A conversation guide" in text
    assert f"{third}: what have you seen me do here that I may be underrating?" in text
    assert f"{fourth}: what would you need to see from me to rate it at level 3?" in text
    assert pages(pdf) <= 5

    shared = Browser(app).get(create_link(b, url, "full") + "/report.pdf")
    assert shared.status_code == 200
    spdf = tmp_path / "shared.pdf"
    spdf.write_bytes(shared.content)
    stext = " ".join(poppler("pdftotext", spdf).split())
    assert "Fit: Account Manager (AM)" in stext  # it is the same result...
    for phrase in ("Your manager's view", "Hoa", "conversation guide", "underrating", "Same level"):
        assert phrase not in stext, phrase  # ...without the manager's rating
