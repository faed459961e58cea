"""Role labels on the pages people see: the same plan item in three languages, on the result page and the PDF."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from scoring.model import Bank
from tests.app.conftest import Browser
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
