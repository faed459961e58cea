"""The adaptive short form in a real browser (htmx): it stops for a clear profile, says why, and goes on to the
full form on request; a borderline person answers every question (issue 20)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from app.models import utcnow
from app.services import quiz
from tests.e2e.journeys import BANK


@pytest.fixture(autouse=True)
def unhurried(monkeypatch: pytest.MonkeyPatch) -> None:
    """Answers stored 6 seconds apart (the live server runs in this process): a script clicks in
    milliseconds, which the too-fast rule flags, and a careless flag rightly keeps the form going."""
    clock = [utcnow()]

    def later() -> datetime:
        clock[0] += timedelta(seconds=6)
        return clock[0]

    monkeypatch.setattr(quiz, "utcnow", later)


def clear_value(item_id: str, lean: str) -> str:
    item = BANK.item(item_id)
    if item.kind == "check":  # an attentive person does what the attention check asks
        return str(item.expect)
    if item.kind == "likert":
        return "4" if item.key == lean else "2"
    if item.kind == "paired":
        return "1" if item.a is not None and item.a.pole == lean else "4"
    if item.kind == "situational":
        sign = 1 if lean == "am" else -1
        return max(item.options, key=lambda o: sign * sum(o.weights.values())).id
    return "3"


def middle_value(item_id: str) -> str:
    item = BANK.item(item_id)
    if item.kind == "check":
        return str(item.expect)
    return item.options[0].id if item.kind == "situational" else "3" if item.kind == "likert" else "2"


def start_adaptive(page: Page, lang: str) -> None:
    page.goto(f"/start?lang={lang}")
    page.locator('input[name="current_role"][value="engineer"]').check()
    page.locator('input[name="form"][value="adaptive"]').check()
    page.locator('form[action="/start"] button[type="submit"]').click()
    page.wait_for_url("**/quiz/1")


def answer_until_skills(page: Page, choose: object) -> int:
    """Click answers until the skills part; the number of orientation questions asked (the attention checks
    are asked too, after the 5th and the 11th question, and not counted)."""
    checks = 0
    for n in range(1, len(BANK.orientation_items) + len(BANK.check_items) + 2):
        expect(page.locator("#quiz form.question")).to_have_attribute("action", f"/quiz/{n}")
        item_id = page.locator('#quiz input[name="item_id"]').get_attribute("value")
        assert item_id is not None
        if BANK.item(item_id).kind == "proficiency":
            return n - 1 - checks
        checks += BANK.item(item_id).kind == "check"
        page.locator(f'#quiz button[name="value"][value="{choose(item_id)}"]').click()  # type: ignore[operator]
    raise AssertionError("the orientation part never ended")


STOP_TEXT = {  # "Your answers already show a clear fit; K of N questions were needed." in each language
    "en": "Your answers already show a clear fit; {k} of {n} questions were needed.",
    "zh-Hans": "你的回答已经显示出清晰的匹配；只用了 {n} 个问题中的 {k} 个。",
    "vi": "Câu trả lời của bạn đã cho thấy rõ sự phù hợp; chỉ cần {k} trên {n} câu hỏi.",
}


@pytest.mark.parametrize("lang", ["en", "zh-Hans", "vi"])
def test_a_clear_profile_stops_early_and_can_continue_to_the_full_form(page: Page, lang: str) -> None:
    start_adaptive(page, lang)
    asked = answer_until_skills(page, lambda i: clear_value(i, "am"))
    total = len(BANK.orientation_items)
    assert 16 <= asked < total
    stop = page.locator(".adaptive-stop")
    expect(stop).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(stop).to_contain_text(STOP_TEXT[lang].format(k=asked, n=total))
    stop.locator('form[action="/quiz/continue"] button').click()
    page.wait_for_url(f"**/quiz/{asked + len(BANK.check_items) + 1}")
    item_id = page.locator('#quiz input[name="item_id"]').get_attribute("value")
    assert item_id is not None and BANK.item(item_id).kind != "proficiency"
    expect(page.locator(".adaptive-stop")).to_have_count(0)


@pytest.mark.parametrize("lang", ["en", "zh-Hans", "vi"])
def test_a_borderline_person_answers_every_question(page: Page, lang: str) -> None:
    start_adaptive(page, lang)
    assert answer_until_skills(page, middle_value) == len(BANK.orientation_items)
    expect(page.locator(".adaptive-stop")).to_have_count(0)
