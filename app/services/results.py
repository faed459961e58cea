"""The result as a page: typed, language-resolved data for the templates (and later the PDF)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from app.models import ResultSnapshot
from scoring import plan as make_plan
from scoring.model import Answers, AnswerValue, Bank, Item, Result, TrackId, TransitionPlan
from scoring.sensitivity import Counterfactual, Lever, levers, reproduces
from scoring.serialize import result_from_dict

CHART_WIDTH = 420
CHART_ROW = 56
CHART_PAD = 6


@dataclass(frozen=True)
class Evidence:
    kind: str  # likert | paired | situational
    text: str  # the statement, the chosen side or the chosen reaction
    context: str  # the answer label (likert / paired) or the situation (situational)
    towards: TrackId


@dataclass(frozen=True)
class DimensionRow:
    id: str
    name: str
    description: str
    am_pole: str
    pm_pole: str
    score: int
    se: int
    ci_low: int
    ci_high: int
    answered: int
    sufficient: bool
    side: Literal["am", "pm", "middle"]
    strength: Literal["clear", "moderate", "slight"]
    evidence_am: tuple[Evidence, ...]
    evidence_pm: tuple[Evidence, ...]
    # chart geometry, in SVG user units
    y: float
    bar_x: float
    bar_w: float
    ci_x1: float
    ci_x2: float
    exact: float = 0.0  # the score unrounded (for the comparison's bucket)


@dataclass(frozen=True)
class SkillRow:
    id: str
    name: str
    level: int | None
    anchor: str | None
    required_am: int
    required_pm: int
    gap_am: int | None
    gap_pm: int | None


@dataclass(frozen=True)
class ActionView:
    id: str
    title: str
    outcome: str
    skills: tuple[str, ...]
    for_role: bool
    effort_hours: int


@dataclass(frozen=True)
class PhaseView:
    id: str
    actions: tuple[ActionView, ...]
    hours: int


@dataclass(frozen=True)
class PlanView:
    target: TrackId
    chosen_by: str
    phases: tuple[PhaseView, ...]
    strengths: tuple[str, ...]
    strength_dimensions: tuple[str, ...]
    gaps: tuple[tuple[str, int], ...]
    unrated: tuple[str, ...]


@dataclass(frozen=True)
class WhatIf:
    """One counterfactual answer, ready to print."""

    answer: str  # the answer label ("" when the counterfactual is leaving it unanswered)
    overall: int
    recommendation: str
    change: str  # same | less_sure | flip | call


@dataclass(frozen=True)
class LeverView:
    """An answer that moved the result most, and what changing it would do."""

    item_id: str
    kind: str
    question: str  # the statement, the pair ("A" / "B") or the situation
    answer: str  # the answer given, as the person saw it
    towards: TrackId  # the side it pulled towards
    pull: int
    neutral: WhatIf
    opposite: WhatIf


@dataclass(frozen=True)
class ProfileView:
    """What a track is like, in one language."""

    track: TrackId
    summary: str
    day_to_day: tuple[str, ...]
    works_with: str
    measured_by: tuple[str, ...]
    titles: tuple[str, ...]


@dataclass(frozen=True)
class ResultPage:
    assessment_id: str
    lang: str
    recommendation: str
    lean: TrackId | None
    p_am: float
    p_pm: float
    overall: int
    overall_se: int
    dimensions: tuple[DimensionRow, ...]
    skills: tuple[SkillRow, ...]
    track_readiness: dict[str, int | None]
    plan: PlanView
    other_track: TrackId
    flags: tuple[str, ...]
    answered: int
    items: int
    bank_version: str
    scoring_version: str
    scored_at: datetime
    chart_height: float
    chart_width: int
    stale_bank: bool
    params_version: str | None = None  # the calibrated parameter file it was scored with (None: bank defaults)
    more_answers: int = 0  # NOCALL: how many more orientation answers could make a call
    short_dimensions: tuple[str, ...] = ()  # NOCALL: names of the dimensions that need answers
    changes: tuple[LeverView, ...] = ()  # what would change my result (owner only: it reads back answers)
    profiles: dict[str, ProfileView] | None = None  # what each track is like
    next_actions: tuple[ActionView, ...] = ()  # the plan's first three actions

    @property
    def summary_track(self) -> TrackId | None:
        """The track the summary describes: the call, else the lean (None: balanced or no call)."""
        if self.recommendation in ("AM", "PM"):
            return "am" if self.recommendation == "AM" else "pm"
        return self.lean if self.recommendation == "HYBRID" else None


def _side(score: float) -> Literal["am", "pm", "middle"]:
    return "am" if score >= 10 else "pm" if score <= -10 else "middle"


def _strength(score: float) -> Literal["clear", "moderate", "slight"]:
    return "clear" if abs(score) >= 50 else "moderate" if abs(score) >= 20 else "slight"


def _evidence(bank: Bank, item: Item, value: AnswerValue, lang: str, towards: TrackId, dimension: str) -> Evidence:
    if item.kind == "likert":
        assert isinstance(value, int)
        return Evidence("likert", item.text[lang], bank.scales["likert"][value - 1][lang], towards)
    if item.kind == "paired":
        assert isinstance(value, int) and item.a is not None and item.b is not None
        side = item.a if value <= 2 else item.b
        return Evidence("paired", side.text[lang], bank.scales["paired"][value - 1][lang], towards)
    option = next(o for o in item.options if o.id == value)
    return Evidence("situational", option.text[lang], item.text[lang], towards)


def chart_x(score: float) -> float:
    """SVG x of a score: -100 at the left edge, +100 at the right (AM on the right)."""
    inner = CHART_WIDTH - 2 * CHART_PAD
    return CHART_PAD + (score + 100) / 200 * inner


def plan_view(bank: Bank, plan: TransitionPlan, lang: str) -> PlanView:
    phases = tuple(
        PhaseView(
            phase.id,
            tuple(
                ActionView(
                    a.action,
                    bank.action(a.action).title[lang],
                    bank.action(a.action).outcome[lang],
                    tuple(bank.skill(s).name[lang] for s in a.skills if _has_skill(bank, s)),
                    a.for_role,
                    bank.action(a.action).effort_hours,
                )
                for a in phase.actions
            ),
            sum(bank.action(a.action).effort_hours for a in phase.actions),
        )
        for phase in plan.phases
    )

    def name(skill: str) -> str:
        return bank.skill(skill).name[lang]

    return PlanView(
        target=plan.target,
        chosen_by=plan.chosen_by,
        phases=phases,
        strengths=tuple(name(s) for s in plan.strengths if _has_skill(bank, s)),
        # the dimensions whose answers already point to the target, by name (never mixed into the skills)
        strength_dimensions=_dimension_names(bank, plan.strength_dimensions, lang),
        gaps=tuple((name(s), g) for s, g in plan.gaps if _has_skill(bank, s)),
        unrated=tuple(name(s) for s in plan.unrated if _has_skill(bank, s)),
    )


def _dimension_names(bank: Bank, ids: tuple[str, ...], lang: str) -> tuple[str, ...]:
    """Names of the dimensions ``ids`` that the bank still has, in ``lang``."""
    return tuple(d.name[lang] for d in bank.dimensions if d.id in ids)


def _has_skill(bank: Bank, skill_id: str) -> bool:
    return any(s.id == skill_id for s in bank.skills)


def _answer_label(bank: Bank, item: Item, value: AnswerValue, lang: str) -> str:
    if value is None:
        return ""
    if item.kind == "situational":
        return next(o.text[lang] for o in item.options if o.id == value)
    assert isinstance(value, int)
    return bank.scales[item.kind][value - 1][lang]


def _question(item: Item, lang: str) -> str:
    if item.kind == "paired":
        assert item.a is not None and item.b is not None
        return f"A: {item.a.text[lang]} / B: {item.b.text[lang]}"
    return item.text[lang]


def lever_views(bank: Bank, found: tuple[Lever, ...], lang: str) -> tuple[LeverView, ...]:
    """The engine's levers in ``lang`` (answers of items the bank no longer has are left out)."""

    def what_if(item: Item, cf: Counterfactual) -> WhatIf:
        return WhatIf(_answer_label(bank, item, cf.value, lang), round(cf.overall), cf.recommendation, cf.change)

    out = []
    for lv in found:
        item = bank.item(lv.item_id)
        out.append(
            LeverView(
                item_id=lv.item_id,
                kind=item.kind,
                question=_question(item, lang),
                answer=_answer_label(bank, item, lv.value, lang),
                towards="am" if lv.pull > 0 else "pm",
                pull=round(lv.pull),
                neutral=what_if(item, lv.neutral),
                opposite=what_if(item, lv.opposite),
            )
        )
    return tuple(out)


def profile_views(bank: Bank, lang: str) -> dict[str, ProfileView]:
    return {
        t: ProfileView(
            track=t,
            summary=p.summary[lang],
            day_to_day=tuple(x[lang] for x in p.day_to_day),
            works_with=p.works_with[lang],
            measured_by=tuple(x[lang] for x in p.measured_by),
            titles=p.titles.get(lang, ()),
        )
        for t, p in bank.profiles.items()
    }


def build(
    bank: Bank,
    snapshot: ResultSnapshot,
    values: dict[str, AnswerValue],
    *,
    lang: str,
    current_role: str,
    target: TrackId | None = None,
    evidence_per_side: int = 2,
    shared: bool = False,
) -> ResultPage:
    """Everything the result page shows, in ``lang``. ``target`` switches the plan to the other track."""
    result: Result = result_from_dict(snapshot.data)
    rows = []
    for n, d in enumerate(result.dimensions):
        dim = bank.dimension(d.id)
        ev: dict[TrackId, list[Evidence]] = {"am": [], "pm": []}
        for c in d.contributions:
            if c.value == 0 or not bank.has_item(c.item_id) or values.get(c.item_id) is None:
                continue
            towards: TrackId = "am" if c.value > 0 else "pm"
            if len(ev[towards]) < evidence_per_side:
                ev[towards].append(_evidence(bank, bank.item(c.item_id), values[c.item_id], lang, towards, d.id))
        low, high = d.ci95
        x0, xs = chart_x(0), chart_x(d.score)
        rows.append(
            DimensionRow(
                id=d.id,
                name=dim.name[lang],
                description=dim.description[lang],
                am_pole=dim.am_pole[lang],
                pm_pole=dim.pm_pole[lang],
                score=round(d.score),
                se=round(d.se),
                ci_low=round(low),
                ci_high=round(high),
                answered=d.answered,
                sufficient=d.sufficient,
                side=_side(d.score),
                strength=_strength(d.score),
                evidence_am=tuple(ev["am"]),
                evidence_pm=tuple(ev["pm"]),
                y=CHART_PAD + n * CHART_ROW,
                bar_x=min(x0, xs),
                bar_w=max(abs(xs - x0), 1.5),
                ci_x1=chart_x(low),
                ci_x2=chart_x(high),
                exact=d.score,
            )
        )
    by_skill = {i.skill: i for i in bank.proficiency_items}
    skills = []
    for r in result.readiness:
        if not _has_skill(bank, r.skill):
            continue
        item = by_skill[r.skill]
        skills.append(
            SkillRow(
                id=r.skill,
                name=bank.skill(r.skill).name[lang],
                level=r.level,
                anchor=item.anchors[r.level - 1][lang] if r.level else None,
                required_am=r.required["am"],
                required_pm=r.required["pm"],
                gap_am=r.gap["am"],
                gap_pm=r.gap["pm"],
            )
        )
    transition = make_plan(bank, result, current_role, target)
    changes: tuple[LeverView, ...] = ()
    known = {k: v for k, v in values.items() if bank.has_item(k)}
    if not shared and known:
        given = Answers(lang=lang, current_role=current_role, values=known)
        # levers explain the result shown: of this bank, or of an earlier one that scores these answers alike
        if result.bank_version == bank.version or reproduces(bank, given, result):
            changes = lever_views(bank, levers(bank, given), lang)
    if shared:
        # what a share link may show: never the answers, nor what can be read back from them
        skills = []
        transition = replace(transition, gaps=(), unrated=())
    planned = plan_view(bank, transition, lang)
    return ResultPage(
        assessment_id=snapshot.assessment_id,
        lang=lang,
        recommendation=result.recommendation,
        lean=result.lean,
        p_am=result.p_am,
        p_pm=1 - result.p_am,
        overall=round(result.overall),
        overall_se=round(result.overall_se),
        dimensions=tuple(rows),
        skills=tuple(skills),
        track_readiness={k: (None if v is None else round(v)) for k, v in result.track_readiness.items()},
        plan=planned,
        other_track="pm" if transition.target == "am" else "am",
        flags=tuple(f.code for f in result.flags),
        answered=result.answered,
        items=result.items,
        bank_version=result.bank_version,
        scoring_version=result.scoring_version,
        scored_at=snapshot.created_at,
        chart_height=CHART_PAD * 2 + len(rows) * CHART_ROW,
        chart_width=CHART_WIDTH,
        stale_bank=result.bank_version != bank.version,
        params_version=result.params_version,
        more_answers=result.evidence.more_answers if result.evidence else 0,
        short_dimensions=_dimension_names(bank, result.evidence.short if result.evidence else (), lang),
        changes=changes,
        profiles=profile_views(bank, lang),
        next_actions=tuple(a for phase in planned.phases for a in phase.actions)[:3],
    )
