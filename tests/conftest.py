"""Shared test helpers: the real bank, editable copies of it, answer factories."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from scoring import load_bank
from scoring.model import Answers, AnswerValue, Bank

ROOT = Path(__file__).resolve().parent.parent
BANK_DIR = ROOT / "questions"


@pytest.fixture(scope="session")
def bank() -> Bank:
    return load_bank(BANK_DIR)


class BankCopy:
    """A writable copy of the real bank in a temporary folder, edited as YAML data."""

    def __init__(self, root: Path) -> None:
        self.root = root
        shutil.copytree(BANK_DIR, root)

    def load(self, rel: str) -> Any:
        return yaml.load((self.root / rel).read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)

    def save(self, rel: str, data: Any) -> None:
        text = yaml.dump(data, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False)
        (self.root / rel).write_text(text, encoding="utf-8")

    def edit(self, rel: str, fn: Callable[[Any], object]) -> None:
        """Load ``rel``, let ``fn`` change the data in place, save it."""
        data = self.load(rel)
        fn(data)
        self.save(rel, data)

    def entry(self, rel: str, key: str, ident: str) -> dict[str, Any]:
        """The entry with ``id == ident`` of the list ``key`` in ``rel`` (for read-modify-write via edit)."""
        return next(e for e in self.load(rel)[key] if e["id"] == ident)

    def edit_entry(self, rel: str, key: str, ident: str, fn: Callable[[dict[str, Any]], None]) -> None:
        def change(data: Any) -> None:
            fn(next(e for e in data[key] if e["id"] == ident))

        self.edit(rel, change)


@pytest.fixture
def bank_copy(tmp_path: Path) -> BankCopy:
    return BankCopy(tmp_path / "questions")


def pattern(bank: Bank, lean: str, *, role: str = "other", skills: int | None = None) -> Answers:
    """A scripted strong answer pattern: every orientation item answered towards ``lean`` ('am' or 'pm')."""
    values: dict[str, AnswerValue] = {}
    for item in bank.orientation_items:
        if item.kind == "likert":
            values[item.id] = 5 if item.key == lean else 1
        elif item.kind == "paired":
            assert item.a is not None
            values[item.id] = 1 if item.a.pole == lean else 4
        else:
            sign = 1 if lean == "am" else -1
            best = max(item.options, key=lambda o: sign * sum(o.weights.values()))
            values[item.id] = best.id
    for item in bank.check_items:  # an attentive reader follows the instruction
        values[item.id] = item.expect
    if skills is not None:
        for item in bank.proficiency_items:
            values[item.id] = skills
    return Answers(lang="en", current_role=role, values=values)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line with what ran where: the PostgreSQL and browser runs are counted, not assumed."""
    counts: dict[str, int] = {"postgresql": 0, "sqlite": 0, "e2e": 0}
    for report in terminalreporter.stats.get("passed", []):
        if report.when != "call":
            continue
        node = report.nodeid
        counts["postgresql"] += "[postgresql" in node or "-postgresql" in node
        counts["sqlite"] += "[sqlite" in node or "-sqlite" in node
        counts["e2e"] += node.startswith("tests/e2e/")
    terminalreporter.write_line(
        f"rolefit: {counts['sqlite']} passed on SQLite, {counts['postgresql']} on PostgreSQL, "
        f"{counts['e2e']} in Chromium"
    )
