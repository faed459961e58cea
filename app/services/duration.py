"""How long the quiz takes, per language AND per form (the full form, or the adaptive short form, which often
stops before half of the questions): the median of real completions of that form in that language once there
are enough, else an honest estimate from the reading length of the questions in that language. The adaptive
form's reading estimate counts half of the orientation questions (where it often stops; its minimum is 16)
and every skill question; "continued" forms (adaptive, then taken on to the end) count for neither.

Minimum n = 30 finished assessments (same language, same form, same bank version) before real times are used. The
median's standard error is about 1.25 s / sqrt(n); with completion times spread by s = 5 minutes that is about
1.1 minutes at n = 30, below the whole minutes we print, while 10 people would give about 2 minutes, enough
to move the figure. Durations over 3 hours are people who paused and came back: they are left out.

Cheap: one indexed query (``ix_assessment_locale_bank_finished``) over the newest 500 finished assessments,
cached per process for 10 minutes, so a page view almost never touches the database for it.
"""

from __future__ import annotations

import math
import re
import statistics
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import col, select

from app.db import Database
from app.models import Assessment
from app.services import forms, quiz
from scoring.model import Bank

MIN_COMPLETIONS = 30
NEWEST = 500
LONGEST = timedelta(hours=3)
CACHE_SECONDS = 600.0
# silent reading of non-fiction by adults: English 238 words/min (Brysbaert 2019), Chinese 255 characters/min
# (Trauzettel-Klosinski et al. 2012); Vietnamese, written one syllable a word, taken as 280 words/min
READING_PER_MINUTE = {"en": 238.0, "zh-Hans": 255.0, "vi": 280.0}
SECONDS_PER_ANSWER = 3.0  # choosing and tapping, on top of reading
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class Estimate:
    minutes: int
    source: str  # "completions" (median of real ones) or "reading" (from the text's length)
    n: int = 0  # completions behind a "completions" estimate


def _questions(bank: Bank, form: str) -> tuple[str, ...]:
    """The questions a person of this form reads: all of them, or (adaptive) half the orientation ones."""
    order = quiz.question_order(bank)
    if form != forms.ADAPTIVE:
        return order
    skills = {item.id for item in bank.proficiency_items}
    orientation = [i for i in order if i not in skills]
    half = orientation[: math.ceil(len(orientation) / 2)]
    return tuple(half) + tuple(i for i in order if i in skills)


def _texts(bank: Bank, lang: str, form: str = forms.FULL) -> Iterable[str]:
    for item in (bank.item(i) for i in _questions(bank, form)):
        yield item.text.get(lang, "")
        for side in (item.a, item.b):
            if side is not None:
                yield side.text.get(lang, "")
        for option in item.options:
            yield option.text.get(lang, "")
        for anchor in item.anchors:
            yield anchor.get(lang, "")
    for labels in bank.scales.values():  # the answer scales are read once, then recognised
        for label in labels:
            yield label.get(lang, "")


def reading_units(bank: Bank, lang: str, form: str = forms.FULL) -> int:
    """Words to read (characters for Chinese) in every question, option and anchor of the form."""
    text = " ".join(_texts(bank, lang, form))
    if lang == "zh-Hans":
        return len(_CJK.findall(text)) + len(re.findall(r"[A-Za-z0-9]+", text))
    return len(text.split())


def reading_minutes(bank: Bank, lang: str, form: str = forms.FULL) -> int:
    """Reading time at an adult's pace plus a few seconds per answer, rounded up to whole minutes."""
    per_minute = READING_PER_MINUTE.get(lang, READING_PER_MINUTE["en"])
    answers = len(_questions(bank, form))
    seconds = reading_units(bank, lang, form) / per_minute * 60 + SECONDS_PER_ANSWER * answers
    return math.ceil(seconds / 60)


def median_minutes(durations: Iterable[timedelta]) -> tuple[int, int] | None:
    """(median in whole minutes, rounded up; n) of the plausible durations, None below the minimum n."""
    kept = [d.total_seconds() for d in durations if timedelta(0) < d <= LONGEST]
    if len(kept) < MIN_COMPLETIONS:
        return None
    return math.ceil(statistics.median(kept) / 60), len(kept)


_cache: dict[tuple[int, str, str, str], tuple[float, Estimate]] = {}
_lock = threading.Lock()


def estimate(db: Database, bank: Bank, lang: str, form: str = forms.FULL) -> Estimate:
    """The time to state for this language and form (cached per process for 10 minutes)."""
    key = (id(db), bank.version, lang, form)
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    query = (
        select(Assessment.started_at, Assessment.finished_at)
        .where(Assessment.locale == lang, Assessment.bank_version == bank.version, Assessment.form == form)
        .where(col(Assessment.finished_at).is_not(None))
        .order_by(col(Assessment.finished_at).desc())
        .limit(NEWEST)
    )
    with db.read() as session:
        rows = session.exec(query).all()
    found = median_minutes(end - start for start, end in rows if end is not None)
    if found:
        result = Estimate(found[0], "completions", found[1])
    else:
        result = Estimate(reading_minutes(bank, lang, form), "reading")
    with _lock:
        _cache[key] = (now, result)
    return result


def forget() -> None:
    """Drop the cache (tests, and after a bulk import)."""
    with _lock:
        _cache.clear()
