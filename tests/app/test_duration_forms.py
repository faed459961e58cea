"""The time estimate per language AND per form: the full form and the adaptive short form differ a lot, so each
has its own median of real completions, and the start page states the time of each form in the page's language."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from app.models import Assessment, utcnow
from app.services import duration, forms, quiz
from scoring.model import Bank
from tests.app.conftest import Browser


def _finish_many(app: Any, bank: Bank, lang: str, form: str, n: int, minutes: int) -> None:
    now = utcnow()
    with app.state.db.write() as session:
        for i in range(n):
            started = quiz.new_assessment(bank, lang=lang, current_role="pm", years=None, form=form)
            a: Assessment = started.assessment
            a.started_at = now - timedelta(minutes=minutes, seconds=i)
            a.finished_at = now
            session.add(a)


def _form_minutes(page: str) -> dict[str, int]:
    """The minutes printed next to each form's radio button on the start page."""
    found = {}
    for form in forms.FORMS:
        label = re.search(rf'name="form" value="{form}"[^>]*>.*?</label>', page, re.S)
        assert label is not None
        number = re.search(r'<span class="muted">\D*?(\d+)', label.group(0))
        assert number is not None, label.group(0)
        found[form] = int(number.group(1))
    return found


def test_the_short_form_reads_shorter_than_the_full_form(bank: Bank) -> None:
    for lang in ("en", "zh-Hans", "vi"):
        full = duration.reading_minutes(bank, lang, forms.FULL)
        short = duration.reading_minutes(bank, lang, forms.ADAPTIVE)
        assert 0 < short < full, (lang, short, full)
        assert duration.reading_units(bank, lang, forms.ADAPTIVE) < duration.reading_units(bank, lang)
    # the full form's estimate is the one the landing page has always shown
    assert duration.reading_minutes(bank, "en") == duration.reading_minutes(bank, "en", forms.FULL)


def test_each_form_has_its_own_median_per_language(app: Any, bank: Bank) -> None:
    duration.forget()
    db = app.state.db
    _finish_many(app, bank, "vi", forms.FULL, duration.MIN_COMPLETIONS, minutes=24)
    _finish_many(app, bank, "vi", forms.ADAPTIVE, duration.MIN_COMPLETIONS, minutes=9)
    _finish_many(app, bank, "en", forms.ADAPTIVE, duration.MIN_COMPLETIONS - 1, minutes=7)  # not enough yet
    full_vi = duration.estimate(db, bank, "vi", forms.FULL)
    short_vi = duration.estimate(db, bank, "vi", forms.ADAPTIVE)
    assert (full_vi.minutes, full_vi.source, full_vi.n) == (25, "completions", duration.MIN_COMPLETIONS)
    assert (short_vi.minutes, short_vi.source, short_vi.n) == (10, "completions", duration.MIN_COMPLETIONS)
    # English: 29 short forms are too few, and the Vietnamese ones do not count for English
    short_en = duration.estimate(db, bank, "en", forms.ADAPTIVE)
    assert short_en == duration.Estimate(duration.reading_minutes(bank, "en", forms.ADAPTIVE), "reading")
    # the start page shows each form's own figure, in the page's language
    assert _form_minutes(Browser(app, lang="vi").get("/start").text) == {"full": 25, "adaptive": 10}
    english = _form_minutes(Browser(app).get("/start").text)
    assert english == {
        "full": duration.reading_minutes(bank, "en", forms.FULL),
        "adaptive": duration.reading_minutes(bank, "en", forms.ADAPTIVE),
    }
    # the landing page (the full form, the default) follows the full form's median
    assert "Khoảng 25 phút" in Browser(app, lang="vi").get("/").text
    duration.forget()


def test_a_refused_start_keeps_the_estimates(app: Any, bank: Bank) -> None:
    duration.forget()
    res = Browser(app).post("/start", {"current_role": "", "form": "adaptive"})
    assert res.status_code == 422
    assert _form_minutes(res.text)["adaptive"] == duration.reading_minutes(bank, "en", forms.ADAPTIVE)


def test_hr_sees_the_same_time_as_the_participant(app: Any, bank: Bank) -> None:
    """The cohort form on the HR home page states each form's time as the start page does in the same language
    (it once said "about 15 minutes" whatever the bank, the language or the completions)."""
    from tests.app.test_hr import make_org, signed_in

    duration.forget()
    _finish_many(app, bank, "vi", forms.FULL, duration.MIN_COMPLETIONS, minutes=24)
    _, email = make_org(app)
    hr_browser = signed_in(app, email)
    hr_browser.client.headers["accept-language"] = "vi"
    home = hr_browser.get("/hr")
    assert home.status_code == 200
    assert _form_minutes(home.text) == _form_minutes(Browser(app, lang="vi").get("/start").text)
    assert _form_minutes(home.text)["full"] == 25  # the median of real completions
    english = signed_in(app, email)
    assert _form_minutes(english.get("/hr").text) == {
        "full": duration.reading_minutes(bank, "en", forms.FULL),
        "adaptive": duration.reading_minutes(bank, "en", forms.ADAPTIVE),
    }
    # a refused cohort keeps the figures
    refused = english.post("/hr/cohorts", {"name": "", "form": "full"})
    assert refused.status_code == 422
    assert _form_minutes(refused.text)["full"] == duration.reading_minutes(bank, "en", forms.FULL)
    assert "15 minutes" not in refused.text or duration.reading_minutes(bank, "en", forms.FULL) == 15
    duration.forget()
