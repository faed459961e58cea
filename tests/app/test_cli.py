"""The rolefit command line as a user types it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from app.cli import cli
from scoring.model import Bank
from tests.conftest import BankCopy, pattern

runner = CliRunner()


def run(*args: str, stdin: str | None = None) -> Any:
    return runner.invoke(cli, list(args), input=stdin)


def answers_file(tmp_path: Path, body: Any) -> str:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    return str(path)


def test_questions_check_is_clean() -> None:
    res = run("questions", "check")
    assert res.exit_code == 0, res.output
    assert "OK" in res.output and "every text follows the glossary's" in res.output


def test_questions_check_names_file_item_and_field(bank_copy: BankCopy) -> None:
    bank_copy.edit_entry("items/likert.yaml", "items", "lk_scope_am_2", lambda e: e.__setitem__("source", "nowhere"))
    res = run("questions", "check", "--path", str(bank_copy.root))
    assert res.exit_code == 1
    assert "items/likert.yaml [lk_scope_am_2] source: unknown source 'nowhere'" in res.output


def test_export_json_codebook(bank: Bank) -> None:
    res = run("questions", "export", "--format", "json")
    assert res.exit_code == 0
    book = json.loads(res.output)
    assert len(book["items"]) == len(bank.items)
    assert {"id", "kind", "text", "source"} <= set(book["items"][0])
    assert run("questions", "export", "--format", "xml").exit_code == 2


def test_score_prints_result_and_plan(bank: Bank, tmp_path: Path) -> None:
    ans = pattern(bank, "pm", role="am", skills=2)
    body = {"lang": "zh-Hans", "current_role": "am", "answers": dict(ans.values)}
    res = run("score", answers_file(tmp_path, body))
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["result"]["recommendation"] == "PM"
    assert out["result"]["bank_version"] == bank.version
    assert out["plan"]["target"] == "pm"
    first = out["plan"]["phases"][0]["actions"][0]
    assert first["title"] == bank.action(first["action"]).title["zh-Hans"]


def test_score_from_stdin_with_chosen_target(bank: Bank) -> None:
    body = {"lang": "en", "current_role": "pm", "answers": {"lk_scope_am_1": 4, "pp_scope_1": None}}
    res = run("score", "-", "--target", "am", stdin=json.dumps(body))
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["plan"]["chosen_by"] == "person"


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"lang": "en", "current_role": "pm", "answers": {"no_such": 1}}, "no_such"),
        ({"lang": "en", "current_role": "pm", "answers": {"lk_scope_am_1": 9}}, "lk_scope_am_1"),
        ({"lang": "en", "current_role": "pm", "answers": {"lk_scope_am_1": "high"}}, "lk_scope_am_1"),
    ],
)
def test_score_bad_input_exits_2(tmp_path: Path, body: Any, needle: str) -> None:
    res = run("score", answers_file(tmp_path, body))
    assert res.exit_code == 2
    assert needle in res.output
    assert "Traceback" not in res.output


def test_score_unreadable_input(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    res = run("score", str(bad))
    assert res.exit_code == 2 and "not valid JSON" in res.output
    assert run("score", str(tmp_path / "missing.json")).exit_code == 2
    good = answers_file(tmp_path, {"lang": "en", "current_role": "pm"})
    assert run("score", good, "--target", "cto").exit_code == 2


def test_broken_bank_stops_every_command(bank_copy: BankCopy, tmp_path: Path) -> None:
    (bank_copy.root / "skills.yaml").unlink()
    res = run("simulate", "--n", "5", "--path", str(bank_copy.root))
    assert res.exit_code == 1 and "skills.yaml" in res.output


def test_simulate_prints_figures() -> None:
    res = run("simulate", "--n", "100", "--seed", "4", "--style", "attentive")
    assert res.exit_code == 0
    report = json.loads(res.output)
    assert report["n"] == 100 and report["seed"] == 4
    clear = next(c for c in report["conditions"] if c["profile"] == "clear")
    assert clear["style"] == "attentive" and clear["right"] > 0.9 and clear["wrong"] == 0
    assert len(report["cronbach_alpha"]) == 6
    assert run("simulate", "--n", "5", "--style", "sleepy").exit_code == 2


def test_simulate_rewrites_the_marked_table(tmp_path: Path) -> None:
    doc = tmp_path / "method.md"
    doc.write_text(
        "# Method\n<!-- simulate:table:start -->\nstale\n<!-- simulate:table:end -->\nend\n", encoding="utf-8"
    )
    res = run("simulate", "--n", "3", "--style", "careless", "--table", str(doc))
    assert res.exit_code == 0, res.output
    text = doc.read_text(encoding="utf-8")
    assert "stale" not in text and "| clear | careless |" in text and text.endswith("end\n")
    unmarked = tmp_path / "plain.md"
    unmarked.write_text("no block here", encoding="utf-8")
    assert run("simulate", "--n", "3", "--style", "careless", "--table", str(unmarked)).exit_code == 2
    assert unmarked.read_text(encoding="utf-8") == "no block here"


def test_simulate_adaptive_rewrites_its_own_table(tmp_path: Path) -> None:
    doc = tmp_path / "method.md"
    doc.write_text(
        "<!-- simulate:table:start -->\nfull\n<!-- simulate:table:end -->\n"
        "<!-- simulate:adaptive:start -->\nstale\n<!-- simulate:adaptive:end -->\n",
        encoding="utf-8",
    )
    res = run("simulate", "--adaptive", "--n", "2", "--style", "careless", "--table", str(doc))
    assert res.exit_code == 0, res.output
    text = doc.read_text(encoding="utf-8")
    assert "stale" not in text and "full\n" in text  # the full form's table is left alone
    assert "| clear | careless |" in text and "| population | attentive |" in text
    assert "questions asked (mean)" in text
    plain = tmp_path / "plain.md"
    plain.write_text("<!-- simulate:table:start -->\n<!-- simulate:table:end -->\n", encoding="utf-8")
    assert run("simulate", "--adaptive", "--n", "2", "--style", "careless", "--table", str(plain)).exit_code == 2


@pytest.mark.parametrize(("env", "expected"), [(None, False), ("true", True)])
def test_serve_access_log_is_off_unless_asked(monkeypatch: pytest.MonkeyPatch, env: str | None, expected: bool) -> None:
    """`rolefit serve` loads the app once and forks the workers (gunicorn, preload), without an access log unless
    asked (ROLEFIT_ACCESS_LOG=true); `--reload` runs uvicorn alone, the same way. tests/app/test_startup.py runs
    the real thing."""
    import uvicorn

    from app import serving
    from app.config import get_settings

    seen: dict[str, object] = {}
    monkeypatch.setattr(serving.Server, "run", lambda self: seen.update(self.options))
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw, reload_app=app))
    if env is None:
        monkeypatch.delenv("ROLEFIT_ACCESS_LOG", raising=False)
    else:
        monkeypatch.setenv("ROLEFIT_ACCESS_LOG", env)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["serve", "--port", "8123", "--workers", "3"])
        assert result.exit_code == 0, result.output
        assert seen["bind"] == "127.0.0.1:8123" and seen["workers"] == 3 and seen["preload_app"] is True
        assert seen["worker_class"] == "app.serving.Worker" and seen["accesslog"] == ("-" if expected else None)
        assert CliRunner().invoke(cli, ["serve", "--workers", "0"]).exit_code == 2  # at least one worker
        result = CliRunner().invoke(cli, ["serve", "--port", "8123", "--reload"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert seen["reload_app"] == "app.serving:create_app" and seen["reload"] is True
    assert seen["access_log"] is expected and seen["ws"] == "none"  # no WebSocket routes, no websockets library
