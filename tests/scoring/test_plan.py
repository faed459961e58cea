"""Transition plans: target choice, ordering by gap, phases, role-specific actions, strengths."""

from __future__ import annotations

from dataclasses import replace

import pytest

from scoring import plan, score
from scoring.model import PHASES, Answers, Bank
from scoring.plan import MAX_PER_PHASE, choose_target
from tests.conftest import pattern


def with_skills(answers: Answers, levels: dict[str, int], bank: Bank) -> Answers:
    values = dict(answers.values)
    for item in bank.proficiency_items:
        values[item.id] = levels.get(item.skill or "", 3)
    return replace(answers, values=values)


def test_target_follows_the_recommendation(bank: Bank) -> None:
    result = score(bank, pattern(bank, "am", skills=2))
    p = plan(bank, result, "pm")
    assert p.target == "am" and p.chosen_by == "recommendation"
    assert [ph.id for ph in p.phases] == list(PHASES)


def test_person_can_choose_the_other_track(bank: Bank) -> None:
    result = score(bank, pattern(bank, "am", skills=2))
    p = plan(bank, result, "am", target="pm")
    assert p.target == "pm" and p.chosen_by == "person"
    for phase in p.phases:
        assert all(bank.action(a.action).track == "pm" for a in phase.actions)
    with pytest.raises(ValueError):
        choose_target(result, "cto")  # type: ignore[arg-type]


def test_hybrid_plans_for_its_lean(bank: Bank) -> None:
    values = {i.id: 3 for i in bank.items if i.kind == "likert"}
    values["lk_scope_pm_2"] = 5
    result = score(bank, Answers("en", "other", values))
    assert result.recommendation == "HYBRID" and result.lean == "pm"
    assert plan(bank, result, "other").target == "pm"
    neutral = score(bank, Answers("en", "other", {i.id: 3 for i in bank.items if i.kind == "likert"}))
    assert plan(bank, neutral, "other").chosen_by == "readiness"


def test_pm_to_am_plan_starts_with_the_biggest_gaps(bank: Bank) -> None:
    levels = {"negotiation": 1, "needs_discovery": 1}
    answers = with_skills(pattern(bank, "am", role="pm"), levels, bank)
    p = plan(bank, score(bank, answers), "pm")
    assert p.gaps[0][0] in levels and p.gaps[0][1] >= 3
    for phase in p.phases:
        assert len(phase.actions) <= MAX_PER_PHASE
        priorities = [a.gap + (0.5 if a.for_role else 0) for a in phase.actions]
        assert priorities == sorted(priorities, reverse=True)
        for a in phase.actions:
            roles = bank.action(a.action).from_roles
            assert not roles or "pm" in roles
    planned_skills = {s for ph in p.phases for a in ph.actions for s in a.skills}
    assert {"negotiation", "needs_discovery"} <= planned_skills
    # the seed's own backbone: the simulated client-visit programme for a PM moving to AM
    titles = " ".join(bank.action(a.action).title["en"].lower() for ph in p.phases for a in ph.actions)
    assert "client visit" in titles or "client-visit" in titles


def test_am_to_pm_plan_includes_risk_tools(bank: Bank) -> None:
    levels = {"risk_management": 1, "scheduling": 1, "wbs": 1}
    answers = with_skills(pattern(bank, "pm", role="am"), levels, bank)
    p = plan(bank, score(bank, answers), "am")
    assert p.target == "pm"
    text = " ".join(
        (bank.action(a.action).title["en"] + bank.action(a.action).outcome["en"]).lower()
        for ph in p.phases
        for a in ph.actions
    )
    assert "monte carlo" in text


def test_strengths_and_unrated_skills(bank: Bank) -> None:
    answers = with_skills(pattern(bank, "am", role="sales"), {"negotiation": 5, "crm": 5}, bank)
    values = dict(answers.values)
    values["pf_needs_discovery"] = None
    p = plan(bank, score(bank, replace(answers, values=values)), "sales")
    assert p.strengths[:2] == ("negotiation", "crm") or set(p.strengths[:2]) == {"negotiation", "crm"}
    assert "needs_discovery" in p.unrated
    assert "needs_discovery" not in dict(p.gaps)
    assert set(p.strength_dimensions) == {d.id for d in bank.dimensions}


def test_no_gap_no_generic_action(bank: Bank) -> None:
    answers = with_skills(pattern(bank, "am", role="other"), {s.id: 5 for s in bank.skills}, bank)
    p = plan(bank, score(bank, answers), "other")
    for phase in p.phases:
        for a in phase.actions:
            assert a.for_role, "only role-specific actions remain when every skill is at level 5"
