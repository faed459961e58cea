"""Plain rows in, numbers out: the response row analytics reads and the one adapter to the engine.

Analytics does no I/O on the database. A loader (``app/services/evidence.py``
for the CLI) reads the stored answers with SQL and hands over :class:`Response`
rows; tests and the demo build the same rows from simulated people.

The engine (``scoring``) is being rewritten (2.0.0): everything analytics needs
from it goes through :func:`item_score` (the keyed score of one answer) and
:func:`rescore` (the engine's own result for one response), so a change there is
absorbed in this one module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from scoring import score
from scoring.model import Answers, AnswerValue, Bank, Item

#: the answer alternatives a Likert statement (5) and a paired preference (4) offer
CATEGORIES = {"likert": 5, "paired": 4}


@dataclass(frozen=True)
class Response:
    """One stored assessment as analytics sees it.

    ``person`` is the same for a first take and its retakes (test-retest);
    ``times_ms`` is the time spent on each answered item; ``stored_call`` is the
    recommendation in the stored result snapshot (None when unfinished).
    """

    assessment_id: str
    person: str
    lang: str
    bank_version: str
    current_role: str
    values: Mapping[str, AnswerValue]
    finished: bool
    times_ms: Mapping[str, float] = field(default_factory=dict)
    stored_call: str | None = None
    taken_at: datetime | None = None
    form: str = "full"  # full, adaptive (the short form stopped early) or continued (adaptive, then full)


def scale_items(bank: Bank, dimension: str) -> list[Item]:
    """The single-dimension items of ``dimension`` (statements and paired preferences), in bank order.

    Situations are left out of the item-level figures: a reaction weighs several
    dimensions at once and its value is a choice, not a position on a scale.
    """
    return [i for i in bank.orientation_items if i.kind in CATEGORIES and i.dimension == dimension]


def item_score(item: Item, value: AnswerValue) -> float | None:
    """Keyed score of one answer in ``[-1, 1]`` (positive = AM pole); None when skipped.

    Statements: ``(v - 3) / 2``, sign flipped for a PM-keyed statement. Paired
    preferences (1 = clearly A .. 4 = clearly B): ``(1, 1/3, -1/3, -1)[v - 1]``,
    sign flipped when A is the PM side. This is the engine's keying (docs/method.md).
    """
    if value is None or not isinstance(value, int):
        return None
    if item.kind == "likert":
        y = (value - 3) / 2.0
        return y if item.key == "am" else -y
    if item.kind == "paired":
        assert item.a is not None
        x = (1.0, 1.0 / 3.0, -1.0 / 3.0, -1.0)[value - 1]
        return x if item.a.pole == "am" else -x
    return None


def keyed_matrix(bank: Bank, responses: Sequence[Response], dimension: str) -> tuple[list[str], np.ndarray]:
    """``(item ids, X)``: keyed scores of ``dimension``'s scale items, one row per response (NaN = skipped)."""
    items = scale_items(bank, dimension)
    x = np.full((len(responses), len(items)), np.nan)
    for r, resp in enumerate(responses):
        for c, item in enumerate(items):
            y = item_score(item, resp.values.get(item.id))
            if y is not None:
                x[r, c] = y
    return [i.id for i in items], x


def ordinal(item: Item, value: AnswerValue) -> int | None:
    """Answer as an ordered category ``0 .. m-1`` in the AM direction (for DIF and category use)."""
    y = item_score(item, value)
    if y is None:
        return None
    m = CATEGORIES[item.kind]
    return round((y + 1.0) / 2.0 * (m - 1))


@dataclass(frozen=True)
class Scored:
    """What the engine made of one response: dimension scores (-100..100) and the call."""

    dimensions: Mapping[str, float]
    overall: float
    call: str  # AM | PM | anything else is "no call" (HYBRID, or 2.0's not-enough-evidence)


def rescore(bank: Bank, response: Response) -> Scored:
    """Score ``response`` with the engine as installed (public ``scoring.score`` only)."""
    answers = Answers(
        lang=response.lang,
        current_role=response.current_role,
        values={k: v for k, v in response.values.items() if bank.has_item(k)},
        timings_ms={k: v for k, v in response.times_ms.items() if bank.has_item(k)},
    )
    result = score(bank, answers)
    return Scored({d.id: d.score for d in result.dimensions}, result.overall, str(result.recommendation))
