"""The shipped bank meets the issue's minimums and reads as real text in every language."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from scoring.model import PHASES, ROLES, TRACKS, Bank, Text

CJK = re.compile(r"[\u4e00-\u9fff]")
VI_MARKS = re.compile(r"[ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ]", re.I)


def texts(bank: Bank) -> Iterator[tuple[str, Text]]:
    for d in bank.dimensions:
        yield d.id, d.name
        yield d.id, d.description
    for s in bank.skills:
        yield s.id, s.name
        yield s.id, s.description
    for i in bank.items:
        yield i.id, i.text
        for side in (i.a, i.b):
            if side is not None:
                yield i.id, side.text
        for o in i.options:
            yield f"{i.id}.{o.id}", o.text
        for n, anchor in enumerate(i.anchors):
            yield f"{i.id}.anchor{n + 1}", anchor
    for a in bank.actions:
        yield a.id, a.title
        yield a.id, a.outcome


def test_counts_meet_the_issue(bank: Bank) -> None:
    kinds = Counter(i.kind for i in bank.items)
    assert kinds["likert"] + kinds["paired"] + kinds["situational"] >= 48
    assert kinds["paired"] >= 6
    assert kinds["situational"] >= 8
    assert len(bank.skills) >= 12
    assert kinds["proficiency"] == len(bank.skills)
    assert len(bank.actions) >= 30
    assert len(bank.dimensions) == 6


def test_keys_are_balanced_per_dimension(bank: Bank) -> None:
    for dim in bank.dimensions:
        keys = Counter(i.key for i in bank.items if i.kind == "likert" and i.dimension == dim.id)
        assert keys["am"] >= 3 and keys["pm"] >= 3, dim.id
        sides = Counter(i.a.pole for i in bank.items if i.kind == "paired" and i.dimension == dim.id and i.a)
        assert sum(sides.values()) >= 1, dim.id


def test_paired_items_alternate_which_side_is_am(bank: Bank) -> None:
    sides = Counter(i.a.pole for i in bank.items if i.kind == "paired" and i.a)
    assert sides["am"] >= 2 and sides["pm"] >= 2


def test_situational_items_cover_every_dimension(bank: Bank) -> None:
    touched = Counter(d for i in bank.items if i.kind == "situational" for d in i.loadings())
    assert all(touched[d.id] >= 2 for d in bank.dimensions), touched


def test_every_text_is_translated(bank: Bank) -> None:
    for where, text in texts(bank):
        assert set(text) == {"en", "zh-Hans", "vi"}, where
        assert CJK.search(text["zh-Hans"]), f"{where}: zh-Hans text has no Chinese characters"
        assert text["vi"] != text["en"], f"{where}: vi text is a copy of en"
        if len(text["vi"]) > 12:
            assert VI_MARKS.search(text["vi"]), f"{where}: vi text has no Vietnamese diacritics"


def test_chinese_uses_the_seed_terms(bank: Bank) -> None:
    assert bank.tracks["am"]["name"]["zh-Hans"] == "客户经理"
    assert bank.tracks["pm"]["name"]["zh-Hans"] == "项目经理"
    assert bank.tracks["am"]["name"]["vi"] == "Quản lý khách hàng"
    assert bank.tracks["pm"]["name"]["vi"] == "Quản lý dự án"


def test_ids_are_unique_across_the_bank(bank: Bank) -> None:
    ids = [x.id for group in (bank.dimensions, bank.skills, bank.items, bank.context, bank.actions) for x in group]
    assert len(ids) == len(set(ids))


def test_plans_cover_every_track_phase_and_role(bank: Bank) -> None:
    for track in TRACKS:
        for phase in PHASES:
            n = sum(1 for a in bank.actions if a.track == track and a.phase == phase)
            assert n >= 3, (track, phase)
    roles = {r for a in bank.actions for r in a.from_roles}
    assert set(ROLES) - {"am", "pm"} <= roles | {"am", "pm"}
    for role in ("pm", "am", "engineer", "sales", "other", "student"):
        assert any(role in a.from_roles for a in bank.actions), role


def test_every_skill_is_built_by_some_action(bank: Bank) -> None:
    built = {s for a in bank.actions for s in a.skills}
    assert {s.id for s in bank.skills} <= built


def test_seed_transitions_are_in_the_plans(bank: Bank) -> None:
    en = " ".join(a.title["en"] + " " + a.outcome["en"] for a in bank.actions).lower()
    assert "client visit" in en or "client-visit" in en
    assert "monte carlo" in en


def test_every_source_is_declared(bank: Bank) -> None:
    for group in (bank.dimensions, bank.skills, bank.items, bank.actions):
        for x in group:
            assert x.source in bank.sources, x.id
