"""The psychometrics page (`rolefit psychometrics --format html`) in three languages."""

from __future__ import annotations

from typing import Any

import pytest

from analytics import Response, psychometrics
from app.i18n import fmt_number
from app.templating import environment
from scoring.model import Bank


def page(bank: Bank, report: dict[str, Any], lang: str) -> str:
    dims = {d.id: d.name for d in bank.dimensions}
    return environment(lang).get_template("psychometrics/report.html").render(report=report, lang=lang, dims=dims)


@pytest.fixture(scope="module")
def report(bank: Bank, responses: list[Response]) -> dict[str, Any]:
    return psychometrics(bank, responses, boot=20)


@pytest.mark.parametrize(
    ("lang", "heading"),
    [("en", "Reliability per dimension"), ("zh-Hans", "各维度的信度"), ("vi", "Độ tin cậy theo từng chiều")],
)
def test_the_page_in_each_language(bank: Bank, report: dict[str, Any], lang: str, heading: str) -> None:
    html = page(bank, report, lang)
    assert f'<html lang="{lang}">' in html
    assert heading in html
    assert all(d.name[lang] in html for d in bank.dimensions)
    everyone = report["versions"][0]["groups"][0]
    alpha = everyone["reliability"]["career"]["alpha"]["value"]
    assert fmt_number(alpha, lang, 2) in html  # in the reader's number format (0,82 in Vietnamese)
    assert "<script" not in html and "style=" not in html  # servable under the app's strict CSP
    if lang != "en":
        for english in ("Reliability per dimension", "Known groups", "Completion rate", "Not enough data"):
            assert english not in html, (lang, english)


def test_not_enough_data_is_said_in_words(bank: Bank, responses: list[Response]) -> None:
    tiny = psychometrics(bank, [r for r in responses if r.lang == "vi"][:4], boot=10)
    for lang, words in (("en", "Not enough data"), ("zh-Hans", "数据不足"), ("vi", "Chưa đủ dữ liệu")):
        html = page(bank, tiny, lang)
        assert html.count(words) >= 8, lang
        assert "&lt;5" in html  # a group under 5 is not counted exactly
    empty = page(bank, psychometrics(bank, []), "zh-Hans")
    assert "没有符合条件的已存答卷。" in empty
