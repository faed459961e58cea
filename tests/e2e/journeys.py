"""Scripted answer patterns and the steps of a quiz in the browser, shared by e2e tests and screenshots."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from app.security import CSRF_COOKIE, CSRF_FIELD
from app.services.quiz import question_order
from scoring import load_bank
from scoring.model import Bank, Item

BANK: Bank = load_bank(Path(__file__).resolve().parents[2] / "questions")
ORDER = question_order(BANK)


def value_for(item: Item, lean: str, n: int = 0) -> str:
    """The answer a strong ``lean`` ('am' or 'pm') person gives; skill levels vary 2..4."""
    if item.kind == "likert":
        return "5" if item.key == lean else "1"
    if item.kind == "paired":
        return "1" if item.a is not None and item.a.pole == lean else "4"
    if item.kind == "check":  # an attentive reader follows the instruction
        return str(item.expect)
    if item.kind == "situational":
        sign = 1 if lean == "am" else -1
        return max(item.options, key=lambda o: sign * sum(o.weights.values())).id
    return str(2 + n % 3)


def start(page: Page, lang: str, role: str = "engineer") -> None:
    page.goto(f"/start?lang={lang}")
    page.locator(f'input[name="current_role"][value="{role}"]').check()
    page.locator('form[action="/start"] button[type="submit"]').click()
    page.wait_for_url("**/quiz/1")


def answer_with_mouse(page: Page, lean: str, until: int | None = None) -> None:
    last = until or len(ORDER)
    for n, item_id in enumerate(ORDER[:last], start=1):
        expect(page.locator("#quiz form")).to_have_attribute("action", f"/quiz/{n}")
        page.locator(f'#quiz button[name="value"][value="{value_for(BANK.item(item_id), lean, n)}"]').click()
    page.wait_for_url("**/quiz/review" if last == len(ORDER) else f"**/quiz/{last + 1}")


def answer_by_request(page: Page, base: str, lean: str = "am") -> None:
    """Every answer posted from the page's own context (its cookies and CSRF token), then the review page:
    for tests and screenshots about what comes after the quiz (the quiz itself has its own tests)."""
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == CSRF_COOKIE)
    for n, item_id in enumerate(ORDER, start=1):
        form = {"item_id": item_id, "value": value_for(BANK.item(item_id), lean, n), CSRF_FIELD: csrf}
        res = page.request.post(f"{base}/quiz/{n}", form=form, headers={"Origin": base}, max_redirects=0)
        assert res.status == 303, (n, res.status)
    page.goto(f"{base}/quiz/review")


def finish(page: Page) -> None:
    page.locator('form[action="/quiz/finish"] button').click()
    page.wait_for_url("**/result/*")
