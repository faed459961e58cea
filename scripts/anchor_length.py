"""How much there is to read in the skill anchors, per language, and their share of the whole quiz.

    .venv/bin/python -m scripts.anchor_length            # the work tree
    .venv/bin/python -m scripts.anchor_length BASE       # BASE (a git revision) against the work tree

Words for English and Vietnamese (split on spaces; Vietnamese writes one syllable a word), characters for
Chinese (CJK ideographs, plus Latin words), counted like the time estimate (app/services/duration.py).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from app.services import duration
from scoring import load_bank
from scoring.model import Bank

ROOT = Path(__file__).resolve().parent.parent
LANGS = ("en", "zh-Hans", "vi")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def units(text: str, lang: str) -> int:
    if lang == "zh-Hans":
        return len(_CJK.findall(text)) + len(re.findall(r"[A-Za-z0-9]+", text))
    return len(text.split())


def measure(bank: Bank) -> dict[str, dict[str, int]]:
    """Per language: anchor units, anchor characters, and the whole quiz's reading units."""
    out = {}
    for lang in LANGS:
        anchors = [a.get(lang, "") for item in bank.proficiency_items for a in item.anchors]
        out[lang] = {
            "anchors": len(anchors),
            "units": sum(units(a, lang) for a in anchors),
            "chars": sum(len(a) for a in anchors),
            "quiz": duration.reading_units(bank, lang),
        }
    return out


def bank_at(ref: str, into: Path) -> Bank:
    git = shutil.which("git") or "git"
    archive = subprocess.run(  # noqa: S603 - a fixed git command; ref is the maintainer's own argument
        [git, "archive", ref, "questions"], cwd=ROOT, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)  # noqa: S603, S607
    return load_bank(into / "questions")


def table(before: dict[str, dict[str, int]] | None, after: dict[str, dict[str, int]]) -> str:
    unit = {"en": "words", "zh-Hans": "characters", "vi": "words"}
    lines = [
        "| language | unit | anchors before | anchors after | change | chars before | chars after | "
        "change | anchors' share of the quiz |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for lang in LANGS:
        a = after[lang]
        b = before[lang] if before else a
        share = f"{b['units'] / b['quiz']:.0%} → {a['units'] / a['quiz']:.0%}"
        lines.append(
            f"| {lang} | {unit[lang]} | {b['units']} | {a['units']} | {a['units'] / b['units'] - 1:+.0%} | "
            f"{b['chars']} | {a['chars']} | {a['chars'] / b['chars'] - 1:+.0%} | {share} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base", nargs="?", help="a git revision to compare with")
    args = parser.parse_args()
    after = measure(load_bank(ROOT / "questions"))
    before = None
    if args.base:
        with tempfile.TemporaryDirectory() as tmp:
            before = measure(bank_at(args.base, Path(tmp)))
    print(table(before, after))


if __name__ == "__main__":
    main()
