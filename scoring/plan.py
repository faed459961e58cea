"""Result + current role -> a :class:`~scoring.model.TransitionPlan` towards a target track.

Each candidate action ``A`` (for the target track, written for anyone or for the
person's current role) gets a priority

    priority(A) = sum_{s in skills(A)} g_s  (+ 0.5 when A is written for the current role)

where ``g_s = max(0, required_s - level_s)`` for a rated skill and
``g_s = (required_s - 1) / 2`` for a skill the person did not rate (an assumed
middle gap, reported as "unrated"). Actions with no gap left and not written
for the current role are dropped; the rest are grouped by phase (30 days,
3 months, 6 months) and ordered by priority. The track's first step (``first:
true``, e.g. agreeing the move with your manager) always leads the first phase,
unless the person already holds the target role.
A phase takes actions in that order while they fit its load: at most
``MAX_PER_PHASE`` actions and ``PHASE_HOURS[phase]`` hours of effort (what a
person can give next to a day job); an action that does not fit is skipped and
a smaller one after it may still be taken.
"""

from __future__ import annotations

import math
from typing import Literal

from scoring.model import PHASE_HOURS, PHASES, TRACKS, Bank, PlannedAction, PlanPhase, Result, TrackId, TransitionPlan

MAX_PER_PHASE = 4
ROLE_BONUS = 0.5
STRENGTH_DIMENSION_SCORE = 25.0
STRENGTH_MIN_LEVEL = 3
ChosenBy = Literal["recommendation", "lean", "readiness", "person"]


def choose_target(result: Result, target: TrackId | None) -> tuple[TrackId, ChosenBy]:
    """The track to plan for and why: the person's choice, the recommendation, the lean, or readiness."""
    if target is not None:
        if target not in TRACKS:
            raise ValueError(f"unknown track {target!r}")
        return target, "person"
    if result.recommendation in ("AM", "PM"):
        return ("am" if result.recommendation == "AM" else "pm"), "recommendation"
    if result.lean is not None:
        return result.lean, "lean"
    am, pm = result.track_readiness["am"], result.track_readiness["pm"]
    return ("pm" if (pm or 0.0) > (am or 0.0) else "am"), "readiness"


def plan(bank: Bank, result: Result, current_role: str, target: TrackId | None = None) -> TransitionPlan:
    """Build the transition plan from ``current_role`` to ``target`` (default: what the result suggests)."""
    track, chosen_by = choose_target(result, target)
    gaps: dict[str, float] = {}
    rated_gaps: list[tuple[str, int]] = []
    unrated: list[str] = []
    strengths: list[tuple[int, str]] = []
    for row in result.readiness:
        required = row.required[track]
        gap = row.gap[track]
        if gap is None:
            gaps[row.skill] = (required - 1) / 2.0
            if required >= 3:
                unrated.append(row.skill)
            continue
        gaps[row.skill] = float(gap)
        if gap > 0:
            rated_gaps.append((row.skill, gap))
        elif required >= STRENGTH_MIN_LEVEL and row.level is not None:
            # a strength is a skill the target really needs, already at (or above) its level
            strengths.append((row.level, row.skill))
    order = {s.id: n for n, s in enumerate(bank.skills)}
    phases = []
    for phase in PHASES:
        planned = []
        for n, action in enumerate(bank.actions):
            if action.track != track or action.phase != phase:
                continue
            if action.from_roles and current_role not in action.from_roles:
                continue
            if action.first and current_role == track:
                continue  # already in the role: nothing to agree, the plan is for growing in it
            total_gap = sum(gaps.get(s, 0.0) for s in action.skills)
            for_role = current_role in action.from_roles
            if total_gap <= 0 and not for_role and not action.first:
                continue
            priority = math.inf if action.first else total_gap + (ROLE_BONUS if for_role else 0.0)
            planned.append((-priority, n, PlannedAction(action.id, action.skills, total_gap, for_role)))
        planned.sort(key=lambda t: (t[0], t[1]))
        chosen: list[PlannedAction] = []
        hours = 0
        for _, _, candidate in planned:
            effort = bank.action(candidate.action).effort_hours
            if len(chosen) < MAX_PER_PHASE and hours + effort <= PHASE_HOURS[phase]:
                chosen.append(candidate)
                hours += effort
        phases.append(PlanPhase(phase, tuple(chosen), hours))
    sign = 1.0 if track == "am" else -1.0
    strength_dims = tuple(
        d.id
        for d in sorted(result.dimensions, key=lambda d: -sign * d.score)
        if d.sufficient and sign * d.score >= STRENGTH_DIMENSION_SCORE
    )
    return TransitionPlan(
        current_role=current_role,
        target=track,
        chosen_by=chosen_by,
        phases=tuple(phases),
        strengths=tuple(s for _, s in sorted(strengths, key=lambda t: (-t[0], order.get(t[1], len(order))))),
        strength_dimensions=strength_dims,
        gaps=tuple(sorted(rated_gaps, key=lambda t: (-t[1], order.get(t[0], len(order))))),
        unrated=tuple(unrated),
    )
