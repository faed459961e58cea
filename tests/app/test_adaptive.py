"""The adaptive short form in the web quiz: stop, why, resume, another device, on to the full form (issue 20)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any

import pytest

from app.config import Settings
from app.main import create_app
from app.models import utcnow
from app.services import quiz
from scoring.model import AnswerValue, Bank
from tests.app.conftest import Browser
from tests.conftest import pattern


@pytest.fixture(autouse=True)
def unhurried(monkeypatch: pytest.MonkeyPatch) -> None:
    """Answers stored 6 seconds apart: a test answers in milliseconds, which the too-fast rule would flag
    (and a careless flag keeps the adaptive form going, as it should)."""
    clock = [utcnow()]

    def later() -> datetime:
        clock[0] += timedelta(seconds=6)
        return clock[0]

    monkeypatch.setattr(quiz, "utcnow", later)


def moderate(bank: Bank, lean: str, skills: int | None = None) -> dict[str, AnswerValue]:
    """A clear but not extreme answer pattern (only the ends of the scale widen the error: a style)."""
    values = dict(pattern(bank, lean, skills=skills).values)
    for item in bank.orientation_items:
        if item.kind == "likert":
            values[item.id] = 4 if item.key == lean else 2
    return values


ITEM = re.compile(r'name="item_id" value="([^"]+)"')
STOPPED = re.compile(r"Your answers already show a clear fit; (\d+) of (\d+) questions were needed.")


def start(b: Browser, form: str = "adaptive", lang: str = "en") -> None:
    res = b.post("/start", {"lang": lang, "current_role": "pm", "years_experience": "3-5", "form": form})
    assert res.status_code == 303 and res.headers["location"] == "/quiz/1"


def current(b: Browser) -> tuple[int, str, str]:
    """The resume point: its number, its item id and the page."""
    location = b.get("/quiz").headers["location"]
    assert location.startswith("/quiz/") and location != "/quiz/review", location
    number = int(location.rsplit("/", 1)[1])
    page = b.get(location)
    assert page.status_code == 200
    found = ITEM.search(page.text)
    assert found is not None
    return number, found.group(1), page.text


def answer(b: Browser, number: int, item_id: str, value: AnswerValue, htmx: bool = False) -> Any:
    res = b.post(f"/quiz/{number}", {"item_id": item_id, "value": "skip" if value is None else str(value)}, htmx=htmx)
    assert res.status_code == (200 if htmx else 303), res.text[:300]
    return res


def until_skills(b: Browser, bank: Bank, values: dict[str, AnswerValue]) -> tuple[int, str]:
    """Answer orientation questions at the resume point until the skills part; its first number and page."""
    while True:
        if b.get("/quiz").headers["location"] == "/quiz/review":
            return 0, ""
        number, item_id, page = current(b)
        if bank.item(item_id).kind == "proficiency":
            return number, page
        answer(b, number, item_id, values[item_id])


def test_a_clear_profile_stops_early_says_why_and_the_result_says_so(browser: Browser, app: Any, bank: Bank) -> None:
    start(browser)
    values = moderate(bank, "am", skills=3)
    number, page = until_skills(browser, bank, values)
    stopped = STOPPED.search(page)
    assert stopped is not None, page[:2000]
    asked, of = int(stopped.group(1)), int(stopped.group(2))
    checks = len(bank.check_items)  # the two attention checks are asked on the short form too
    assert checks == 2 and asked + checks == number - 1 and asked < of == len(bank.orientation_items)
    assert "Continue with the full form" in page
    # the skills part stays whole
    for k in range(len(bank.proficiency_items)):
        n, item_id, _ = current(browser)
        assert n == number + k and bank.item(item_id).kind == "proficiency"
        answer(browser, n, item_id, 3)
    assert browser.get("/quiz").headers["location"] == "/quiz/review"
    review = browser.get("/quiz/review").text
    shown = asked + checks + len(bank.proficiency_items)
    assert f"You answered {shown} of {shown}" in review
    assert STOPPED.search(review) is not None
    result = browser.get(browser.post("/quiz/finish").headers["location"]).text
    assert "Your fit: Account Manager (AM)" in result
    assert f"adaptive short form: {asked} of {of} questions were asked" in result
    snapshot = quiz.result_of(app.state.db, next(iter(quiz_ids(app))))
    assert (
        snapshot is not None and snapshot.form == "adaptive" and snapshot.data["adaptive"] == {"asked": asked, "of": of}
    )

    # on to the full form from the result: the questions not asked yet follow, the result then says full form
    res = browser.post("/quiz/continue")
    assert res.status_code == 303 and res.headers["location"] == "/quiz"
    n, item_id, page = current(browser)
    assert n == asked + checks + 1 and bank.item(item_id).kind != "proficiency" and STOPPED.search(page) is None
    until_skills(browser, bank, values)
    assert browser.get("/quiz").headers["location"] == "/quiz/review"
    final = browser.get(browser.post("/quiz/finish").headers["location"]).text
    assert "This result comes from the full form." in final
    assert quiz.result_of(app.state.db, next(iter(quiz_ids(app)))).form == "full"  # type: ignore[union-attr]


def test_the_short_form_asks_the_attention_checks_and_does_not_stop_a_careless_person(
    browser: Browser, bank: Bank
) -> None:
    """The checks come after the 5th and the 11th question (before the shortest stop); failing both is careless,
    and a careless person answers the whole form however clear their other answers look."""
    start(browser)
    served: list[str] = []
    values = moderate(bank, "am", skills=3)
    for check in bank.check_items:
        values[check.id] = 6 - check.expect if check.expect is not None else 3  # the other side of the scale
    while True:
        number, item_id, _page = current(browser)
        if bank.item(item_id).kind == "proficiency":
            break
        served.append(item_id)
        answer(browser, number, item_id, values[item_id])
    checks = [i.id for i in bank.check_items]
    assert [served.index(c) for c in checks] == [5, 12]  # after 5 questions, then after 11 more
    assert len(served) == len(bank.orientation_items) + len(checks)  # never stopped early


def quiz_ids(app: Any) -> list[str]:
    from sqlmodel import select

    from app.models import Assessment

    with app.state.db.read() as session:
        return [a.id for a in session.exec(select(Assessment))]


def test_a_borderline_person_runs_the_whole_form(browser: Browser, bank: Bank) -> None:
    start(browser)
    values: dict[str, AnswerValue] = {i.id: i.expect for i in bank.check_items}
    for item in bank.orientation_items:
        values[item.id] = item.options[0].id if item.kind == "situational" else 3 if item.kind == "likert" else 2
    number, page = until_skills(browser, bank, values)
    assert number == len(bank.orientation_items) + len(bank.check_items) + 1
    assert STOPPED.search(page) is None


def test_resume_and_another_device_continue_the_same_adaptive_path(
    browser: Browser, app: Any, settings: Settings, bank: Bank
) -> None:
    start(browser)
    values = moderate(bank, "pm")
    asked = []
    for _ in range(7):
        number, item_id, _ = current(browser)
        answer(browser, number, item_id, values[item_id], htmx=number % 2 == 0)
        asked.append(item_id)
    number, next_id, page = current(browser)
    assert number == 8 and next_id not in asked
    # back: the earlier questions keep their numbers
    for n, item_id in enumerate(asked, start=1):
        assert f'name="item_id" value="{item_id}"' in browser.get(f"/quiz/{n}").text
    # a restart and another device (resume code): the same next question, from the stored answers alone
    restarted = create_app(settings)
    found = re.search(r'resume code <span class="resume-code">([0-9A-Z-]{19})</span>', page)
    assert found is not None
    other = Browser(restarted)
    assert other.post("/resume", {"code": found.group(1)}).status_code == 303
    assert current(other)[:2] == (8, next_id)
    # a stale page (the question the form no longer asks at that number) is refused, nothing stored
    assert other.post("/quiz/8", {"item_id": asked[0], "value": "1"}).status_code == 404
    restarted.state.db.dispose()


def test_the_full_form_is_the_default_and_a_bad_form_is_refused(browser: Browser, app: Any, bank: Bank) -> None:
    res = browser.post("/start", {"lang": "en", "current_role": "pm", "form": "shortest"})
    assert res.status_code == 422 and "Some fields are missing or invalid." in res.text
    assert quiz_ids(app) == []
    start(browser, form="")
    assert current(browser)[1] == quiz.question_order(bank)[0]


STOP_TEXT = {
    "zh-Hans": "你的回答已经显示出清晰的匹配",
    "vi": "Câu trả lời của bạn đã cho thấy",
}


def test_the_stop_is_explained_in_chinese_and_vietnamese(app: Any, bank: Bank) -> None:
    values = moderate(bank, "pm")
    for lang, text in STOP_TEXT.items():
        b = Browser(app, lang=lang)
        start(b, lang=lang)
        _, page = until_skills(b, bank, values)
        assert text in page


def test_the_step_by_step_api_serves_the_adaptive_form(app: Any, bank: Bank) -> None:
    from fastapi.testclient import TestClient

    api = TestClient(app, base_url="http://testserver")
    assert api.post("/api/v1/assessments", json={"current_role": "pm", "form": "tiny"}).status_code == 422
    assert quiz_ids(app) == []
    full = api.post("/api/v1/assessments", json={"current_role": "pm"}).json()
    served = api.get(
        f"/api/v1/assessments/{full['id']}/next", headers={"Authorization": f"Bearer {full['owner_token']}"}
    )
    assert served.json()["item"]["id"] == quiz.question_order(bank)[0] and served.json()["form"] == "full"
    created = api.post("/api/v1/assessments", json={"lang": "vi", "current_role": "pm", "form": "adaptive"}).json()
    base, headers = f"/api/v1/assessments/{created['id']}", {"Authorization": f"Bearer {created['owner_token']}"}
    assert api.get(f"{base}/next").status_code == 404  # the owner token only
    values = moderate(bank, "am")
    checks = 0  # the attention checks are served too (numbered, not counted among the orientation questions)
    while True:
        now = api.get(f"{base}/next", headers=headers).json()
        if now["stopped"]:
            break
        assert now["number"] == now["asked"] + checks + 1 and now["form"] == "adaptive"
        item = now["item"]
        checks += bank.item(item["id"]).kind == "check"
        assert bank.item(item["id"]).kind != "proficiency" and "weights" not in json.dumps(item)
        value = values[item["id"]]
        assert api.put(f"{base}/answers/{item['id']}", json={"value": value}, headers=headers).status_code == 200
    assert now["asked"] < now["orientation_total"] == len(bank.orientation_items)
    assert checks == len(bank.check_items) == 2
    assert bank.item(now["item"]["id"]).kind == "proficiency" and now["number"] == now["asked"] + checks + 1
    finished = api.post(f"{base}/finish", headers=headers).json()["result"]
    assert finished["recommendation"] == "AM" and finished["form"] == "adaptive"
    assert finished["adaptive"] == {"asked": now["asked"], "of": len(bank.orientation_items)}
    on = api.post(f"{base}/continue", headers=headers).json()
    assert on["form"] == "continued" and not on["stopped"] and bank.item(on["item"]["id"]).kind != "proficiency"

    # the evidence loop tells the forms apart (the psychometrics report counts and filters them)
    import analytics
    from app.services.evidence import stored_responses

    stored = {r.assessment_id: r for r in stored_responses(app.state.db)}
    assert stored[created["id"]].form == "adaptive" and stored[full["id"]].form == "full"
    rows = [analytics.Response(**vars(r)) for r in stored.values()]
    report = analytics.psychometrics(bank, rows, boot=20)
    assert report["versions"][0]["forms"] == {"full": "<5", "adaptive": "<5"}
    only = analytics.psychometrics(bank, rows, boot=20, form="adaptive")
    assert only["filters"]["form"] == "adaptive" and only["versions"][0]["n"] == "<5"
    assert "forms: full <5, adaptive short form <5" in analytics.render_table(report)
    # finished again after choosing the full form: the result now counts as the full form's
    api.post(f"{base}/finish", headers=headers)
    assert {r.assessment_id: r for r in stored_responses(app.state.db)}[created["id"]].form == "full"


def test_hr_chooses_the_adaptive_form_per_cohort(app: Any, bank: Bank) -> None:
    from tests.app.test_hr import make_org, signed_in

    _, email = make_org(app)
    hr_user = signed_in(app, email)
    assert "Which form do the participants take?" in hr_user.get("/hr").text
    bad = hr_user.post("/hr/cohorts", {"name": "Odd", "form": "tiny"})
    assert bad.status_code == 422
    res = hr_user.post("/hr/cohorts", {"name": "Short", "form": "adaptive"})
    assert res.status_code == 303
    cohort_page = hr_user.get(res.headers["location"]).text
    assert "short form (adaptive)" in cohort_page
    link = re.search(
        r'<textarea id="new-[a-z]+-url" readonly[^>]*>http://testserver(/join/[^<]+)</textarea>', cohort_page
    )
    assert link is not None
    person = Browser(app)
    joined = person.post(
        link.group(1), {"consent": "yes", "visibility": "aggregate", "lang": "en", "current_role": "pm"}
    )
    assert joined.status_code == 303
    number, page = until_skills(person, bank, moderate(bank, "pm"))
    assert STOPPED.search(page) is not None and number <= len(bank.orientation_items)
    full = hr_user.post("/hr/cohorts", {"name": "Whole"})
    assert "full form" in hr_user.get(full.headers["location"]).text


def test_the_manual_counts_the_results_of_each_form_apart(tmp_path: Any, bank: Bank) -> None:
    from datetime import date

    from app.manual import write

    report: dict[str, Any] = {
        "versions": [{"bank_version": bank.version, "n": 900, "groups": [], "forms": {"full": 700, "adaptive": 200}}]
    }
    write(tmp_path, bank, report, ["en", "zh-Hans", "vi"], generated_on=date(2026, 12, 2), pdf=False)
    assert "700 come from the full form and 200 from the adaptive short form" in (
        tmp_path / "manual.en.html"
    ).read_text(encoding="utf-8")
    assert "200 份来自自适应简短版" in (tmp_path / "manual.zh-Hans.html").read_text(encoding="utf-8")
    assert "200 đến từ bản rút gọn thích ứng" in (tmp_path / "manual.vi.html").read_text(encoding="utf-8")
