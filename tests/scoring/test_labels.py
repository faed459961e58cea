"""Role labels: the substitution, the label rules and the bank check that names roles only through placeholders."""

from __future__ import annotations

from scoring.bank import check_bank
from scoring.labels import (
    Labels,
    check_text,
    defaults,
    fill,
    fill_all,
    fill_texts,
    label_problem,
    role_words,
    with_overrides,
)
from scoring.model import Bank
from tests.conftest import BankCopy

CUSTOM = Labels("Client Lead", "CL", "Delivery Lead", "DL")


def test_fill_replaces_known_placeholders_and_leaves_the_rest() -> None:
    assert fill("Ask the {delivery} ({delivery_short}) and the {account_short}.", CUSTOM) == (
        "Ask the Delivery Lead (DL) and the CL."
    )
    assert fill("no placeholder", CUSTOM) == "no placeholder"
    assert fill("{unknown} {account}", CUSTOM) == "{unknown} Client Lead"


def test_defaults_per_language_come_from_the_bank(bank: Bank) -> None:
    assert defaults(bank.tracks, "en") == Labels("Account Manager", "AM", "Project Manager", "PM")
    assert defaults(bank.tracks, "zh-Hans") == Labels("客户经理", "AM", "项目经理", "PM")
    assert defaults(bank.tracks, "vi") == Labels("Quản lý khách hàng", "AM", "Quản lý dự án", "CM")
    en = defaults(bank.tracks, "en")
    assert (en.name("am"), en.short("pm")) == ("Account Manager", "PM")


def test_overrides_replace_only_given_non_empty_labels() -> None:
    base = Labels("Account Manager", "AM", "Project Manager", "PM")
    assert with_overrides(base, None) is base
    assert with_overrides(base, {"delivery": "客户交付经理", "account": "", "bogus": "x"}) == Labels(
        "Account Manager", "AM", "客户交付经理", "PM"
    )


def test_label_rules() -> None:
    assert label_problem("Delivery Lead") is None
    assert label_problem("客户经理") is None
    assert label_problem("  ") == "empty"
    assert label_problem("x" * 41) == "too_long"
    assert label_problem("PM\x00") == "bad_character"
    assert label_problem("{delivery}") == "bad_character"
    assert label_problem("<b>PM</b>") == "bad_character"


def test_check_text_finds_hard_coded_titles_and_unknown_placeholders(bank: Bank) -> None:
    words = role_words(bank.tracks, ("CM",))
    assert check_text({"en": "Ask the {delivery}; I am here at 9 am."}, words) == []
    hits = check_text({"en": "Ask the PM.", "zh-Hans": "请教项目经理。", "vi": "Hỏi CM {delivry}."}, words)
    assert [(h.lang, h.found) for h in hits] == [
        ("en", "PM"),
        ("zh-Hans", "项目经理"),
        ("vi", "{delivry}"),
        ("vi", "CM"),
    ]
    assert "write {delivery_short}" in hits[0].message
    assert check_text({"en": "other Project Managers"}, words)[0].found == "Project Manager"  # plurals too


def test_bank_check_fails_on_a_hard_coded_role_word(bank_copy: BankCopy) -> None:
    bank_copy.edit_entry(
        "plans/to_pm.yaml",
        "actions",
        "act_pm_first_wbs",
        lambda e: e["outcome"].update(
            en=e["outcome"]["en"].replace("{delivery_short}", "PM"), vi=e["outcome"]["vi"].replace("{delivery}", "{cm}")
        ),
    )
    issues = [i for i in check_bank(bank_copy.root) if i.code == "role_label"]
    assert [(i.file, i.item, i.field) for i in issues] == [
        ("plans/to_pm.yaml", "act_pm_first_wbs", "outcome.en"),
        ("plans/to_pm.yaml", "act_pm_first_wbs", "outcome.vi"),
    ]
    assert "'PM' is hard-coded" in issues[0].message and "unknown placeholder '{cm}'" in issues[1].message


def test_the_real_bank_names_roles_only_through_placeholders(bank: Bank) -> None:
    assert "{delivery_short}" in bank.action("act_pm_first_wbs").outcome["en"]
    assert not [i for i in check_bank("questions") if i.code == "role_label"]


def test_a_missing_track_label_is_reported_once_as_missing(bank_copy: BankCopy) -> None:
    bank_copy.edit("bank.yaml", lambda d: d["tracks"]["pm"]["short"].pop("vi"))
    issues = check_bank(bank_copy.root)
    assert [i.code for i in issues if i.file == "bank.yaml"] == ["language"]
    assert not [i for i in issues if i.code == "role_label"]


def test_fill_all_and_fill_texts_walk_json() -> None:
    assert fill_all({"a": ["{delivery}", 3], "b": "{account_short}"}, CUSTOM) == {"a": ["Delivery Lead", 3], "b": "CL"}
    vi = Labels("Quản lý khách hàng", "AM", "Quản lý dự án", "CM")
    data = {"items": [{"id": "x", "text": {"en": "a {delivery_short}", "vi": "một {delivery_short}"}}], "n": 1}
    assert fill_texts(data, {"en": CUSTOM, "vi": vi}) == {
        "items": [{"id": "x", "text": {"en": "a DL", "vi": "một CM"}}],
        "n": 1,
    }
