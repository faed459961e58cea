"""Simulated people with a known truth: planted loadings, DIF, response styles, retakes.

Used by the tests (recovery of planted effects), by ``rolefit demo --people``
and by the calibration check. The generating model is *not* the engine's model:

- positions ``theta ~ N(mu_role, R)`` on the six dimensions, unit variances,
  correlations 0.3; ``mu = +0.6`` for a current AM, ``-0.6`` for a PM,
  ``+0.3`` sales, ``-0.3`` engineer, 0 otherwise;
- statements and paired preferences follow a graded response model in the AM
  direction: ``P(c >= k) = logistic(a_i * (theta_d - b_ik) + delta_i[lang])``
  with discriminations ``a_i ~ U(0.5, 2.5)``; ``delta`` is planted DIF (logits);
- situations: multinomial logit, utility ``1.5 * sum_d w_od * theta_d`` + Gumbel noise;
- skills: ``round(3 + 0.7 * s * mean(theta) + N(0, 0.9))`` clipped to 1..5;
- response styles per person (attentive, extreme, midpoint, acquiescent,
  careless), midpoint answering more common in zh-Hans (15 %) and vi (8 %) than
  en (5 %); 2 % of answers skipped (5 % for careless people);
- 10 % stop part-way (unfinished); 8 % of finishers take it again 2-8 weeks
  later with ``theta + N(0, 0.2)``;
- time per answer: log-normal around a personal median (~5.5 s; careless ~0.9 s).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from analytics.data import CATEGORIES, Response
from scoring.model import AnswerValue, Bank, Item

LANGS = ("en", "zh-Hans", "vi")
ROLE_MEAN = {"am": 0.6, "pm": -0.6, "sales": 0.3, "engineer": -0.3, "other": 0.0, "student": 0.0}
ROLE_SHARE = {"am": 0.25, "pm": 0.25, "sales": 0.15, "engineer": 0.15, "other": 0.12, "student": 0.08}
STYLES = ("attentive", "extreme", "midpoint", "acquiescent", "careless")
#: share of each response style per language (midpoint answering differs by language)
STYLE_SHARE: dict[str, tuple[float, ...]] = {
    "en": (0.78, 0.07, 0.05, 0.07, 0.03),
    "zh-Hans": (0.68, 0.07, 0.15, 0.07, 0.03),
    "vi": (0.75, 0.07, 0.08, 0.07, 0.03),
}
ATTENTIVE_ONLY: dict[str, tuple[float, ...]] = {lang: (1.0, 0.0, 0.0, 0.0, 0.0) for lang in LANGS}


@dataclass(frozen=True)
class Truth:
    """The generating parameters: discrimination and thresholds per scale item, planted DIF."""

    discrimination: Mapping[str, float]
    thresholds: Mapping[str, tuple[float, ...]]
    dif: Mapping[str, Mapping[str, float]]  # item id -> language -> shift in logits (AM direction)

    def standardised_loading(self, item_id: str) -> float:
        """Normal-ogive approximation of a graded-response discrimination as a factor loading:
        ``lambda = (a / 1.702) / sqrt(1 + (a / 1.702)^2)``."""
        a = self.discrimination[item_id] / 1.702
        return a / math.sqrt(1.0 + a * a)


@dataclass(frozen=True)
class SimPerson:
    person: int
    take: int  # 1, or 2 for a retake
    lang: str
    role: str
    style: str
    theta: Mapping[str, float]
    values: Mapping[str, AnswerValue]
    times_ms: Mapping[str, float]
    finished: bool
    days_ago: int


@dataclass(frozen=True)
class Simulation:
    people: list[SimPerson]
    truth: Truth
    bank_version: str
    order: tuple[str, ...] = field(default=())

    def responses(self, now: datetime | None = None) -> list[Response]:
        """The simulated people as the rows a loader would hand over (no stored call)."""
        now = now or datetime(2026, 12, 1)
        return [
            Response(
                assessment_id=f"sim{p.person}-{p.take}",
                person=f"sim{p.person}",
                lang=p.lang,
                bank_version=self.bank_version,
                current_role=p.role,
                values=p.values,
                finished=p.finished,
                times_ms=p.times_ms,
                taken_at=now - timedelta(days=p.days_ago),
            )
            for p in self.people
        ]


def _truth(bank: Bank, rng: np.random.Generator, dif: Mapping[str, Mapping[str, float]]) -> Truth:
    disc: dict[str, float] = {}
    thresholds: dict[str, tuple[float, ...]] = {}
    for item in bank.orientation_items:
        if item.kind not in CATEGORIES:
            continue
        disc[item.id] = float(rng.uniform(0.5, 2.5))
        base = (-1.8, -0.6, 0.6, 1.8) if item.kind == "likert" else (-1.2, 0.0, 1.2)
        shift = float(rng.normal(0.0, 0.3))
        thresholds[item.id] = tuple(b + shift + float(rng.normal(0.0, 0.1)) for b in base)
    return Truth(disc, thresholds, {k: dict(v) for k, v in dif.items()})


def _category(rng: np.random.Generator, a: float, b: Sequence[float], theta: float, delta: float) -> int:
    """Graded response draw: category 0..m-1 in the AM direction."""
    u = rng.random()
    c = 0
    for bk in b:
        if u < 1.0 / (1.0 + math.exp(-(a * (theta - bk) + delta))):
            c += 1
    return c


def _raw(item: Item, c: int) -> int:
    """AM-direction category -> the stored answer value."""
    m = CATEGORIES[item.kind]
    if item.kind == "likert":
        return c + 1 if item.key == "am" else m - c
    assert item.a is not None
    return m - c if item.a.pole == "am" else c + 1


def _styled(item: Item, value: int, style: str, rng: np.random.Generator) -> int:
    if item.kind != "likert":
        return value
    if style == "midpoint" and rng.random() < 0.6:
        return 3
    if style == "extreme":
        if value == 3:
            return 1 if rng.random() < 0.5 else 5
        return 1 if value < 3 else 5
    if style == "acquiescent" and rng.random() < 0.5:
        return min(5, value + 1)
    return value


def _answer(
    bank: Bank, item: Item, truth: Truth, theta: Mapping[str, float], lang: str, style: str, rng: np.random.Generator
) -> AnswerValue:
    if style == "careless":
        if item.kind == "situational":
            return item.options[int(rng.integers(len(item.options)))].id
        return int(rng.integers(1, item.max_value() + 1))
    if item.kind == "check":  # an attentive reader gives the instructed answer (3 % miss it)
        assert item.expect is not None
        return int(rng.integers(1, 6)) if rng.random() < 0.03 else item.expect
    if item.kind in CATEGORIES:
        assert item.dimension is not None
        delta = truth.dif.get(item.id, {}).get(lang, 0.0)
        c = _category(rng, truth.discrimination[item.id], truth.thresholds[item.id], theta[item.dimension], delta)
        return _styled(item, _raw(item, c), style, rng)
    if item.kind == "situational":
        utility = [1.5 * sum(w * theta[d] for d, w in o.weights.items()) for o in item.options]
        noisy = np.asarray(utility) + rng.gumbel(size=len(utility))
        return item.options[int(np.argmax(noisy))].id
    skill = bank.skill(item.skill or "")
    s = 1.0 if skill.required["am"] >= skill.required["pm"] else -1.0
    mean = sum(theta.values()) / len(theta)
    return int(min(5, max(1, round(3 + 0.7 * s * mean + rng.normal(0.0, 0.9)))))


def simulate_people(
    bank: Bank,
    n: int,
    seed: int,
    *,
    order: Sequence[str] | None = None,
    langs: Sequence[str] = LANGS,
    dif: Mapping[str, Mapping[str, float]] | None = None,
    styles: Mapping[str, Sequence[float]] | None = None,
    unfinished_share: float = 0.10,
    retake_share: float = 0.08,
    skip: float = 0.02,
) -> Simulation:
    """``n`` simulated people (plus their retakes), deterministic for a ``seed``.

    ``order`` is the order the quiz asks the items in (an unfinished person has
    answered a prefix of it); ``dif`` plants differential item functioning
    (item id -> language -> logit shift towards the AM answer).
    """
    rng = np.random.default_rng(seed)
    truth = _truth(bank, rng, dif or {})
    seq = [bank.item(i) for i in (order or [i.id for i in bank.items])]
    dims = [d.id for d in bank.dimensions]
    corr = np.full((len(dims), len(dims)), 0.3) + 0.7 * np.eye(len(dims))
    chol = np.linalg.cholesky(corr)
    share = styles or STYLE_SHARE
    roles = list(ROLE_SHARE)
    people: list[SimPerson] = []

    def take(person: int, number: int, lang: str, role: str, style: str, theta: dict[str, float]) -> SimPerson:
        stop = len(seq)
        if number == 1 and rng.random() < unfinished_share:
            stop = int(rng.integers(1, len(seq)))
        speed = 900.0 if style == "careless" else float(rng.lognormal(math.log(5500.0), 0.35))
        values: dict[str, AnswerValue] = {}
        times: dict[str, float] = {}
        p_skip = 0.05 if style == "careless" else skip
        for item in seq[:stop]:
            values[item.id] = None if rng.random() < p_skip else _answer(bank, item, truth, theta, lang, style, rng)
            times[item.id] = round(speed * float(rng.lognormal(0.0, 0.5)))
        days = int(rng.integers(60, 120)) if number == 1 else int(rng.integers(0, 45))
        return SimPerson(person, number, lang, role, style, theta, values, times, stop == len(seq), days)

    for person in range(n):
        lang = langs[int(rng.integers(len(langs)))]
        role = roles[int(rng.choice(len(roles), p=list(ROLE_SHARE.values())))]
        style = STYLES[int(rng.choice(len(STYLES), p=list(share[lang])))]
        z = chol @ rng.normal(size=len(dims))
        theta = {d: ROLE_MEAN[role] + float(z[k]) for k, d in enumerate(dims)}
        first = take(person, 1, lang, role, style, theta)
        people.append(first)
        if first.finished and rng.random() < retake_share:
            later = {d: t + float(rng.normal(0.0, 0.2)) for d, t in theta.items()}
            people.append(take(person, 2, lang, role, style, later))
    return Simulation(people, truth, bank.version, tuple(i.id for i in seq))
