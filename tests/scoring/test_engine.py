"""Scores from known answer patterns: direction, bounds, errors, readiness and quality flags."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from scoring import score
from scoring.engine import keyed, keyed_value
from scoring.model import Answers, Bank, Option
from tests.conftest import pattern


def answers(values: dict[str, object], **kw: object) -> Answers:
    return Answers(lang="en", current_role="other", values=values, **kw)  # type: ignore[arg-type]


def test_likert_keying(bank: Bank) -> None:
    am, pm = bank.item("lk_scope_am_1"), bank.item("lk_scope_pm_1")
    assert keyed_value(am, 5) == 1.0
    assert keyed_value(am, 3) == 0.0
    assert keyed_value(pm, 5) == -1.0
    assert keyed_value(pm, 2) == 0.5
    assert keyed_value(am, None) is None
    assert keyed(am, None, bank) == {}
    inv = 1 / bank.scoring.item_error_sd**2
    assert keyed(am, 5, bank) == {"scope": (pytest.approx(inv), pytest.approx(inv))}
    assert keyed(pm, 2, bank)["scope"][1] == pytest.approx(0.5 * inv)


def test_paired_keying_follows_the_am_side(bank: Bank) -> None:
    for item in (i for i in bank.items if i.kind == "paired"):
        assert item.a is not None and item.dimension is not None
        sign = 1.0 if item.a.pole == "am" else -1.0
        assert keyed_value(item, 1) == sign
        assert keyed_value(item, 4) == -sign
        assert keyed_value(item, 2) == pytest.approx(sign / 3)


def test_situations_inform_only_through_how_options_differ(bank: Bank) -> None:
    beta = bank.scoring.situation_slope
    for item in (i for i in bank.items if i.kind == "situational"):
        per_option = {o.id: keyed(item, o.id, bank) for o in item.options}
        for dim, spread in item.loadings().items():
            ws = [o.weights.get(dim, 0.0) for o in item.options]
            mean = sum(ws) / len(ws)
            assert spread == pytest.approx((sum((w - mean) ** 2 for w in ws) / len(ws)) ** 0.5)
            # the scores of the options are centred: picking at random says nothing on average
            assert sum(per_option[o.id][dim][1] for o in item.options) == pytest.approx(0.0, abs=1e-12)
            for o in item.options:
                info, u = per_option[o.id][dim]
                assert info == pytest.approx(beta**2 * spread**2)
                assert u == pytest.approx(beta * (o.weights.get(dim, 0.0) - mean))


def test_a_dimension_every_option_weighs_alike_gets_nothing(bank: Bank) -> None:
    item = bank.item("sj_new_feature")
    same = replace(item, options=tuple(Option(o.id, o.text, {**o.weights, "career": 0.5}) for o in item.options))
    assert "career" not in same.loadings()
    assert all("career" not in keyed(same, o.id, bank) for o in same.options)


def test_perfect_am_choices_push_every_dimension_they_measure_towards_am(bank: Bank) -> None:
    # 1.x scored y = 0 with full loading on dimensions the chosen option does not weigh:
    # perfect AM choices gave career 0 and scope 31 from the situations alone
    am = pattern(bank, "am").values
    values = {i.id: am[i.id] for i in bank.items if i.kind == "situational"}
    result = score(bank, answers(values))
    assert all(d.score >= 0 for d in result.dimensions)
    assert result.dimension("scope").score > 31 and result.overall > 40
    # career: in both of its situations the chosen option is neutral on career while the others
    # balance (+1 / -1), so the choice says nothing about career, and the score stays at the prior
    assert result.dimension("career").score == 0
    assert result.recommendation == "NOCALL"  # ten situations alone are not enough to call


def test_strong_am_pattern_is_am(bank: Bank) -> None:
    result = score(bank, pattern(bank, "am"))
    assert result.recommendation == "AM"
    assert result.p_am > 0.99
    assert all(d.score > 50 for d in result.dimensions)
    assert all(d.sufficient for d in result.dimensions)
    # every statement at an end of the scale: the error widens, the call stands
    assert {f.code for f in result.flags} == {"extreme_style"}
    assert result.evidence is not None and result.evidence.enough


def test_strong_pm_pattern_is_pm(bank: Bank) -> None:
    result = score(bank, pattern(bank, "pm"))
    assert result.recommendation == "PM"
    assert result.p_am < 0.01
    assert all(d.score < -50 for d in result.dimensions)


def test_neutral_answers_are_hybrid_without_a_lean(bank: Bank) -> None:
    values: dict[str, object] = {i.id: 3 for i in bank.items if i.kind == "likert"}
    result = score(bank, answers(values))
    assert result.recommendation == "HYBRID"
    assert result.lean is None
    assert result.overall == 0
    assert result.p_am == 0.5


def test_nothing_answered_gives_the_prior(bank: Bank) -> None:
    result = score(bank, answers({}))
    assert result.recommendation == "NOCALL"
    assert result.answered == 0
    for d in result.dimensions:
        assert d.score == 0 and d.se == pytest.approx(100 * bank.scoring.prior_sd)
        assert not d.sufficient
    codes = {f.code for f in result.flags}
    assert {"too_many_skipped", "thin_dimension", "not_enough"} <= codes
    assert all(r.level is None and r.gap == {"am": None, "pm": None} for r in result.readiness)
    assert result.track_readiness == {"am": None, "pm": None}


def test_standard_error_follows_the_measurement_model(bank: Bank) -> None:
    result = score(bank, pattern(bank, "am"))
    sigma, tau, beta = bank.scoring.item_error_sd, bank.scoring.prior_sd, bank.scoring.situation_slope
    for d in result.dimensions:
        info = sum(
            (beta * a) ** 2 if i.kind == "situational" else 1 / sigma**2
            for i in bank.orientation_items
            for dim, a in i.loadings().items()
            if dim == d.id
        )
        assert d.information == pytest.approx(info)
        assert d.model_se == pytest.approx(100 / math.sqrt(info + 1 / tau**2))
        assert d.se >= d.model_se


def test_contributions_explain_the_score(bank: Bank) -> None:
    result = score(bank, pattern(bank, "am"))
    scope = result.dimension("scope")
    assert scope.contributions[0].value > 0
    assert len(scope.contributions) == scope.answered
    assert {c.item_id for c in scope.contributions} >= {"lk_scope_am_1", "lk_scope_pm_1"}


def test_readiness_gaps(bank: Bank) -> None:
    values = {i.id: 2 for i in bank.proficiency_items}
    result = score(bank, answers(values))
    neg = result.skill("negotiation")
    assert neg.level == 2
    assert neg.gap == {"am": bank.skill("negotiation").required["am"] - 2, "pm": 0}
    full = score(bank, answers({i.id: 5 for i in bank.proficiency_items}))
    assert full.track_readiness == {"am": 100.0, "pm": 100.0}
    low = score(bank, answers({i.id: 1 for i in bank.proficiency_items}))
    assert low.track_readiness["am"] is not None and low.track_readiness["am"] < 50


def test_straight_lining_is_flagged(bank: Bank) -> None:
    values = {i.id: 5 for i in bank.items if i.kind == "likert"}
    result = score(bank, answers(values))
    flag = next(f for f in result.flags if f.code == "straight_lining")
    assert len(flag.items) == len(values)
    # agreeing with everything does not push the result one way: keys are balanced
    assert abs(result.overall) < 1e-9


def test_contradictory_mirrors_are_flagged(bank: Bank) -> None:
    base = dict(pattern(bank, "am").values)
    mirrors = [i for i in bank.items if i.kind == "likert" and i.mirror and i.key == "am"]
    k = bank.scoring.contradiction_min_pairs
    for item in mirrors[:k]:
        base[item.id] = 5
        base[item.mirror or ""] = 5
    result = score(bank, answers(base))
    flag = next(f for f in result.flags if f.code == "contradictory")
    assert set(flag.items) == {x for i in mirrors[:k] for x in (i.id, i.mirror)}
    fewer = dict(pattern(bank, "am").values)
    for item in mirrors[: k - 1]:
        fewer[item.id] = fewer[item.mirror or ""] = 5
    assert "contradictory" not in {f.code for f in score(bank, answers(fewer)).flags}


def test_too_fast_needs_timings(bank: Bank) -> None:
    base = pattern(bank, "am")
    assert "too_fast" not in {f.code for f in score(bank, base).flags}
    fast = replace(base, timings_ms={i.id: 400.0 for i in bank.orientation_items})
    assert "too_fast" in {f.code for f in score(bank, fast).flags}
    slow = replace(base, timings_ms={i.id: 6000.0 for i in bank.orientation_items})
    assert "too_fast" not in {f.code for f in score(bank, slow).flags}


def test_versions_are_stamped(bank: Bank) -> None:
    from scoring import SCORING_VERSION

    result = score(bank, answers({}))
    assert result.bank_version == bank.version
    assert result.scoring_version == SCORING_VERSION


def test_bank_lookups(bank: Bank) -> None:
    assert bank.dimension("scope").name["zh-Hans"] == "职责范围"
    assert bank.skill("wbs").required["pm"] >= 4
    assert bank.has_item("lk_scope_am_1") and not bank.has_item("nope")
