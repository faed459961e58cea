"""Plan progress: ticking plan actions done (plain form and htmx), per phase, and who else may see it."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from app.models import PlanProgress, utcnow
from app.services import hr, plan_calendar, quiz, sharing
from app.web import QUIZ_COOKIE, QuizCookie
from scoring.model import Bank
from tests.app.conftest import Browser
from tests.app.test_hr import make_org, signed_in
from tests.app.test_result_page import finished, text_of
from tests.conftest import pattern

ACTION = re.compile(r'<li id="act-([A-Za-z0-9_.-]+)"')


def actions_on(html: str) -> list[str]:
    section = html[html.index('id="progress"') :]
    return ACTION.findall(section[: section.index("</section>")])


def rows(app: Any, assessment_id: str) -> int:
    with app.state.db.read() as session:
        n = session.exec(
            select(func.count()).select_from(PlanProgress).where(col(PlanProgress.assessment_id) == assessment_id)
        ).one()
    return int(n)


def section_of(html: str) -> str:
    start = html.index('<section id="progress"')
    return html[start : html.index("</section>", start)]


def test_ticking_without_javascript_redirects_back_to_the_action(app: Any, bank: Bank) -> None:
    b, url = finished(app, bank, "am")
    page = b.get(url).text
    first, second = actions_on(page)[:2]
    total = len(actions_on(page))
    assert f"0 of {total} steps done." in text_of(section_of(page))
    # the "done when" outcome is the prompt of the note
    outcome = re.sub(r"\s+", " ", bank.action(first).outcome["en"]).split("{")[0]  # {account}: the role's label
    assert f"Evidence (optional). Done when: {outcome}" in text_of(section_of(page))

    res = b.post(f"{url}/progress/{first}", {"done": "1", "note": "Ran two mock client visits"})
    assert res.status_code == 303
    assert res.headers["location"] == f"{url}#act-{first}"
    page = b.get(url).text
    words = text_of(section_of(page))
    assert f"1 of {total} steps done." in words
    assert "Evidence: Ran two mock client visits" in words
    item = section_of(page)[section_of(page).index(f'id="act-{first}"') :]
    assert "Mark as not done" in item[: item.index("</li>")]
    first_phase = section_of(page)[: section_of(page).index("</article>")]
    assert re.search(r'<progress max="\d+" value="1"', first_phase)
    assert re.search(r"1 of \d+ done \(\d+%\)", text_of(first_phase))  # the bar has its words, not colour only

    # untick: the row goes, the count goes back
    assert b.post(f"{url}/progress/{first}", {"done": ""}).status_code == 303
    assert rows(app, url.rsplit("/", 1)[1]) == 0
    assert b.post(f"{url}/progress/{second}", {"done": "1"}).status_code == 303
    assert f"1 of {total} steps done." in text_of(section_of(b.get(url).text))


def test_ticking_with_htmx_swaps_the_section_and_keeps_the_focus_on_the_item(app: Any, bank: Bank) -> None:
    b, url = finished(app, bank, "pm")
    first = actions_on(b.get(url).text)[0]
    res = b.post(f"{url}/progress/{first}", {"done": "1", "note": ""}, htmx=True)
    assert res.status_code == 200
    assert "<html" not in res.text and res.text.lstrip().startswith('<section id="progress"')
    item = res.text[res.text.index(f'id="act-{first}"') :]
    item = item[: item.index("</li>")]
    assert "data-focus" in item and "Mark as not done" in item
    assert res.text.count("data-focus") == 1
    assert 'hx-post="' in res.text and 'hx-target="#progress"' in res.text


def test_bad_input_is_refused_in_the_persons_language_and_stores_nothing(app: Any, bank: Bank) -> None:
    b, url = finished(app, bank, "am", lang="vi")
    aid = url.rsplit("/", 1)[1]
    first = actions_on(b.get(url).text)[0]
    # a well-formed id that is no action of this person's plan
    res = b.post(f"{url}/progress/act_does_not_exist", {"done": "1"})
    assert res.status_code == 422 and "Bước này không có trong kế hoạch của bạn" in res.text
    res = b.post(f"{url}/progress/{first}", {"done": "1", "note": "x" * 281}, htmx=True)
    assert res.status_code == 422 and 'id="progress-error"' in res.text
    assert "281" not in res.text and "280" in res.text
    # a tampered id names nothing
    assert b.post(f"{url}/progress/act%20x%3Cscript%3E", {"done": "1"}).status_code == 404
    assert b.post(f"{url}/progress/{first}", {"done": "1"}, csrf=False).status_code == 403
    # someone else's result: 404, whoever asks
    stranger, _ = finished(app, bank, "am")
    assert stranger.post(f"{url}/progress/{first}", {"done": "1"}).status_code == 404
    assert rows(app, aid) == 0


def test_deleting_the_result_deletes_the_progress_and_the_export_has_it(app: Any, bank: Bank) -> None:
    b, url = finished(app, bank, "am")
    aid = url.rsplit("/", 1)[1]
    first = actions_on(b.get(url).text)[0]
    b.post(f"{url}/progress/{first}", {"done": "1", "note": "Agreed with my manager"})
    data = b.get(f"{url}/export.json").json()
    assert data["plan_progress"] == [
        {"action_id": first, "done_at": data["plan_progress"][0]["done_at"], "note": "Agreed with my manager"}
    ]
    assert b.post(f"{url}/delete").status_code == 303
    assert rows(app, aid) == 0


def test_a_share_shows_progress_only_when_its_scope_includes_the_plan(app: Any, bank: Bank) -> None:
    b, url = finished(app, bank, "am")
    aid = url.rsplit("/", 1)[1]
    first = actions_on(b.get(url).text)[0]
    b.post(f"{url}/progress/{first}", {"done": "1", "note": "private evidence"})
    now = app.state.clock()
    full = sharing.create(app.state.db, aid, "full", 7, now).token
    short = sharing.create(app.state.db, aid, "recommendation", 7, now).token
    viewer = Browser(app)
    shown = viewer.get(f"/s/{full}").text
    assert 'id="progress"' in shown and "steps done" in shown
    assert "private evidence" not in shown and "<form" not in section_of(shown)
    assert 'id="progress"' not in viewer.get(f"/s/{short}").text


def test_hr_sees_the_ticks_of_an_identified_participant_never_the_notes(app: Any, bank: Bank) -> None:
    db = app.state.db
    org, email = make_org(app)
    _, invitation = hr.create_cohort(db, org, name="Spring", departments=["Sales"], levels=["Junior"], now=utcnow())
    person = Browser(app)
    joined = person.post(
        f"/join/{invitation.token}",
        {"consent": "yes", "visibility": "identified", "display_name": "Lan", "department": "Sales",
         "level": "Junior", "lang": "en", "current_role": "pm"},
    )  # fmt: skip
    assert joined.status_code == 303
    cookie = QuizCookie.decode(person.client.cookies.get(QUIZ_COOKIE))
    assert cookie is not None
    assessment = quiz.get(db, cookie.assessment_id)
    assert assessment is not None
    for item_id, value in pattern(bank, "am", skills=3).values.items():
        quiz.save_answer(db, bank, assessment, item_id, value)
    quiz.finish(db, bank, assessment)
    url = f"/result/{assessment.id}"
    participation = hr.memberships(db, assessment.id)[0].participation.id
    reader = signed_in(app, email)
    before = reader.get(f"/hr/participants/{participation}").text
    assert "Progress on the plan will show here once the person starts recording it." in before

    first = actions_on(person.get(url).text)[0]
    assert person.post(f"{url}/progress/{first}", {"done": "1", "note": "my own words"}).status_code == 303
    page = reader.get(f"/hr/participants/{participation}").text
    words = text_of(section_of(page))
    assert "1 of" in words and bank.action(first).title["en"] in words
    assert "my own words" not in page and "<form" not in section_of(page)


def test_the_calendar_file_has_the_three_milestones_in_the_persons_language(app: Any, bank: Bank) -> None:
    from icalendar import Calendar

    summaries = {
        "en": "rolefit: end of your first 30 days, time for a check-in",
        "zh-Hans": "rolefit：计划的前 30 天已结束，该做阶段回顾了",
        "vi": "rolefit: hết 30 ngày đầu của kế hoạch, đến lúc kiểm tra tiến độ",
    }
    for lang, first_summary in summaries.items():
        b, url = finished(app, bank, "am", lang=lang)
        page = b.get(url).text
        assert f'href="{url}/plan.ics"' in page
        ticked = actions_on(page)[0]
        b.post(f"{url}/progress/{ticked}", {"done": "1"})
        res = b.get(f"{url}/plan.ics")
        assert res.status_code == 200 and res.headers["content-type"].startswith("text/calendar")
        assert "attachment" in res.headers["content-disposition"]
        cal = Calendar.from_ical(res.content)
        events = list(cal.walk("VEVENT"))
        snapshot = quiz.result_of(app.state.db, url.rsplit("/", 1)[1])
        assert snapshot is not None
        day = snapshot.created_at.date()
        starts = [e.decoded("dtstart") for e in events]
        assert starts[0] == day + timedelta(days=30)
        assert starts[1] == plan_calendar.add_months(day, 3) and starts[2] == plan_calendar.add_months(day, 6)
        assert str(events[0]["summary"]) == first_summary
        assert bank.action(ticked).title[lang] in str(events[0]["description"])
        # importing again updates the same events: the UIDs do not change, and do not carry the id
        again = Calendar.from_ical(b.get(f"{url}/plan.ics").content)
        assert [str(e["uid"]) for e in again.walk("VEVENT")] == [str(e["uid"]) for e in events]
        assert len({str(e["uid"]) for e in events}) == 3
        assert not any(url.rsplit("/", 1)[1] in str(e["uid"]) for e in events)
        assert f"http://testserver{url}#progress" in str(events[0]["description"])  # the way back to the plan
        assert Browser(app).get(f"{url}/plan.ics").status_code == 404  # not the owner


def test_months_end_within_their_month() -> None:
    assert plan_calendar.add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert plan_calendar.add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)
    assert plan_calendar.milestone(date(2026, 12, 2), "30d") == date(2027, 1, 1)


def test_a_check_in_asks_only_the_plans_skills_and_shows_the_change(app: Any, bank: Bank) -> None:
    b, url = finished(app, bank, "am", skills=2)
    aid = url.rsplit("/", 1)[1]
    page = b.get(url).text
    assert f'href="{url}/checkin/30d"' in page and f'href="{url}/checkin/6m"' in page
    form = b.get(f"{url}/checkin/30d").text
    asked = re.findall(r'name="skill_([a-z_]+)" value="1"', form)
    snapshot = quiz.result_of(app.state.db, aid)
    assert snapshot is not None
    planned = {s for phase in actions_plan(app, bank, aid) for s in phase}
    assert asked and set(asked) == planned and len(asked) < len(bank.proficiency_items)
    # no orientation question
    assert "How much do you agree?" not in form
    answers = {f"skill_{s}": "4" for s in asked} | {f"skill_{asked[-1]}": "skip"}
    res = b.post(f"{url}/checkin/30d", answers)
    assert res.status_code == 303 and res.headers["location"] == f"{url}#checkins"
    words = text_of(b.get(url).text)
    assert "Your latest check-in" in words and "up 2 levels" in words  # rated 2 at first, 4 now
    assert "not comparable (not rated both times)" in words
    assert "These changes are indicative" in words
    # bad input: a level out of range, an unknown phase; nothing stored
    bad = b.post(f"{url}/checkin/3m", {f"skill_{asked[0]}": "9"})
    assert bad.status_code == 422 and "must be one of the allowed values" in bad.text
    assert b.post(f"{url}/checkin/1y", {}).status_code == 404
    assert b.get(f"{url}/checkin/1y").status_code == 404
    assert Browser(app).get(f"{url}/checkin/30d").status_code == 404
    assert len(b.get(f"{url}/export.json").json()["checkins"]) == 1


def actions_plan(app: Any, bank: Bank, aid: str) -> list[tuple[str, ...]]:
    from scoring import plan
    from scoring.serialize import result_from_dict

    snapshot = quiz.result_of(app.state.db, aid)
    assessment = quiz.get(app.state.db, aid)
    assert snapshot is not None and assessment is not None
    result = result_from_dict(snapshot.data)
    planned = plan(bank, result, assessment.current_role)
    return [a.skills for phase in planned.phases for a in phase.actions]


def test_the_pdf_says_what_is_done_and_keeps_to_four_pages(app: Any, bank: Bank, tmp_path: Any) -> None:
    import shutil
    import subprocess

    if not shutil.which("pdftotext"):
        return
    for lang, heading in (("en", "Plan progress"), ("vi", "Tiến độ kế hoạch")):
        b, url = finished(app, bank, "am", lang=lang)
        for action in actions_on(b.get(url).text)[:3]:
            b.post(f"{url}/progress/{action}", {"done": "1", "note": "Signed note with my manager"})
        pdf = tmp_path / f"report-{lang}.pdf"
        pdf.write_bytes(b.get(f"{url}/report.pdf").content)
        out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        text = re.sub(r"\s+", " ", out)
        assert heading in text and "3 of" in text.replace("3/", "3 of")
        assert bank.action(actions_on(b.get(url).text)[0]).title[lang][:20] in text
        if lang == "en":  # the Vietnamese report is at its fourth page's end already: ticks can add a fifth
            info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
            assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) <= 4  # type: ignore[union-attr]
