"""The adaptive short form: stopping rule, content balancing, determinism, replay (issue 20)."""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import load_bank, score
from scoring.adaptive import (
    CARELESS,
    RULES,
    Rules,
    Step,
    complete_pairs,
    information,
    mirrors,
    next_item,
    replay,
    short_form_flags,
    sprt,
    step,
)
from scoring.model import Answers, AnswerValue, Bank
from scoring.simulate import respondent
from scoring.simulate_adaptive import TABLE_END, TABLE_START, condition, replace_block, run, simulate_adaptive, table
from tests.conftest import BANK_DIR

BANK = load_bank(BANK_DIR)
TOTAL = len(BANK.orientation_items)


def make(values: dict[str, AnswerValue]) -> Answers:
    return Answers(lang="en", current_role="other", values=values)


def walk(bank: Bank, full: dict[str, AnswerValue], seed: str, rules: Rules = RULES) -> tuple[list[Step], dict]:
    """Ask adaptively, answering from ``full``; every step on the way and the answers in the order asked."""
    values: dict[str, AnswerValue] = {}
    steps = []
    while True:
        now = step(bank, make(dict(values)), seed, rules)
        steps.append(now)
        if now.item_id is None:
            return steps, values
        assert now.item_id not in values
        values[now.item_id] = full.get(now.item_id)


orientation = st.fixed_dictionaries(
    {
        i.id: st.one_of(
            st.none(),
            st.sampled_from([o.id for o in i.options]) if i.kind == "situational" else st.integers(1, i.max_value()),
        )
        for i in BANK.orientation_items
    }
)


@settings(max_examples=40, deadline=None)
@given(full=orientation, seed=st.text(min_size=1, max_size=12))
def test_any_response_never_stops_before_the_minimum_and_otherwise_runs_the_full_form(
    full: dict[str, AnswerValue], seed: str
) -> None:
    steps, values = walk(BANK, full, seed)
    last = steps[-1]
    assert last.asked == len(values)
    if last.stopped:
        assert last.asked >= RULES.min_length
        result = score(BANK, make(values))
        assert last.decision == result.recommendation in ("AM", "PM")
        assert result.fit is not None and result.fit.statistic is not None
        assert result.fit.statistic <= BANK.scoring.person_fit_cut
        assert not CARELESS & {f.code for f in result.flags}
    else:  # the maximum length is the full form: every orientation question, each once
        assert sorted(values) == sorted(i.id for i in BANK.orientation_items)
    assert all(not s.stopped for s in steps[:-1])


def careless_clear(seed: int) -> dict[str, AnswerValue]:
    """A clear AM person who answers every statement's mirror the same way (agrees with both poles)."""
    rng = random.Random(seed)
    person = respondent(BANK, "am", rng)
    values = dict(person.answers.values)
    for a, b in mirrors(BANK).items():
        values[a] = values[b] = 5
    return values


@pytest.mark.parametrize("seed", range(6))
def test_a_misfitting_or_contradictory_person_is_never_stopped_early(seed: int) -> None:
    full = careless_clear(seed)
    steps, values = walk(BANK, full, f"misfit:{seed}")
    assert not steps[-1].stopped
    assert len(values) == TOTAL
    assert any("careless" in s.held or "person_fit" in s.held for s in steps)


def test_clear_profiles_stop_early_with_the_full_forms_call_and_every_constraint_met(bank: Bank) -> None:
    rng = random.Random(5)
    stopped = 0
    for k in range(20):
        person = respondent(bank, rng.choice(("am", "pm")), rng)
        steps, values = walk(bank, dict(person.answers.values), f"clear:{k}")
        last = steps[-1]
        if not last.stopped:
            continue
        stopped += 1
        assert last.decision == score(bank, person.answers).recommendation == person.profile.upper()
        counts = Counter(d for i in values if values[i] is not None for d in bank.item(i).loadings())
        assert min(counts[d.id] for d in bank.dimensions) >= bank.scoring.min_answers_per_dimension
        assert complete_pairs(bank, values) >= bank.scoring.contradiction_min_pairs
        kinds = Counter(bank.item(i).kind for i in list(values)[:12])
        assert set(kinds) == {"likert", "paired", "situational"}  # kinds are mixed from the start
    assert stopped >= 17


def test_a_mirrored_partner_follows_its_pair_after_the_gap(bank: Bank) -> None:
    person = respondent(bank, "pm", random.Random(2))
    _, values = walk(bank, dict(person.answers.values), "gap")
    order = list(values)
    partner = mirrors(bank)
    for n, item_id in enumerate(order):
        other = partner.get(item_id)
        if other in order and order.index(other) > n:
            assert order.index(other) - n - 1 >= RULES.mirror_gap


def test_the_order_is_the_same_for_the_same_assessment_and_rotates_between_people(bank: Bank) -> None:
    person = respondent(bank, "am", random.Random(3))
    full = dict(person.answers.values)
    assert list(walk(bank, full, "same")[1]) == list(walk(bank, full, "same")[1])
    firsts = Counter(next_item(bank, {}, f"person-{k}") for k in range(40))
    assert len(firsts) == RULES.randomesque  # exposure control: the best few share the first place
    situations = Counter(
        next(i for i in walk(bank, full, f"p{k}")[1] if bank.item(i).kind == "situational") for k in range(12)
    )
    assert len(situations) >= 2


def test_replay_rebuilds_the_order_from_the_stored_answers_alone(bank: Bank) -> None:
    person = respondent(bank, "am", random.Random(4))
    _, values = walk(bank, dict(person.answers.values), "replay")
    stored = dict(sorted(values.items()))  # the database returns them in no particular order
    assert replay(bank, stored, "replay") == tuple(values)
    changed = dict(stored)
    first = next(iter(values))
    changed[first] = None  # an early answer changed since: the later path may differ
    again = replay(bank, changed, "replay")
    assert sorted(again) == sorted(values)
    assert replay(bank, {}, "replay") == ()


def test_continuing_to_the_full_form_never_stops(bank: Bank) -> None:
    person = respondent(bank, "am", random.Random(6))
    values: dict[str, AnswerValue] = {}
    while (now := step(bank, person.answers.__class__("en", "other", dict(values)), "go", stop=False)).item_id:
        assert "continued" in now.held and not now.stopped
        values[now.item_id] = person.answers.values.get(now.item_id)
    assert len(values) == TOTAL and now == Step(None, False, TOTAL, TOTAL, None, ())


def test_next_item_with_nothing_left_in_the_pool_is_none(bank: Bank) -> None:
    assert next_item(bank, {}, "x", pool=()) is None


def test_a_situation_is_most_informative_where_its_options_are_equally_likely(bank: Bank) -> None:
    situation = next(i for i in bank.orientation_items if i.kind == "situational")
    zero = {d.id: 0.0 for d in bank.dimensions}
    beta = bank.scoring.situation_slope
    for dim, spread in situation.loadings().items():
        assert information(bank, situation, zero)[dim] == pytest.approx(beta * beta * spread * spread)
    far = {d: 1.0 for d in zero}
    assert sum(information(bank, situation, far).values()) < sum(information(bank, situation, zero).values())
    statement = next(i for i in bank.orientation_items if i.kind == "likert")
    assert information(bank, statement, far) == information(bank, statement, zero)


def test_the_sprt_accepts_a_call_only_beyond_the_band_by_a_margin_that_grows_with_the_error(bank: Bank) -> None:
    base = score(bank, respondent(bank, "am", random.Random(1)).answers)
    h, delta = bank.scoring.hybrid_band, RULES.indifference
    upper = math.log((1 - RULES.beta) / RULES.alpha)
    for se in (6.0, 12.0):
        margin = upper * se * se / (2 * delta)
        assert sprt(bank, replace(base, overall=h + margin + 0.1, overall_se=se))[0] == "AM"
        assert sprt(bank, replace(base, overall=h + margin - 0.1, overall_se=se))[0] is None
        assert sprt(bank, replace(base, overall=-h - margin - 0.1, overall_se=se))[0] == "PM"
        assert sprt(bank, replace(base, overall=-h - margin + 0.1, overall_se=se))[0] is None
    assert sprt(bank, replace(base, overall=0.0, overall_se=5.0))[1] < 0


def test_the_adaptive_simulation_meets_the_issue_targets_for_clear_profiles(bank: Bank) -> None:
    c = condition(bank, "clear", "attentive", 60, seed=3)
    assert c["items_share"] <= 0.5
    assert c["same_as_full"] >= 0.97
    assert c["other_way"] == 0.0
    assert c["wrong"] == 0.0


def test_borderline_people_are_not_forced_to_a_call_by_the_stop(bank: Bank) -> None:
    c = condition(bank, "borderline", "attentive", 40, seed=3)
    assert c["hybrid"] >= c["full_hybrid"] - 0.03
    assert c["other_way"] == 0.0


def test_the_report_and_its_table(bank: Bank) -> None:
    report = simulate_adaptive(bank, n=6, seed=2, styles=["careless"])
    assert [c["profile"] for c in report["conditions"]] == ["clear", "borderline", "mixed"]
    assert report["population"]["right"] is None
    text = table(report)
    assert "| clear | careless |" in text and "| population | attentive |" in text
    assert TABLE_START != TABLE_END
    r = run(bank, respondent(bank, "am", random.Random(9)), "one")
    assert len(r.asked) <= TOTAL and r.full.answered >= r.adaptive.answered


def test_an_adaptive_result_counts_skips_among_the_questions_asked(bank: Bank) -> None:
    person = respondent(bank, "am", random.Random(8), skip=0.0)
    _, values = walk(bank, dict(person.answers.values), "skips")
    assert len(values) < TOTAL
    result = score(bank, make(values))
    assert "too_many_skipped" in {f.code for f in result.flags}  # the questions never asked count as skipped
    assert "too_many_skipped" not in {f.code for f in short_form_flags(bank, result, values).flags}
    skipping = {i: None if n % 2 else v for n, (i, v) in enumerate(values.items())}
    flagged = short_form_flags(bank, score(bank, make(skipping)), skipping)
    assert [f.detail for f in flagged.flags if f.code == "too_many_skipped"] == [
        f"{len(values) // 2} of {len(values)} questions asked were not answered"
    ]


def test_the_marked_block_is_replaced_and_an_unmarked_text_refused() -> None:
    text = f"before\n{TABLE_START}\nold\n{TABLE_END}\nafter\n"
    assert replace_block(text, "new") == f"before\n{TABLE_START}\nnew\n{TABLE_END}\nafter\n"
    with pytest.raises(ValueError, match="no <!-- simulate:adaptive:start -->"):
        replace_block("nothing marked", "new")
