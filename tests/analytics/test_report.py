"""The whole report: usage figures, midpoint over-use by language, filters, and suppression below minimum n."""

from __future__ import annotations

import json

from analytics import Response, minimum, psychometrics, render_table
from analytics.usage import category_use, midpoint_by_language, usage
from scoring.model import Bank


def test_usage_figures(bank: Bank, responses: list[Response]) -> None:
    out = usage(bank, responses)
    assert 0.85 < out["completion_rate"] < 0.95  # 10 % of first takes planted unfinished
    assert 0.01 < out["skip_rate"] < 0.05
    assert 3 < out["median_seconds_per_answer"] < 8
    assert usage(bank, responses[: minimum.USAGE - 1]) == minimum.not_enough(minimum.USAGE - 1, minimum.USAGE)


def test_midpoint_over_use_by_language_is_found(bank: Bank, responses: list[Response]) -> None:
    out = midpoint_by_language(bank, responses)
    zh = out["languages"]["zh-Hans"]
    assert zh["ratio"] > 1.05 and zh["p"] < 0.01  # planted: 15 % midpoint responders against 5 % in en
    assert out["languages"]["en"]["midpoint"] < zh["midpoint"]
    cat = category_use(bank, responses)
    assert abs(sum(cat["shares"].values()) - 1) < 0.01


def test_report_per_version_and_language(bank: Bank, responses: list[Response]) -> None:
    report = psychometrics(bank, responses, boot=20)
    json.dumps(report)  # plain data
    (version,) = report["versions"]
    assert [g["lang"] for g in version["groups"]] == ["all", "en", "zh-Hans", "vi"]
    assert version["dif"]["flagged"]
    text = render_table(report)
    assert "language: zh-Hans" in text and "differential item functioning" in text


def test_filters_and_a_tiny_group_show_no_numbers(bank: Bank, responses: list[Response]) -> None:
    tiny = [r for r in responses if r.lang == "vi"][:4]
    rows = [r for r in responses if r.lang != "vi"] + tiny
    report = psychometrics(bank, rows, lang="vi", boot=10)
    (version,) = report["versions"]
    assert "dif" not in version  # a one-language report compares no languages
    (group,) = version["groups"]
    assert group["n"] == "<5"
    figures = [group["usage"], group["category_use"], group["known_groups"], group["retest"]]
    figures += list(group["reliability"].values())
    assert all(f["status"] == "not_enough_data" for f in figures)
    text = render_table(report)
    assert "not enough data" in text
    assert text.count("not enough data") >= 10  # every figure of the group, none with a number
    assert psychometrics(bank, rows, bank_version="0.9.9")["versions"] == []
