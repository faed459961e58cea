"""The quiz in the browser, as plain forms and as htmx, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from typing import Any

from app.config import Settings
from app.main import create_app
from app.services import quiz
from scoring.model import Bank
from tests.app.conftest import Browser
from tests.conftest import pattern


def start(b: Browser, role: str = "pm", lang: str = "en") -> Any:
    res = b.post("/start", {"lang": lang, "current_role": role, "years_experience": "3-5"})
    assert res.status_code == 303 and res.headers["location"] == "/quiz/1"
    return res


def answer_all(b: Browser, bank: Bank, lean: str, *, htmx: bool = False, skills: int = 2) -> None:
    values = pattern(bank, lean, skills=skills).values
    order = quiz.question_order(bank)
    for n, item_id in enumerate(order, start=1):
        res = b.post(f"/quiz/{n}", {"item_id": item_id, "value": str(values[item_id])}, htmx=htmx)
        assert res.status_code == (200 if htmx else 303), res.text[:500]


def rows(app: Any) -> dict[str, int]:
    return quiz.count_rows(app.state.db)


def test_landing_says_what_it_is(browser: Browser, bank: Bank) -> None:
    res = browser.get("/")
    assert res.status_code == 200
    assert '<html lang="en">' in res.text
    for phrase in ("What it measures", "How long it takes", "What is stored", "Not a hiring test"):
        assert phrase in res.text
    assert str(len(quiz.question_order(bank))) in res.text
    assert 'action="/lang"' in res.text and "Tiếng Việt" in res.text


def test_language_from_header_then_from_choice(app: Any, bank: Bank) -> None:
    b = Browser(app, lang="zh-CN,zh;q=0.9,en;q=0.5")
    res = b.get("/")
    assert '<html lang="zh-Hans">' in res.text
    assert bank.dimension("scope").name["zh-Hans"] in res.text
    res = b.post("/lang", {"lang": "vi", "next": "/method"})
    assert res.status_code == 303 and res.headers["location"] == "/method"
    assert '<html lang="vi">' in b.get("/").text
    # an unsafe "next" never leaves the site
    assert b.post("/lang", {"lang": "en", "next": "//evil.example/x"}).headers["location"] == "/"


def test_start_validates_and_stores_nothing_on_bad_input(browser: Browser, app: Any) -> None:
    before = rows(app)
    res = browser.post("/start", {"lang": "en", "current_role": "astronaut"})
    assert res.status_code == 422
    assert "Please choose your current role." in res.text
    res = browser.post("/start", {"lang": "en", "current_role": "pm", "years_experience": "99"})
    assert res.status_code == 422
    assert rows(app) == before


def test_forms_need_csrf_and_same_origin(browser: Browser, app: Any) -> None:
    before = rows(app)
    res = browser.post("/start", {"lang": "en", "current_role": "pm"}, csrf=False)
    assert res.status_code == 403 and "expired" in res.text
    res = browser.post("/start", {"lang": "en", "current_role": "pm"}, headers={"Origin": "https://evil.example"})
    assert res.status_code == 403
    assert rows(app) == before


def test_start_sets_a_private_cookie(browser: Browser) -> None:
    res = start(browser)
    cookie = next(h for h in res.headers.get_list("set-cookie") if h.startswith("rolefit_quiz="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    aid = cookie.split("=", 1)[1].split(":")[0]
    assert len(aid) >= 20  # random, not sequential


def test_question_page_and_fragment(browser: Browser, bank: Bank) -> None:
    start(browser)
    full = browser.get("/quiz/1")
    assert full.status_code == 200 and "<html" in full.text
    first = bank.item(quiz.question_order(bank)[0])
    assert first.text["en"] in full.text
    assert "Question 1 of 75" in full.text
    assert full.headers["vary"].startswith("HX-Request")
    frag = browser.get("/quiz/1", htmx=True)
    assert frag.status_code == 200 and "<html" not in frag.text
    assert 'id="quiz"' in frag.text and first.text["en"] in frag.text


def test_plain_form_answer_saves_and_redirects(browser: Browser, app: Any, bank: Bank) -> None:
    start(browser)
    order = quiz.question_order(bank)
    res = browser.post("/quiz/1", {"item_id": order[0], "value": "4"})
    assert res.status_code == 303 and res.headers["location"] == "/quiz/2"
    assert rows(app)["answer"] == 1
    # the same question again is an upsert, not a second row
    browser.post("/quiz/1", {"item_id": order[0], "value": "2"})
    assert rows(app)["answer"] == 1
    back = browser.get("/quiz/1")
    assert 'value="2" class="option chosen" aria-pressed="true"' in back.text


def test_htmx_answer_returns_the_next_question(browser: Browser, bank: Bank) -> None:
    start(browser)
    order = quiz.question_order(bank)
    res = browser.post("/quiz/1", {"item_id": order[0], "value": "skip"}, htmx=True)
    assert res.status_code == 200
    assert res.headers["hx-push-url"] == "/quiz/2"
    assert "<html" not in res.text and bank.item(order[1]).text["en"] in res.text


def test_tampered_answers_are_refused(browser: Browser, app: Any, bank: Bank) -> None:
    start(browser)
    order = quiz.question_order(bank)
    before = rows(app)
    res = browser.post("/quiz/1", {"item_id": order[0], "value": "9"})
    assert res.status_code == 422 and "must be a whole number from 1 to 5" in res.text
    assert browser.post("/quiz/1", {"item_id": order[5], "value": "3"}).status_code == 404
    assert browser.post("/quiz/999", {"item_id": order[0], "value": "3"}).status_code == 404
    assert browser.post("/quiz/1", {"item_id": order[0]}).status_code == 422
    sj = next(n for n, i in enumerate(order, 1) if bank.item(i).kind == "situational")
    assert browser.post(f"/quiz/{sj}", {"item_id": order[sj - 1], "value": "z"}).status_code == 422
    assert browser.post("/quiz/1", {"item_id": order[0], "value": "x" * 5000}).status_code == 422
    assert rows(app) == before


def test_resume_after_restart_and_on_another_device(browser: Browser, app: Any, settings: Settings, bank: Bank) -> None:
    start(browser)
    order = quiz.question_order(bank)
    values = pattern(bank, "am").values
    for n in range(1, 4):
        res = browser.post(f"/quiz/{n}", {"item_id": order[n - 1], "value": str(values[order[n - 1]])})
        assert res.status_code == 303
    assert browser.get("/quiz").headers["location"] == "/quiz/4"
    # a server restart: a new app on the same database
    restarted = create_app(settings)
    again = Browser(restarted)
    again.client.cookies = browser.client.cookies
    assert again.get("/quiz").headers["location"] == "/quiz/4"
    found = re.search(r'resume code <span class="resume-code">([0-9A-Z-]{19})</span>', browser.get("/quiz/4").text)
    assert found is not None
    code = found.group(1)
    other = Browser(restarted)
    assert other.get("/quiz").headers["location"] == "/start"
    res = other.post("/resume", {"code": code.lower().replace("-", " ")})
    assert res.status_code == 303 and res.headers["location"] == "/quiz"
    assert other.get("/quiz").headers["location"] == "/quiz/4"
    assert other.post("/resume", {"code": "AAAA-BBBB-CCCC-DDDD"}).status_code == 404
    restarted.state.db.dispose()


def test_whole_quiz_strong_am_ends_on_am(browser: Browser, bank: Bank) -> None:
    start(browser, role="pm")
    answer_all(browser, bank, "am")
    review = browser.get("/quiz/review")
    assert "You answered 75 of 75 questions." in review.text
    res = browser.post("/quiz/finish")
    assert res.status_code == 303
    page = browser.get(res.headers["location"])
    assert page.status_code == 200
    assert "Your fit: Account Manager (AM)" in page.text
    assert "<svg" in page.text and 'role="img"' in page.text
    assert "First 30 days" in page.text and "Within 6 months" in page.text
    # every plan starts by agreeing the move; each action says its effort, each phase its load
    assert "Agree the move with your manager or HR" in page.text
    assert "Effort: about 2 hours" in page.text and "hours of work in this phase, next to your day job" in page.text
    assert "What pulled you towards" in page.text
    assert f"question bank {bank.version}" in page.text
    # the stored answer times feed the too-fast rule: this test answers each question in milliseconds
    assert "The questions were answered very quickly." in page.text


NOT_ENOUGH = {
    "en": "Not enough answers to call yet",
    "zh-Hans": "回答还不足以给出结论",
    "vi": "Chưa đủ câu trả lời để kết luận",
}


def test_finishing_after_two_answers_is_not_a_call(app: Any, bank: Bank) -> None:
    values = pattern(bank, "am").values
    order = quiz.question_order(bank)
    for lang, heading in NOT_ENOUGH.items():
        b = Browser(app)
        start(b, lang=lang)
        for n, item_id in enumerate(order[:2], start=1):
            assert b.post(f"/quiz/{n}", {"item_id": item_id, "value": str(values[item_id])}).status_code == 303
        page = b.get(b.post("/quiz/finish").headers["location"])
        assert page.status_code == 200
        assert heading in page.text
        assert "Your fit:" not in page.text and "你适合" not in page.text
    assert "Answer at least 10 more questions to get a recommendation." in page_en(app, bank)


def page_en(app: Any, bank: Bank) -> str:
    values = pattern(bank, "am").values
    b = Browser(app)
    start(b, lang="en")
    for n, item_id in enumerate(quiz.question_order(bank)[:2], start=1):
        b.post(f"/quiz/{n}", {"item_id": item_id, "value": str(values[item_id])})
    return str(b.get(b.post("/quiz/finish").headers["location"]).text)


def test_whole_quiz_with_htmx_strong_pm(browser: Browser, bank: Bank) -> None:
    start(browser, role="am")
    answer_all(browser, bank, "pm", htmx=True)
    res = browser.post("/quiz/finish", htmx=True)
    assert res.status_code == 204 and res.headers["hx-redirect"].startswith("/result/")
    page = browser.get(res.headers["hx-redirect"])
    assert "Your fit: Project Manager (PM)" in page.text
    other = browser.get(res.headers["hx-redirect"] + "?plan=am", htmx=True)
    assert other.status_code == 200 and "<html" not in other.text
    assert "Your transition plan towards Account Manager (AM)" in other.text


def test_result_is_private_and_deletable(browser: Browser, app: Any, bank: Bank) -> None:
    start(browser)
    answer_all(browser, bank, "am")
    url = browser.post("/quiz/finish").headers["location"]
    stranger = Browser(app)
    assert stranger.get(url).status_code == 404
    assert stranger.post(url + "/delete").status_code == 404
    # finished: the 75 answers packed in one row (app/services/answer_pack.py)
    assert rows(app)["answer"] == 0 and rows(app)["answer_pack"] == 1
    assert len(quiz.stored_rows(app.state.db, url.rsplit("/", 1)[-1])) == 75
    res = browser.post(url + "/delete")
    assert res.status_code == 303 and res.headers["location"] == "/?deleted=1"
    assert rows(app) == {"assessment": 0, "answer": 0, "answer_pack": 0, "result": 0, "share_link": 0}
    assert browser.get(url).status_code == 404
    assert "have been deleted" in browser.get("/?deleted=1").text


def test_delivery_label_cm(db_url: str, bank: Bank) -> None:
    application = create_app(Settings(database_url=db_url, delivery_label="CM"))
    b = Browser(application)
    assert "Project Manager (CM)" in b.get("/").text
    start(b, role="am")
    answer_all(b, bank, "pm")
    page = b.get(b.post("/quiz/finish").headers["location"])
    assert "Your fit: Project Manager (CM)" in page.text
    application.state.db.dispose()


def test_security_headers_everywhere(browser: Browser) -> None:
    for path in ("/", "/start", "/nope", "/healthz", "/api/v1/questions"):
        res = browser.get(path)
        csp = res.headers["content-security-policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp
        assert res.headers["x-content-type-options"] == "nosniff"
        assert res.headers["referrer-policy"]
    assert "<script>" not in browser.get("/").text and "style=" not in browser.get("/").text


def test_not_found_is_friendly_and_translated(app: Any) -> None:
    b = Browser(app, lang="vi")
    res = b.get("/result/nothing-here")
    assert res.status_code == 404
    assert '<html lang="vi">' in res.text and "Traceback" not in res.text


def test_oversized_form_is_refused(browser: Browser, app: Any) -> None:
    before = rows(app)
    res = browser.post("/start", {"lang": "en", "current_role": "pm", "padding": "x" * 70_000})
    assert res.status_code == 413
    assert rows(app) == before


def test_cookies_are_secure_behind_https(app: Any) -> None:
    from fastapi.testclient import TestClient

    client = TestClient(app, base_url="https://testserver", follow_redirects=False)
    client.get("/")
    token = client.cookies.get("rolefit_csrf")
    res = client.post(
        "/start",
        data={"csrf_token": token, "lang": "en", "current_role": "pm"},
        headers={"Origin": "https://testserver"},
    )
    assert res.status_code == 303
    for header in res.headers.get_list("set-cookie"):
        assert "Secure" in header and "HttpOnly" in header


def test_server_errors_show_no_stack_trace(app: Any, monkeypatch: Any) -> None:
    from fastapi.testclient import TestClient

    def broken(*_a: Any, **_k: Any) -> None:
        raise RuntimeError("database exploded at line 42")

    b = Browser(app)
    start(b)
    monkeypatch.setattr(quiz, "answers_of", broken)
    b.client = TestClient(
        app,
        base_url="http://testserver",
        follow_redirects=False,
        raise_server_exceptions=False,
        cookies=b.client.cookies,
    )
    res = b.get("/quiz/1")
    assert res.status_code == 500
    assert "RuntimeError" not in res.text and "exploded" not in res.text and "Traceback" not in res.text
    assert "Something went wrong" in res.text


def test_cached_question_fragments_are_what_a_fresh_render_gives(db_url: str, bank: Bank) -> None:
    """The next-question fragment comes from a cache with the person's values filled in: it must be
    byte for byte what rendering the template afresh gives, for every kind, state and language."""
    cached = create_app(Settings(database_url=db_url))
    fresh = create_app(Settings(database_url=db_url, reload_templates=True))  # never cached
    order = quiz.question_order(bank)
    for lang, lean in (("en", "am"), ("zh-Hans", "pm"), ("vi", "am")):
        person = Browser(cached, lang)
        start(person, lang=lang)
        again = Browser(fresh, lang)
        again.client.cookies = person.client.cookies
        values = pattern(bank, lean, skills=3).values
        for n, item_id in enumerate(order, start=1):
            value = "skip" if n % 7 == 0 else str(values[item_id])
            served = person.post(f"/quiz/{n}", {"item_id": item_id, "value": value}, htmx=True)
            assert served.status_code == 200
            if n < len(order):
                assert served.text == again.get(f"/quiz/{n + 1}", htmx=True).text, (lang, n)
            # the question just answered, shown again (back): its choice or "skip" is marked
            assert person.get(f"/quiz/{n}", htmx=True).text == again.get(f"/quiz/{n}", htmx=True).text
        resume_code = str(person.client.cookies["rolefit_quiz"]).split(":")[2]
        assert len(resume_code) == 19 and resume_code in person.get("/quiz/1", htmx=True).text
    for application in (cached, fresh):
        application.state.db.dispose()


def test_situation_options_follow_the_person_across_visits_and_devices(app: Any, bank: Bank) -> None:
    order = quiz.question_order(bank)
    situations = [n for n, i in enumerate(order, start=1) if bank.item(i).kind == "situational"]

    def shown(b: Browser, number: int, htmx: bool = False) -> list[str]:
        ids = {o.id for o in bank.item(order[number - 1]).options}
        text = b.get(f"/quiz/{number}", htmx=htmx).text
        return [v for v in re.findall(r'name="value" value="([a-z])"', text) if v in ids]

    one, two = Browser(app), Browser(app)
    start(one)
    start(two)
    first = {n: shown(one, n) for n in situations}
    for n in situations:
        assert sorted(first[n]) == sorted(o.id for o in bank.item(order[n - 1]).options)
        assert shown(one, n) == first[n] and shown(one, n, htmx=True) == first[n]  # page, visit, cached fragment
    # another person gets another order (the chance of the same 10 orders by luck is (1/24)^10)
    assert {n: shown(two, n) for n in situations} != first
    # the same order on another device after resuming with the code
    found = re.search(r'resume code <span class="resume-code">([0-9A-Z-]{19})</span>', one.get("/quiz/1").text)
    assert found is not None
    other = Browser(app)
    assert other.post("/resume", {"code": found.group(1)}).status_code == 303
    assert {n: shown(other, n) for n in situations} == first
