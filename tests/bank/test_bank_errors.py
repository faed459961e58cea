"""Every class of bank error is caught, and the report names the file, the item and the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from scoring import BankError, check_bank, load_bank
from tests.conftest import BankCopy

LIKERT = "items/likert.yaml"
PAIRED = "items/paired.yaml"
SJT = "items/situational.yaml"
PROF = "items/proficiency.yaml"
PLANS = "plans/to_am.yaml"


def first_action(b: BankCopy) -> str:
    return str(b.load(PLANS)["actions"][0]["id"])


def set_field(rel: str, key: str, ident: str, field: str, value: Any) -> Callable[[BankCopy], None]:
    def mutate(b: BankCopy) -> None:
        b.edit_entry(rel, key, ident, lambda e: e.__setitem__(field, value))

    return mutate


def drop_field(rel: str, key: str, ident: str, field: str) -> Callable[[BankCopy], None]:
    def mutate(b: BankCopy) -> None:
        b.edit_entry(rel, key, ident, lambda e: e.pop(field))

    return mutate


def write_raw(rel: str, text: str) -> Callable[[BankCopy], None]:
    def mutate(b: BankCopy) -> None:
        (b.root / rel).write_text(text, encoding="utf-8")

    return mutate


def one_sided(b: BankCopy) -> None:
    def change(data: Any) -> None:
        item = data["items"][0]
        touched = {d for o in item["options"] for d in o["weights"]}
        spare = next(
            d for d in ("scope", "stakeholders", "horizon", "capability", "position", "career") if d not in touched
        )
        item["options"][0]["weights"][spare] = 0.5

    b.edit(SJT, change)


def second_proficiency_item(b: BankCopy) -> None:
    def change(data: Any) -> None:
        clone = dict(data["items"][0])
        clone["id"] = "pf_second_copy"
        data["items"].append(clone)

    b.edit(PROF, change)


def too_few_situational(b: BankCopy) -> None:
    def change(data: Any) -> None:
        del data["items"][7:]

    b.edit(SJT, change)


def action_field(field: str, value: Any) -> Callable[[BankCopy], None]:
    def mutate(b: BankCopy) -> None:
        b.edit_entry(PLANS, "actions", first_action(b), lambda e: e.__setitem__(field, value))

    return mutate


def required_level(b: BankCopy) -> None:
    b.edit("skills.yaml", lambda d: d["skills"][0]["required"].__setitem__("am", 7))


def dimension_weight(b: BankCopy) -> None:
    b.edit("dimensions.yaml", lambda d: d["dimensions"][0].__setitem__("weight", 0))


def bank_meta(key: str, value: Any) -> Callable[[BankCopy], None]:
    def mutate(b: BankCopy) -> None:
        def change(d: Any) -> None:
            target = d
            *path, last = key.split(".")
            for part in path:
                target = target[part]
            target[last] = value

        b.edit("bank.yaml", change)

    return mutate


def drop_language(b: BankCopy) -> None:
    b.edit_entry(LIKERT, "items", "lk_scope_am_2", lambda e: e["text"].pop("vi"))


def empty_language(b: BankCopy) -> None:
    b.edit_entry(LIKERT, "items", "lk_scope_am_2", lambda e: e["text"].__setitem__("zh-Hans", "  "))


def drop_anchor(b: BankCopy) -> None:
    b.edit(PROF, lambda d: d["items"][0]["anchors"].pop())


def too_few_options(b: BankCopy) -> None:
    b.edit(SJT, lambda d: d["items"][0].__setitem__("options", d["items"][0]["options"][:2]))


def weight_out_of_range(b: BankCopy) -> None:
    b.edit(SJT, lambda d: d["items"][0]["options"][0]["weights"].__setitem__("scope", 1.5))


def same_poles(b: BankCopy) -> None:
    def change(d: Any) -> None:
        item = d["items"][0]
        item["b"]["pole"] = item["a"]["pole"]

    b.edit(PAIRED, change)


def edit_first(rel: str, key: str, fn: Callable[[dict[str, Any]], object]) -> Callable[[BankCopy], None]:
    """Change the first entry of list ``key`` in ``rel`` in place."""

    def mutate(b: BankCopy) -> None:
        b.edit(rel, lambda d: fn(d[key][0]))

    return mutate


def remove_folder(rel: str) -> Callable[[BankCopy], None]:
    def mutate(b: BankCopy) -> None:
        import shutil

        shutil.rmtree(b.root / rel)

    return mutate


def mirror_same_key(b: BankCopy) -> None:
    b.edit_entry(LIKERT, "items", "lk_scope_am_1", lambda e: e.__setitem__("mirror", "lk_scope_am_2"))
    b.edit_entry(LIKERT, "items", "lk_scope_am_2", lambda e: e.__setitem__("mirror", "lk_scope_am_1"))


def no_mirror_in_dimension(b: BankCopy) -> None:
    b.edit_entry(LIKERT, "items", "lk_scope_am_1", lambda e: e.pop("mirror"))
    b.edit_entry(LIKERT, "items", "lk_scope_pm_1", lambda e: e.pop("mirror"))


def duplicate_option(b: BankCopy) -> None:
    b.edit(SJT, lambda d: d["items"][0]["options"][1].__setitem__("id", d["items"][0]["options"][0]["id"]))


def role_options(b: BankCopy) -> None:
    b.edit("context.yaml", lambda d: d["context"][0]["options"].pop())


def entry_not_mapping(b: BankCopy) -> None:
    b.edit(LIKERT, lambda d: d["items"].append("just a string"))


ANY = "<any item>"  # the issue must name some item; None: a file-level issue names none

# (name, mutation, code, file, item, field-prefix)
CASES: list[tuple[str, Callable[[BankCopy], None], str, str, str | None, str | None]] = [
    ("yaml syntax", write_raw(LIKERT, "items: [unclosed\n"), "yaml", LIKERT, None, None),
    ("missing file", lambda b: (b.root / "skills.yaml").unlink(), "missing_file", "skills.yaml", None, None),
    (
        "missing field",
        drop_field(LIKERT, "items", "lk_scope_am_2", "source"),
        "missing_field",
        LIKERT,
        "lk_scope_am_2",
        "source",
    ),
    ("wrong type", write_raw(PAIRED, "items: {a: 1}\n"), "bad_type", PAIRED, None, "items"),
    ("bad id", set_field(LIKERT, "items", "lk_scope_am_2", "id", "Bad Id!"), "bad_id", LIKERT, "Bad Id!", "id"),
    (
        "duplicate id",
        set_field(LIKERT, "items", "lk_scope_am_3", "id", "lk_scope_am_2"),
        "duplicate_id",
        LIKERT,
        "lk_scope_am_2",
        "id",
    ),
    (
        "instructed answer out of range",
        set_field("items/check.yaml", "items", "ck_read_agree", "expect", 7),
        "bad_expect",
        "items/check.yaml",
        "ck_read_agree",
        "expect",
    ),
    (
        "unknown kind",
        set_field(LIKERT, "items", "lk_scope_am_2", "kind", "essay"),
        "unknown_kind",
        LIKERT,
        "lk_scope_am_2",
        "kind",
    ),
    ("missing language", drop_language, "language", LIKERT, "lk_scope_am_2", "text.vi"),
    ("empty language", empty_language, "language", LIKERT, "lk_scope_am_2", "text.zh-Hans"),
    (
        "unknown source",
        set_field(LIKERT, "items", "lk_scope_am_2", "source", "seed009#1"),
        "unknown_source",
        LIKERT,
        "lk_scope_am_2",
        "source",
    ),
    (
        "unknown dimension",
        set_field(LIKERT, "items", "lk_scope_am_2", "dimension", "charisma"),
        "unknown_dimension",
        LIKERT,
        "lk_scope_am_2",
        "dimension",
    ),
    ("bad key", set_field(LIKERT, "items", "lk_scope_am_2", "key", "both"), "bad_key", LIKERT, "lk_scope_am_2", "key"),
    (
        "unbalanced keys",
        set_field(LIKERT, "items", "lk_scope_pm_3", "key", "am"),
        "unbalanced",
        "items",
        "scope",
        "key",
    ),
    (
        "mirror not mutual",
        drop_field(LIKERT, "items", "lk_scope_pm_1", "mirror"),
        "mirror",
        LIKERT,
        "lk_scope_am_1",
        "mirror",
    ),
    ("paired poles", same_poles, "paired_poles", PAIRED, ANY, "b.pole"),
    ("weight out of range", weight_out_of_range, "weight_range", SJT, ANY, "options."),
    ("one-sided dimension", one_sided, "one_sided", SJT, ANY, "weights."),
    ("too few options", too_few_options, "options", SJT, ANY, "options"),
    (
        "unknown skill",
        set_field(PROF, "items", "pf_negotiation", "skill", "juggling"),
        "unknown_skill",
        PROF,
        "pf_negotiation",
        "skill",
    ),
    ("anchors", drop_anchor, "anchors", PROF, ANY, "anchors"),
    ("skill with two items", second_proficiency_item, "skill_item", "skills.yaml", ANY, "id"),
    ("required level", required_level, "required_level", "skills.yaml", ANY, "required.am"),
    ("bad phase", action_field("phase", "1y"), "bad_phase", PLANS, ANY, "phase"),
    ("unknown track", action_field("track", "cto"), "unknown_track", PLANS, ANY, "track"),
    ("unknown role", action_field("from_roles", ["ceo"]), "unknown_role", PLANS, ANY, "from_roles"),
    ("plan skill", action_field("skills", ["juggling"]), "unknown_skill", PLANS, ANY, "skills"),
    (
        "effort not a number",
        action_field("effort_hours", "a day"),
        "effort",
        PLANS,
        "act_am_agree_move",
        "effort_hours",
    ),
    ("effort zero", action_field("effort_hours", 0), "effort", PLANS, "act_am_agree_move", "effort_hours"),
    (
        "effort beyond the phase's hours",
        action_field("effort_hours", 21),
        "effort",
        PLANS,
        "act_am_agree_move",
        "effort_hours",
    ),
    (
        "effort missing",
        drop_field(PLANS, "actions", "act_am_agree_move", "effort_hours"),
        "missing_field",
        PLANS,
        "act_am_agree_move",
        "effort_hours",
    ),
    ("first not a flag", action_field("first", "yes"), "bad_type", PLANS, "act_am_agree_move", "first"),
    ("no first step", action_field("first", False), "first_step", "plans", "am", "first"),
    (
        "two first steps",
        set_field(PLANS, "actions", "act_am_crm_basics", "first", True),
        "first_step",
        "plans",
        "am",
        "first",
    ),
    ("first step later", action_field("phase", "3m"), "first_step", PLANS, "act_am_agree_move", "first"),
    (
        "first step for some roles",
        action_field("from_roles", ["pm"]),
        "first_step",
        PLANS,
        "act_am_agree_move",
        "first",
    ),
    ("too few items", too_few_situational, "too_few", "bank", "situational", "count"),
    ("bad version", bank_meta("version", "one"), "bad_version", "bank.yaml", None, "version"),
    (
        "scoring constant",
        bank_meta("scoring.item_error_sd", -1),
        "scoring_constant",
        "bank.yaml",
        None,
        "scoring.item_error_sd",
    ),
    ("dimension weight", dimension_weight, "bad_weight", "dimensions.yaml", ANY, "weight"),
    ("tracks not a mapping", bank_meta("tracks", [1]), "bad_type", "bank.yaml", None, "tracks"),
    (
        "text not a mapping",
        set_field(LIKERT, "items", "lk_scope_am_2", "text", "hello"),
        "language",
        LIKERT,
        "lk_scope_am_2",
        "text",
    ),
    (
        "extra language",
        lambda b: b.edit_entry(LIKERT, "items", "lk_scope_am_2", lambda e: e["text"].__setitem__("fr", "Bonjour")),
        "language",
        LIKERT,
        "lk_scope_am_2",
        "text.fr",
    ),
    ("languages not a list", bank_meta("languages", "en"), "bad_type", "bank.yaml", None, "languages"),
    (
        "scale size",
        bank_meta("scales.likert", [{"en": "a", "zh-Hans": "a", "vi": "a"}]),
        "bad_type",
        "bank.yaml",
        "likert",
        "scales",
    ),
    ("unknown scoring constant", bank_meta("scoring.magic", 1), "scoring_constant", "bank.yaml", None, "scoring.magic"),
    ("bad minimum", bank_meta("minimums", {"actions": -1}), "bad_type", "bank.yaml", None, "minimums.actions"),
    ("entry not a mapping", entry_not_mapping, "bad_type", LIKERT, "#37", None),
    ("no item files", remove_folder("items"), "missing_file", "items/", None, None),
    ("no plan files", remove_folder("plans"), "missing_file", "plans/", None, None),
    (
        "paired pole",
        edit_first(PAIRED, "items", lambda e: e["a"].__setitem__("pole", "x")),
        "bad_key",
        PAIRED,
        ANY,
        "a.pole",
    ),
    (
        "option id",
        edit_first(SJT, "items", lambda e: e["options"][0].__setitem__("id", "A B")),
        "options",
        SJT,
        ANY,
        "options[1].id",
    ),
    (
        "option without weights",
        edit_first(SJT, "items", lambda e: e["options"][0].__setitem__("weights", {})),
        "weight_range",
        SJT,
        ANY,
        "options.",
    ),
    ("duplicate option", duplicate_option, "options", SJT, ANY, "options."),
    ("role options", role_options, "unknown_role", "context.yaml", "ctx_role", "options"),
    (
        "no role question",
        edit_first("context.yaml", "context", lambda e: e.__setitem__("field", "mood")),
        "missing_field",
        "context.yaml",
        None,
        "field",
    ),
    ("action without skills", action_field("skills", []), "unknown_skill", PLANS, ANY, "skills"),
    (
        "mirror not found",
        set_field(LIKERT, "items", "lk_scope_am_1", "mirror", "lk_nothing_here"),
        "mirror",
        LIKERT,
        "lk_scope_am_1",
        "mirror",
    ),
    ("mirror same key", mirror_same_key, "mirror", LIKERT, "lk_scope_am_1", "mirror"),
    ("no mirrored pair", no_mirror_in_dimension, "mirror", "items", "scope", "mirror"),
    (
        "profile titles missing",
        set_field("tracks.yaml", "tracks", "am", "titles", {"en": ["Account Manager"]}),
        "language",
        "tracks.yaml",
        "am",
        "titles.zh-Hans",
    ),
    (
        "profile titles empty",
        set_field("tracks.yaml", "tracks", "pm", "titles", {"en": [], "zh-Hans": [""], "vi": 3}),
        "language",
        "tracks.yaml",
        "pm",
        "titles.en",
    ),
    ("profile bad track", set_field("tracks.yaml", "tracks", "pm", "id", "cm"), "bad_id", "tracks.yaml", "cm", "id"),
    (
        "profile missing",
        lambda b: b.edit("tracks.yaml", lambda d: d["tracks"].pop()),
        "missing_field",
        "tracks.yaml",
        "pm",
        None,
    ),
    (
        "profile text language",
        set_field("tracks.yaml", "tracks", "am", "summary", {"en": "x"}),
        "language",
        "tracks.yaml",
        "am",
        "summary.zh-Hans",
    ),
    (
        "no dimensions",
        lambda b: b.save("dimensions.yaml", {"dimensions": []}),
        "too_few",
        "dimensions.yaml",
        None,
        "dimensions",
    ),
]


def test_real_bank_has_no_issues(bank_copy: BankCopy) -> None:
    assert check_bank(bank_copy.root) == []


@pytest.mark.parametrize(("name", "mutate", "code", "file", "item", "field"), CASES, ids=[c[0] for c in CASES])
def test_broken_bank_is_reported(
    bank_copy: BankCopy,
    name: str,
    mutate: Callable[[BankCopy], None],
    code: str,
    file: str,
    item: str | None,
    field: str | None,
) -> None:
    mutate(bank_copy)
    issues = check_bank(bank_copy.root)
    matching = [i for i in issues if i.code == code]
    assert matching, f"{name}: expected a {code!r} issue, got {issues}"
    hit = matching[0]
    assert hit.file == file
    if item == ANY:
        assert hit.item, "the issue names the item"
    elif item is not None:
        assert hit.item == item
    if field is not None:
        assert hit.field.startswith(field)
    assert file in str(hit) and hit.message in str(hit)
    with pytest.raises(BankError):
        load_bank(bank_copy.root)


def test_all_issues_are_reported_at_once(bank_copy: BankCopy) -> None:
    set_field(LIKERT, "items", "lk_scope_am_2", "source", "nowhere")(bank_copy)
    set_field(PAIRED, "items", "pp_scope_1", "dimension", "charisma")(bank_copy)
    codes = {i.code for i in check_bank(bank_copy.root)}
    assert {"unknown_source", "unknown_dimension"} <= codes
