"""questions/glossary.yaml: one rendering per key term and language, enforced by `rolefit questions check`."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from babel.messages.pofile import read_po
from typer.testing import CliRunner

from app.cli import cli
from scoring import check_bank
from scoring.glossary import Located, Term, check_texts, parse_glossary
from scoring.labels import defaults, fill
from scoring.model import Bank
from tests.bank.test_real_bank import texts
from tests.conftest import BANK_DIR, BankCopy

LANGS = ("en", "zh-Hans", "vi")


def set_text(b: BankCopy, rel: str, ident: str, lang: str, value: str) -> None:
    b.edit_entry(rel, "items", ident, lambda e: e["text"].__setitem__(lang, value))


def glossary_issues(b: BankCopy) -> list[Any]:
    return [i for i in check_bank(b.root) if i.code == "glossary"]


def test_the_real_glossary_is_clean_and_its_renderings_are_used(bank: Bank) -> None:
    raw = yaml.safe_load((BANK_DIR / "glossary.yaml").read_text(encoding="utf-8"))
    terms, problems = parse_glossary(raw, LANGS)
    assert problems == []
    assert len(terms) >= 20
    all_texts = [t for _, t in texts(bank)] + [label for labels in bank.scales.values() for label in labels]
    # as people read them: role placeholders filled with the language's default labels
    every = {lang: " ".join(fill(t[lang], defaults(bank.tracks, lang)) for t in all_texts).lower() for lang in LANGS}
    for term in terms:
        for lang in term.forbidden:
            # a term the bank polices is one the bank actually writes, the expected way
            assert term.rendering[lang].lower() in every[lang] or term.id in UNUSED_OK, (term.id, lang)


# Terms kept in the glossary for new texts although no current text needs them in that language.
UNUSED_OK = {"go_live"}  # vi writes the phrase split: "đưa module ... vào vận hành"


def test_a_vietnamese_variant_fails_with_file_item_field_and_expected_term(bank_copy: BankCopy) -> None:
    set_text(bank_copy, "items/likert.yaml", "lk_scope_am_2", "vi", "Tôi thích làm việc với sponsor của khách hàng.")
    [hit] = glossary_issues(bank_copy)
    assert (hit.file, hit.item, hit.field) == ("items/likert.yaml", "lk_scope_am_2", "text.vi")
    assert "'người bảo trợ dự án'" in hit.message and "'sponsor'" in hit.message
    assert str(hit).startswith("items/likert.yaml [lk_scope_am_2] text.vi: ")


def test_a_chinese_variant_is_found_inside_a_sentence(bank_copy: BankCopy) -> None:
    set_text(bank_copy, "items/likert.yaml", "lk_scope_pm_2", "zh-Hans", "我喜欢向项目干系人汇报进展。")
    [hit] = glossary_issues(bank_copy)
    assert (hit.item, hit.field) == ("lk_scope_pm_2", "text.zh-Hans")
    assert "'利益相关方'" in hit.message


def test_options_anchors_plans_and_scales_are_checked_too(bank_copy: BankCopy) -> None:
    bank_copy.edit_entry(
        "items/situational.yaml",
        "items",
        "sj_outage",
        lambda e: e["options"][1]["text"].__setitem__("vi", "Đàm phán bồi thường sau đợt sale."),
    )
    bank_copy.edit_entry(
        "plans/to_pm.yaml", "actions", "act_pm_risk_register", lambda e: e["title"].__setitem__("vi", "Lập baseline")
    )
    bank_copy.edit("bank.yaml", lambda d: d["scales"]["likert"][2].__setitem__("zh-Hans", "说不清"))
    where = {(i.file, i.item, i.field) for i in glossary_issues(bank_copy)}
    assert where == {
        ("items/situational.yaml", "sj_outage", "options.b.text.vi"),
        ("plans/to_pm.yaml", "act_pm_risk_register", "title.vi"),
        ("bank.yaml", "likert", "scales[2].zh-Hans"),
    }


def test_the_check_command_fails_on_a_variant(bank_copy: BankCopy) -> None:
    set_text(bank_copy, "items/likert.yaml", "lk_scope_am_2", "vi", "Tôi thích làm việc cùng tester.")
    res = CliRunner().invoke(cli, ["questions", "check", "--path", str(bank_copy.root)])
    assert res.exit_code == 1
    assert "items/likert.yaml [lk_scope_am_2] text.vi: 'tester' is not the bank's term: write 'kiểm thử viên'" in (
        res.output
    )


def test_latin_variants_match_whole_words_in_any_case() -> None:
    term = Term("tester", {"en": "tester", "zh-Hans": "测试人员", "vi": "kiểm thử viên"}, {"vi": ("tester",)})

    def found(text: str) -> bool:
        return bool(check_texts([term], [Located("f", "i", "text", {"vi": text})]))

    assert found("Nhờ Tester xem lại.") and found("(tester)")
    assert not found("testers") and not found("retester")
    assert not check_texts([term], [Located("f", "i", "text", {"en": "tester"})])  # other languages are free


def test_a_missing_glossary_is_reported(bank_copy: BankCopy) -> None:
    (bank_copy.root / "glossary.yaml").unlink()
    issues = check_bank(bank_copy.root)
    assert [(i.file, i.code) for i in issues] == [("glossary.yaml", "missing_file")]


@pytest.mark.parametrize(
    ("raw", "term", "field"),
    [
        ({"terms": []}, "", "terms"),
        ("not a mapping", "", "terms"),
        ({"terms": ["x"]}, "#1", "id"),
        ({"terms": [{"id": "t", "en": "a", "zh-Hans": "乙"}]}, "t", "vi"),
        ({"terms": [{"id": "t", "en": "a", "zh-Hans": "乙", "vi": "c", "forbidden": ["x"]}]}, "t", "forbidden"),
        (
            {"terms": [{"id": "t", "en": "a", "zh-Hans": "乙", "vi": "c", "forbidden": {"fr": ["x"]}}]},
            "t",
            "forbidden.fr",
        ),
        (
            {"terms": [{"id": "t", "en": "a", "zh-Hans": "乙", "vi": "c", "forbidden": {"vi": "x"}}]},
            "t",
            "forbidden.vi",
        ),
        (
            {"terms": [{"id": "t", "en": "a", "zh-Hans": "乙", "vi": "c", "forbidden": {"vi": [""]}}]},
            "t",
            "forbidden.vi",
        ),
        (
            {"terms": [{"id": "t", "en": "a", "zh-Hans": "乙", "vi": "c d", "forbidden": {"vi": ["C"]}}]},
            "t",
            "forbidden.vi",
        ),
        (
            {
                "terms": [
                    {"id": "t", "en": "a", "zh-Hans": "乙", "vi": "c"},
                    {"id": "t", "en": "a", "zh-Hans": "乙", "vi": "c"},
                ]
            },
            "t",
            "id",
        ),
    ],
    ids=[
        "empty",
        "not a mapping",
        "entry not a mapping",
        "rendering missing",
        "forbidden not a mapping",
        "unknown language",
        "variants not a list",
        "empty variant",
        "variant matches its own rendering",
        "duplicate id",
    ],
)
def test_a_malformed_glossary_is_reported(bank_copy: BankCopy, raw: Any, term: str, field: str) -> None:
    bank_copy.save("glossary.yaml", raw)
    issues = [i for i in check_bank(bank_copy.root) if i.code == "glossary_format"]
    assert issues, "a malformed glossary is an issue"
    assert (issues[0].file, issues[0].item, issues[0].field) == ("glossary.yaml", term, field)


def test_the_ui_catalogs_follow_the_glossary_too() -> None:
    """The Babel catalogs (pages, PDFs, e-mails) write the key terms the bank's way."""
    raw = yaml.safe_load((BANK_DIR / "glossary.yaml").read_text(encoding="utf-8"))
    terms, _ = parse_glossary(raw, LANGS)
    located = []
    for folder, lang in (("en", "en"), ("zh_Hans", "zh-Hans"), ("vi", "vi")):
        with (BANK_DIR.parent / "locales" / folder / "LC_MESSAGES" / "messages.po").open("rb") as fh:
            catalog = read_po(fh)
        for m in catalog:
            ids = m.id if isinstance(m.id, tuple) else (m.id,)
            strings = m.string if isinstance(m.string, tuple) else (m.string,)
            for text in strings if lang != "en" else ids:
                if text:
                    located.append(Located(f"locales/{folder}", ids[0][:40], "msgstr", {lang: text}))
    assert len(located) > 300
    assert check_texts(terms, located) == []
