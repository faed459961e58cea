"""Frozen data types of the measurement: the bank, answers, results and plans.

Sign convention everywhere: positive = AM pole, negative = PM pole.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

Lang = str
Text = Mapping[Lang, str]
TrackId = Literal["am", "pm"]
Recommendation = Literal["AM", "PM", "HYBRID", "NOCALL"]
Kind = Literal["likert", "paired", "situational", "proficiency", "check"]

TRACKS: tuple[TrackId, ...] = ("am", "pm")
ROLES: tuple[str, ...] = ("am", "pm", "engineer", "sales", "other", "student")
PHASES: tuple[str, ...] = ("30d", "3m", "6m")
# Hours a person can give a plan phase next to a day job: about 5 hours a week
# (30 days ~ 4 weeks, months 2-3 ~ 9 weeks, months 4-6 ~ 13 weeks).
PHASE_HOURS: Mapping[str, int] = {"30d": 20, "3m": 45, "6m": 65}
ORIENTATION_KINDS: tuple[str, ...] = ("likert", "paired", "situational")


@dataclass(frozen=True)
class Dimension:
    id: str
    weight: float
    source: str
    name: Text
    description: Text
    am_pole: Text
    pm_pole: Text


@dataclass(frozen=True)
class Option:
    """A choice of a situational item (weights per dimension) or a context question."""

    id: str
    text: Text
    weights: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class PairedSide:
    pole: TrackId
    text: Text


@dataclass(frozen=True)
class Item:
    """One question. Which fields are set depends on ``kind``.

    - likert: ``dimension``, ``key``, optional ``mirror``; ``text`` is the statement.
    - paired: ``dimension``, ``a``, ``b``; ``text`` is the prompt.
    - situational: ``options`` with weights; ``text`` is the stem.
    - proficiency: ``skill``, five ``anchors``; ``text`` is the question.
    - check: an instructed-response statement ("choose Disagree here") on the 1-5 scale; ``expect`` is
      the instructed answer. It measures nothing: it only tells attentive from random answering.
    """

    id: str
    kind: Kind
    source: str
    text: Text
    dimension: str | None = None
    key: TrackId | None = None
    mirror: str | None = None
    a: PairedSide | None = None
    b: PairedSide | None = None
    options: tuple[Option, ...] = ()
    skill: str | None = None
    anchors: tuple[Text, ...] = ()
    expect: int | None = None

    def loadings(self) -> dict[str, float]:
        """Loading ``a`` of this item on each dimension it measures.

        Likert and paired items load 1 on their dimension. A situational item
        measures a dimension only through how its options differ on it: it
        loads ``sqrt(var_o w_od)`` (the spread of the options' weights, over
        the options) on every dimension where the options differ, and nothing
        where they all weigh it the same. Proficiency items measure no dimension.
        """
        if self.kind in ("likert", "paired"):
            assert self.dimension is not None
            return {self.dimension: 1.0}
        out: dict[str, float] = {}
        n = len(self.options)
        dims = sorted({d for o in self.options for d in o.weights})
        for dim in dims:
            ws = [o.weights.get(dim, 0.0) for o in self.options]
            mean = sum(ws) / n
            spread = math.sqrt(sum((w - mean) ** 2 for w in ws) / n)
            if spread > 0:
                out[dim] = spread
        return out

    def max_value(self) -> int:
        return 4 if self.kind == "paired" else 5


@dataclass(frozen=True)
class Skill:
    id: str
    source: str
    required: Mapping[TrackId, int]
    name: Text
    description: Text


@dataclass(frozen=True)
class ContextQuestion:
    id: str
    field: str
    required: bool
    text: Text
    options: tuple[Option, ...]


@dataclass(frozen=True)
class Action:
    id: str
    track: TrackId
    from_roles: tuple[str, ...]
    skills: tuple[str, ...]
    phase: str
    source: str
    title: Text
    outcome: Text
    effort_hours: int = 1  # the hours of work the action takes beyond the day job
    first: bool = False  # the step every plan towards this track starts with, whatever the gaps


@dataclass(frozen=True)
class TrackProfile:
    """What a track is like (tracks.yaml): for people reading their result, not for scoring."""

    id: TrackId
    source: str
    summary: Text
    day_to_day: tuple[Text, ...]
    works_with: Text
    measured_by: tuple[Text, ...]
    titles: Mapping[Lang, tuple[str, ...]]  # typical job titles as that language's market writes them


@dataclass(frozen=True)
class ScoringConstants:
    item_error_sd: float = 0.5
    prior_sd: float = 1.0
    hybrid_band: float = 22.0
    decision_probability: float = 0.9
    min_answers_per_dimension: int = 3
    max_skipped_share: float = 0.25
    straight_line_share: float = 0.8
    straight_line_min_items: int = 12
    contradiction_min_pairs: int = 4
    fast_median_ms: float = 1500.0
    situation_slope: float = 2.0
    min_answers: int = 12
    min_dimensions: int = 4
    min_dimension_information: float = 8.0
    max_overall_se: float = 20.0
    person_fit_cut: float = 1.45
    person_fit_min_items: int = 12
    midpoint_style_share: float = 0.35
    extreme_style_share: float = 0.8
    midpoint_widening: float = 0.5
    extreme_widening: float = 0.35
    careless_fit_cut: float = 0.0
    careless_fit_alone_cut: float = 1.75


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one bank per process
class Bank:
    version: str
    languages: tuple[Lang, ...]
    sources: Mapping[str, str]
    tracks: Mapping[TrackId, Mapping[str, Text]]
    scales: Mapping[str, tuple[Text, ...]]
    skip_label: Text
    scoring: ScoringConstants
    dimensions: tuple[Dimension, ...]
    items: tuple[Item, ...]
    skills: tuple[Skill, ...]
    context: tuple[ContextQuestion, ...]
    actions: tuple[Action, ...]
    profiles: Mapping[TrackId, TrackProfile] = field(default_factory=dict)  # tracks.yaml (empty: none loaded)

    _items_by_id: dict[str, Item] = field(init=False, repr=False, compare=False)
    _skills_by_id: dict[str, Skill] = field(init=False, repr=False, compare=False)
    _dims_by_id: dict[str, Dimension] = field(init=False, repr=False, compare=False)
    _actions_by_id: dict[str, Action] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Id lookups are built once; the bank is read-only afterwards.
        object.__setattr__(self, "_items_by_id", {i.id: i for i in self.items})
        object.__setattr__(self, "_skills_by_id", {s.id: s for s in self.skills})
        object.__setattr__(self, "_dims_by_id", {d.id: d for d in self.dimensions})
        object.__setattr__(self, "_actions_by_id", {a.id: a for a in self.actions})

    def item(self, item_id: str) -> Item:
        return self._items_by_id[item_id]

    def has_item(self, item_id: str) -> bool:
        return item_id in self._items_by_id

    def skill(self, skill_id: str) -> Skill:
        return self._skills_by_id[skill_id]

    def dimension(self, dimension_id: str) -> Dimension:
        return self._dims_by_id[dimension_id]

    def action(self, action_id: str) -> Action:
        return self._actions_by_id[action_id]

    @cached_property
    def orientation_items(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.kind in ORIENTATION_KINDS)

    @cached_property
    def proficiency_items(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.kind == "proficiency")

    @cached_property
    def check_items(self) -> tuple[Item, ...]:
        """The instructed-response items (attention checks), in bank order."""
        return tuple(i for i in self.items if i.kind == "check")


AnswerValue = int | str | None


@dataclass(frozen=True)
class Answers:
    """A validated response: ``values`` maps item id -> value (None = prefer not to answer)."""

    lang: Lang
    current_role: str
    values: Mapping[str, AnswerValue]
    years_experience: str | None = None
    timings_ms: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Contribution:
    """How far one answered item pushed a dimension: ``a * y`` (positive = towards AM)."""

    item_id: str
    value: float


@dataclass(frozen=True)
class DimensionScore:
    id: str
    score: float  # -100 (PM) .. +100 (AM)
    se: float  # reported error: the model error widened for misfit and response style
    answered: int
    items: int
    sufficient: bool
    contributions: tuple[Contribution, ...]  # strongest first
    model_se: float | None = None  # posterior SD from the information alone (None in 1.x snapshots)
    information: float = 0.0  # test information sum_i I_i on the -1..+1 scale (prior excluded)

    @property
    def ci95(self) -> tuple[float, float]:
        return (max(-100.0, self.score - 1.96 * self.se), min(100.0, self.score + 1.96 * self.se))


@dataclass(frozen=True)
class SkillReadiness:
    skill: str
    level: int | None  # self-rated 1..5, None when not answered
    required: Mapping[TrackId, int]
    gap: Mapping[TrackId, int | None]  # max(0, required - level)


@dataclass(frozen=True)
class Flag:
    code: str  # straight_lining | contradictory | too_many_skipped | too_fast | thin_dimension | misfit
    # | midpoint_style | extreme_style | not_enough
    detail: str
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evidence:
    """Whether the answers carry enough information for an AM or PM call, and what is missing.

    ``more_answers`` is the smallest number of further orientation answers that
    could meet the rule; ``short`` names the dimensions that still need answers.
    """

    enough: bool
    answered: int  # orientation questions answered
    min_answers: int
    dimensions_ready: int
    min_dimensions: int
    overall_model_se: float
    max_overall_se: float
    short: tuple[str, ...]
    more_answers: int


@dataclass(frozen=True)
class PersonFit:
    """How well the answers fit the engine's own model, and how the scale was used.

    ``statistic`` is the standardised chi-square of the statement and pair
    residuals (Wilson-Hilferty z; None with too few items); ``widening`` is the
    factor by which the reported overall error exceeds the model error.
    """

    statistic: float | None
    items: int
    dispersion: float
    midpoint_share: float
    extreme_share: float
    widening: float


@dataclass(frozen=True)
class Result:
    dimensions: tuple[DimensionScore, ...]
    overall: float
    overall_se: float
    p_am: float
    recommendation: Recommendation
    lean: TrackId | None
    readiness: tuple[SkillReadiness, ...]
    track_readiness: Mapping[TrackId, float | None]  # percent of required levels met
    flags: tuple[Flag, ...]
    answered: int
    items: int
    bank_version: str
    scoring_version: str
    evidence: Evidence | None = None  # None in 1.x snapshots
    fit: PersonFit | None = None  # None in 1.x snapshots
    params_version: str | None = None  # the calibrated parameter file it was scored with (None: the bank's defaults)

    def dimension(self, dimension_id: str) -> DimensionScore:
        return next(d for d in self.dimensions if d.id == dimension_id)

    def skill(self, skill_id: str) -> SkillReadiness:
        return next(r for r in self.readiness if r.skill == skill_id)


@dataclass(frozen=True)
class ItemParams:
    """A statement's or pair's calibrated loading ``a`` and error ``error_sd`` in ``y = a * theta + e``."""

    a: float
    error_sd: float


@dataclass(frozen=True, eq=False)
class Params:
    """A calibrated parameter file (``rolefit calibrate``), read by :func:`scoring.params_from_dict`.

    Compared by identity (like a bank), so the engine can cache what it builds from one.
    """

    version: str
    bank_version: str
    items: Mapping[str, ItemParams]


@dataclass(frozen=True)
class PlannedAction:
    action: str
    skills: tuple[str, ...]
    gap: float  # summed gap of the person on this action's skills for the target track
    for_role: bool  # written for the person's current role


@dataclass(frozen=True)
class PlanPhase:
    id: str  # 30d | 3m | 6m
    actions: tuple[PlannedAction, ...]
    hours: int = 0  # the summed effort of the actions, at most PHASE_HOURS[id]


@dataclass(frozen=True)
class TransitionPlan:
    current_role: str
    target: TrackId
    chosen_by: Literal["recommendation", "lean", "readiness", "person"]
    phases: tuple[PlanPhase, ...]
    strengths: tuple[str, ...]  # skill ids at or above the target's level
    strength_dimensions: tuple[str, ...]  # dimensions that clearly point to the target
    gaps: tuple[tuple[str, int], ...]  # (skill id, gap) largest first; unrated skills left out
    unrated: tuple[str, ...]  # skills the target needs that the person did not rate
