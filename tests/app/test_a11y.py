"""Issue 15, part 2: copy links, errors all at once, dead share links, the time estimate, the kept language,
favicon and description, the accessibility statement, invitation labels, true minus signs."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta
from typing import Any

import pytest

from app.i18n import fmt_number, fmt_signed
from app.models import Assessment, utcnow
from app.services import duration, hr, quiz
from scoring.model import Bank
from tests.app.conftest import Browser
from tests.app.test_hr import cohort_with_people, join_link, make_org, new_link, signed_in


def summary_links(page: str) -> list[tuple[str, str]]:
    """(target id, message) of each entry of the error summary, top to bottom."""
    box = page.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    return re.findall(r'<li><a href="#([^"]+)">([^<]+)</a></li>', box)


def test_an_empty_consent_form_lists_every_problem_at_once(app: Any) -> None:
    org, _ = make_org(app)
    _, path = join_link(app, org, departments=["Sales", "Delivery"], levels=["Junior"])
    b = Browser(app)
    before = quiz.count_rows(app.state.db)
    res = b.post(path, {"visibility": "identified", "display_name": "", "department": "", "level": "Junior"})
    assert res.status_code == 422 and quiz.count_rows(app.state.db) == before
    page = res.text
    assert page.index('class="error-summary"') < page.index("<h1>")  # at the top, before the page's heading
    targets = [t for t, _ in summary_links(page)]
    # every problem of one submit, in the order of the form, each linked to a field that exists
    assert targets == ["display_name", "department", "role-first", "consent"]
    for target in targets:
        assert f'id="{target}"' in page
    assert "<title>Error:" in page
    # field-level messages are tied to their fields
    assert 'aria-describedby="name-error"' in page and 'id="name-error"' in page
    assert 'aria-describedby="consent-error"' in page and 'id="consent-error"' in page
    # what was entered is kept
    assert re.search(r'value="identified"\s+checked', page) and re.search(r"<option\s+selected>Junior</option>", page)


def test_the_consent_tick_is_kept_when_something_else_is_wrong(app: Any) -> None:
    org, _ = make_org(app)
    _, path = join_link(app, org)
    res = Browser(app).post(path, {"consent": "yes", "visibility": "identified", "display_name": "", "lang": "vi"})
    assert res.status_code == 422
    assert re.search(r'id="consent" name="consent" value="yes" checked', res.text)
    assert [t for t, _ in summary_links(res.text)] == ["display_name", "role-first"]
    assert re.search(r'value="vi"\s+checked', res.text)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_consent_summary_speaks_the_language_of_the_page(app: Any) -> None:
    org, _ = make_org(app)
    _, path = join_link(app, org)
    page = Browser(app, lang="zh-Hans").post(path, {}).text
    assert "出现问题" in page and "<title>错误：" in page
    assert len(summary_links(page)) == 3  # visibility, role, consent


def test_the_start_page_has_an_error_summary(app: Any) -> None:
    b = Browser(app)
    res = b.post("/start", {"lang": "xx", "years_experience": "99"})
    assert res.status_code == 422
    assert [t for t, _ in summary_links(res.text)] == ["lang-first", "role-first", "years"]
    assert 'aria-describedby="role-error"' in res.text and 'aria-describedby="years-error"' in res.text
    assert "error-summary" not in b.get("/start").text


def test_a_lang_parameter_is_remembered(app: Any) -> None:
    b = Browser(app)
    first = b.get("/method?lang=zh-Hans")
    assert "rolefit_lang=zh-Hans" in first.headers.get("set-cookie", "")
    assert 'lang="zh-Hans"' in b.get("/start").text  # no parameter: the kept choice
    again = b.get("/method?lang=zh-Hans")
    assert "set-cookie" not in again.headers or "rolefit_lang" not in again.headers["set-cookie"]
    assert "rolefit_lang" not in Browser(app).get("/method?lang=klingon").headers.get("set-cookie", "")


def test_every_page_has_a_description_a_favicon_and_the_accessibility_link(app: Any) -> None:
    b = Browser(app)
    for path in ("/", "/start", "/method", "/resume", "/accessibility", "/hr/login"):
        page = b.get(path).text
        assert re.search(r'<meta name="description" content="[^"]{40,}">', page), path
        assert '<link rel="icon" href="/static/favicon.svg' in page, path
        assert '<a href="/accessibility">Accessibility</a>' in page, path
        assert '<script src="/static/js/app.js' in page, path
    icon = b.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg")
    script = b.get("/static/js/app.js")
    assert script.status_code == 200 and "data-copy" in script.text


@pytest.mark.parametrize(
    ("lang", "title"),
    [("en", "Accessibility statement"), ("zh-Hans", "无障碍声明"), ("vi", "Tuyên bố về khả năng tiếp cận")],
)
def test_the_accessibility_statement(app: Any, lang: str, title: str) -> None:
    page = Browser(app, lang=lang).get("/accessibility").text
    assert f"<h1>{title}</h1>" in page and "WCAG" in page


def test_landing_says_start_the_questions_and_another_device(app: Any) -> None:
    page = Browser(app).get("/").text
    assert ">Start the questions</a>" in page and ">Start</a>" not in page
    assert "Started on another device? Continue with your resume code" in page


# --- the time estimate --------------------------------------------------------------------------


def test_reading_estimate_differs_by_language(bank: Bank) -> None:
    minutes = {lang: duration.reading_minutes(bank, lang) for lang in ("en", "zh-Hans", "vi")}
    # more than the old "about 12 minutes", and Chinese and Vietnamese take longer to read than English
    assert all(m > 12 for m in minutes.values())
    assert minutes["zh-Hans"] > minutes["en"] and minutes["vi"] > minutes["en"]
    assert duration.reading_units(bank, "zh-Hans") > duration.reading_units(bank, "en")


def test_median_needs_enough_completions() -> None:
    few = [timedelta(minutes=9)] * (duration.MIN_COMPLETIONS - 1)
    assert duration.median_minutes(few) is None
    enough = [timedelta(minutes=m) for m in range(10, 10 + duration.MIN_COMPLETIONS)] + [timedelta(hours=20)] * 5
    found = duration.median_minutes(enough)
    assert found is not None and found[1] == duration.MIN_COMPLETIONS  # the paused ones are left out
    assert found[0] == 25  # median 24.5 minutes, rounded up


def _finish_many(app: Any, bank: Bank, lang: str, n: int, minutes: int) -> None:
    now = utcnow()
    with app.state.db.write() as session:
        for i in range(n):
            started = quiz.new_assessment(bank, lang=lang, current_role="pm", years=None)
            a: Assessment = started.assessment
            a.started_at = now - timedelta(minutes=minutes, seconds=i)
            a.finished_at = now
            session.add(a)


def test_landing_uses_the_median_of_real_completions_once_there_are_enough(app: Any, bank: Bank) -> None:
    duration.forget()
    reading = duration.reading_minutes(bank, "vi")
    _finish_many(app, bank, "vi", duration.MIN_COMPLETIONS - 1, minutes=31)
    assert f"Khoảng {reading} phút" in Browser(app, lang="vi").get("/").text
    duration.forget()
    _finish_many(app, bank, "vi", 1, minutes=31)
    assert "Khoảng 32 phút" in Browser(app, lang="vi").get("/").text  # 31 minutes and some seconds: 32
    # English has no completions: still the estimate from reading
    assert f"About {duration.reading_minutes(bank, 'en')} minutes" in Browser(app).get("/").text
    duration.forget()


# --- HR: invitation labels, copy, minus signs ------------------------------------------------------


def test_invitations_carry_a_label_and_their_expiry(app: Any, bank: Bank) -> None:
    org, email = make_org(app)
    cohort = cohort_with_people(app, bank, org, 6, closes_at=utcnow() + timedelta(days=30))
    owner = signed_in(app, email)
    res = owner.post(f"/hr/cohorts/{cohort}/invitations", {"label": "  Sales,   March  "})
    assert res.status_code == 303
    link = new_link(owner, f"/hr/cohorts/{cohort}", "/join/")
    page = owner.get(f"/hr/cohorts/{cohort}").text
    assert "Copy it now" not in page  # shown once
    assert '<span class="label">Sales, March</span>' in page
    assert "Works until the cohort closes on" in page
    assert Browser(app).get(link).status_code == 200
    for bad in ("x" * 81, "Sales\tMarch"):  # too long; a control character
        assert owner.post(f"/hr/cohorts/{cohort}/invitations", {"label": bad}).status_code == 422


def test_the_new_invitation_link_has_a_copy_button_that_scripts_reveal(app: Any, bank: Bank) -> None:
    org, email = make_org(app)
    cohort = cohort_with_people(app, bank, org, 6)
    owner = signed_in(app, email)
    owner.post(f"/hr/cohorts/{cohort}/invitations", {"label": ""})
    page = owner.get(f"/hr/cohorts/{cohort}").text
    button = re.search(r'<button type="button"[^>]*data-copy="new-invitation-url"[^>]*>', page)
    assert button is not None and " hidden" in button.group(0)  # no dead button without JavaScript
    assert re.search(r'<label for="new-invitation-url">', page)


def test_heatmap_and_signed_numbers_use_a_true_minus() -> None:
    assert fmt_signed(-43) == "\u221243" and fmt_signed(12.4) == "+12" and fmt_signed(0.2) == "0"
    assert "-" not in fmt_signed(-100)
    assert fmt_number(-0.25, "en", 2) == "\u22120.25" and fmt_number(-1234.5, "vi", 1) == "\u22121.234,5"
    assert fmt_number(0.25, "zh-Hans", 2) == "0.25"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_hr_board_headings_regions_and_minus(app: Any, bank: Bank) -> None:
    org, email = make_org(app)
    cohort = cohort_with_people(app, bank, org, 40)
    page = signed_in(app, email).get(f"/hr/cohorts/{cohort}").text
    levels = [int(h) for h in re.findall(r"<h([1-6])", page.split("<main", 1)[1])]
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels  # no skipped level
    assert '<div class="table-scroll" role="region" tabindex="0" aria-labelledby="heatmap-title">' in page
    cells = re.findall(r'<td class="h-[a-z0-9]+">([^<]+)</td>', page)
    assert cells and not any(c.startswith("-") for c in cells)
    assert 'role="status"' not in re.sub(r"<(p|div)[^>]*role=\"status\"", "", page)  # never on an article


def test_hr_consent_problems_are_all_reported(app: Any) -> None:
    org, _ = make_org(app)
    cohort, _ = hr.create_cohort(app.state.db, org, name="X", departments=["A"], levels=["B"], now=utcnow())
    problems = hr.consent_problems(cohort, visibility="", display_name=None, department="", level="")
    assert list(problems) == ["visibility", "department", "level"]
    problems = hr.consent_problems(cohort, visibility="identified", display_name=" ", department="A", level="B")
    assert problems == {"display_name": "name_required"}
