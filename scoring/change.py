"""Reliable change between two results of the same person (Jacobson & Truax 1991).

For every dimension the reliable change index is

    RCI = (x2 - x1) / S_diff,    S_diff = sqrt(SE1^2 + SE2^2)

with ``x`` the dimension score (-100 PM .. +100 AM) and ``SE`` the reported
standard error the engine gives each result (scoring/engine.py: the model error
widened for misfit and response style). Using each result's own error, rather
than one error for the scale, lets a short adaptive form (larger error) be set
against a full one. ``|RCI| > 1.96`` means the change is larger than
measurement error alone would give 95 % of the time ("more than chance").

A dimension is compared only when it is comparable: it exists in both results,
both have enough answers on it (``sufficient``), and both were scored with the
same *major* bank version (a major version may redefine what a dimension's items
are; minor and patch versions keep the scale). Otherwise the row says why it
cannot be compared and carries no RCI.

Skills are one self-rated anchor (1-5) each, so the engine has no error of its
own for them. We take a fixed standard error of measurement of
``SKILL_SE = 0.7`` levels for one rating: ``SEM = SD * sqrt(1 - r)`` with a
spread of about 1.25 levels on a five-point self-rating and a single-item
reliability of about .70 (the floor Wanous, Reichers & Hudy 1997 estimate for
single-item measures) gives 0.68, rounded up. Then ``S_diff = 0.99`` levels:
one step up or down the anchors is within error, two steps or more is reliable.
A skill is compared when it exists in both banks and was rated both times.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from scoring.model import Result

#: |RCI| above this is a reliable change (two-sided 5 %)
RCI_CUT = 1.96
#: standard error of measurement of one self-rated skill level (levels 1-5), see the module docstring
SKILL_SE = 0.7

Direction = Literal["am", "pm", "up", "down", "none"]
Reason = Literal["comparable", "not_in_both", "too_few_answers", "different_bank", "not_rated"]


@dataclass(frozen=True)
class Change:
    """The change of one dimension or skill from the earlier result to the later one."""

    id: str
    before: float | None
    after: float | None
    change: float | None  # after - before
    s_diff: float | None
    rci: float | None  # None when it cannot be compared
    reliable: bool  # |rci| > RCI_CUT
    direction: Direction  # am / pm for dimensions, up / down for skills, none when there is no change
    reason: Reason  # "comparable", or why it cannot be compared


@dataclass(frozen=True)
class ResultChange:
    dimensions: tuple[Change, ...]
    skills: tuple[Change, ...]

    @property
    def reliable(self) -> int:
        """How many dimensions and skills changed beyond measurement error."""
        return sum(c.reliable for c in self.dimensions + self.skills)


def major(version: str) -> str:
    """The major part of a bank version ("1.2.0" -> "1")."""
    return version.split(".", 1)[0]


def rci(before: float, after: float, se_before: float, se_after: float) -> tuple[float, float]:
    """``(S_diff, RCI)`` of one change; raises ValueError when both errors are zero."""
    s_diff = math.sqrt(se_before**2 + se_after**2)
    if s_diff <= 0:
        raise ValueError("the standard error of a difference must be positive")
    return s_diff, (after - before) / s_diff


def _row(
    item_id: str, before: float, after: float, s_diff: float, index: float, up: Direction, down: Direction
) -> Change:
    reliable = abs(index) > RCI_CUT
    direction: Direction = up if after > before else down if after < before else "none"
    return Change(item_id, before, after, after - before, s_diff, index, reliable, direction, "comparable")


def _missing(item_id: str, before: float | None, after: float | None, reason: Reason) -> Change:
    return Change(item_id, before, after, None, None, None, False, "none", reason)


def compare(earlier: Result, later: Result) -> ResultChange:
    """Per dimension and per skill of ``later``: the change since ``earlier`` and its reliable change index."""
    same_major = major(earlier.bank_version) == major(later.bank_version)
    before_dims = {d.id: d for d in earlier.dimensions}
    dims = []
    for d in later.dimensions:
        e = before_dims.get(d.id)
        if e is None:
            dims.append(_missing(d.id, None, d.score, "not_in_both"))
        elif not same_major:
            dims.append(_missing(d.id, e.score, d.score, "different_bank"))
        elif not (e.sufficient and d.sufficient):
            dims.append(_missing(d.id, e.score, d.score, "too_few_answers"))
        else:
            s_diff, index = rci(e.score, d.score, e.se, d.se)
            dims.append(_row(d.id, e.score, d.score, s_diff, index, "am", "pm"))
    before_skills = {s.skill: s for s in earlier.readiness}
    skills = []
    for s in later.readiness:
        b = before_skills.get(s.skill)
        if b is None:
            skills.append(_missing(s.skill, None, s.level, "not_in_both"))
        elif b.level is None or s.level is None:
            skills.append(_missing(s.skill, b.level, s.level, "not_rated"))
        else:
            s_diff, index = rci(b.level, s.level, SKILL_SE, SKILL_SE)
            skills.append(_row(s.skill, b.level, s.level, s_diff, index, "up", "down"))
    return ResultChange(tuple(dims), tuple(skills))
