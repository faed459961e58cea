"""`rolefit manual`: the technical manual from the stored answers, a page and a PDF in each language."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.config import Settings, get_settings
from scoring.model import Bank
from tests.app.test_pdf import poppler

SECTIONS = (
    "Description of the instrument",
    "Scoring and reporting",
    "Norms",
    "Reliability",
    "Validity",
    "Fairness across languages",
    "What is not known yet",
    "Checklist",
)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_manual_from_a_small_demo_says_what_is_not_known(
    settings: Settings, bank: Bank, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROLEFIT_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    try:
        demo = CliRunner().invoke(cli, ["demo", "--people", "80", "--seed", "9"])
        assert demo.exit_code == 0, demo.output
        n = int(re.search(r"(\d+) assessments", demo.output).group(1))  # type: ignore[union-attr]
        out = tmp_path / "manual"
        res = CliRunner().invoke(cli, ["manual", "--out", str(out), "--boot", "20"])
        assert res.exit_code == 0, res.output
    finally:
        get_settings.cache_clear()
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        ["manual.css"] + [f"manual.{lang}.{ext}" for lang in bank.languages for ext in ("html", "pdf")]
    )
    en = (out / "manual.en.html").read_text(encoding="utf-8")
    for i, section in enumerate(SECTIONS, start=1):
        assert section in en, section
        if i < len(SECTIONS) - 1:
            assert en.index(section) < en.index(SECTIONS[i])
    assert f"from {n} stored assessments of question bank {bank.version}" in en
    assert "the question bank's defaults (not calibrated)" in en
    # 80 people are below every minimum n: nothing is claimed, and the manual says so
    assert "Not enough data" in en and "evidence shown</span></td></tr>\n<tr><td>EFPA 9" in en
    assert "Reliability on real answers: too few people yet." in en
    assert "Norms: no reference group." in en
    assert "Also 2 attention checks (statements that ask for a given answer): they are never scored" in en
    assert "<script" not in en and 'href="manual.css"' in en
    zh = (out / "manual.zh-Hans.html").read_text(encoding="utf-8")
    assert "rolefit 技术手册" in zh and "尚不清楚的内容" in zh and "Reliability" not in zh
    vi_pdf = " ".join(poppler("pdftotext", out / "manual.vi.pdf").split())
    assert "Sổ tay kỹ thuật rolefit" in vi_pdf and "Những điều chưa biết" in vi_pdf
    zh_fonts = poppler("pdffonts", out / "manual.zh-Hans.pdf")
    assert "CJK" in zh_fonts or "SC" in zh_fonts


def test_sections_report_their_status(bank: Bank) -> None:
    from datetime import date

    from app.manual import context

    shown = {"n": 900, "alpha": {"value": 0.8}}
    report: dict[str, Any] = {
        "versions": [
            {
                "bank_version": bank.version,
                "n": 900,
                "groups": [{"lang": "all", "reliability": {"scope": shown}, "retest": {"status": "not_enough"}}],
                "dif": {"status": "not_enough", "n": {"vi": 20}, "needed": 200},
            }
        ]
    }
    ctx = context(bank, report, date(2026, 12, 2), "1.1.0-2026-12-02")
    assert ctx["status"] == {
        "reliability": "shown",
        "retest": "suppressed",
        "known_groups": "absent",
        "dif": "suppressed",
        "usage": "absent",
    }
    assert context(bank, {"versions": []}, date(2026, 12, 2), None)["figures"]["n"] == 0
