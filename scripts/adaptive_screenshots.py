"""Screenshots of the adaptive short form's stop explanation and its result line, 390 and 1280 px, three languages.

.venv/bin/python -m scripts.adaptive_screenshots [OUT_DIR]     (default: var/screenshots)

The live server runs in this process; its answer clock is moved on 6 s per answer, so that a script
clicking in milliseconds is not (rightly) flagged as answering too fast, which keeps the form going.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from app.models import utcnow
from app.services import quiz
from scripts.capture import save
from tests.e2e.journeys import BANK
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, live_server
from tests.e2e.test_adaptive_browser import clear_value

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "var" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    clock = [utcnow()]

    def later() -> datetime:
        clock[0] += timedelta(seconds=6)
        return clock[0]

    quiz.utcnow = later  # type: ignore[attr-defined]
    with tempfile.TemporaryDirectory() as tmp, live_server(tmp=Path(tmp)) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for lang in ("en", "zh-Hans", "vi"):
            for width in (390, 1280):
                ctx = browser.new_context(viewport={"width": width, "height": 900}, locale=lang)
                page = ctx.new_page()
                tag = f"{lang}-{width}"
                lean = "pm" if width == 390 else "am"
                page.goto(f"{base}/start?lang={lang}")
                page.locator('input[name="current_role"][value="engineer"]').check()
                page.locator('input[name="form"][value="adaptive"]').check()
                save(page, out / f"adaptive-start-{tag}.png", full_page=True)
                page.locator('form[action="/start"] button[type="submit"]').click()
                page.wait_for_url(f"{base}/quiz/1")
                while True:
                    item_id = page.locator('#quiz form.question input[name="item_id"]').get_attribute("value")
                    assert item_id is not None
                    if BANK.item(item_id).kind == "proficiency":
                        break
                    number = page.locator("#quiz form.question").get_attribute("action")
                    page.locator(f'#quiz button[name="value"][value="{clear_value(item_id, lean)}"]').click()
                    expect(page.locator("#quiz form.question")).not_to_have_attribute("action", number or "")
                page.locator(".adaptive-stop").wait_for()
                save(page, out / f"adaptive-stop-{tag}.png", full_page=True)
                for k, _ in enumerate(BANK.proficiency_items):
                    number = page.locator("#quiz form.question").get_attribute("action")
                    page.locator('#quiz form.question button[name="value"][value="3"]').click()
                    if k < len(BANK.proficiency_items) - 1:
                        expect(page.locator("#quiz form.question")).not_to_have_attribute("action", number or "")
                page.wait_for_url(f"{base}/quiz/review")
                page.locator('form[action="/quiz/finish"] button').click()
                page.wait_for_url(f"{base}/result/*")
                page.locator(".result-form").scroll_into_view_if_needed()
                save(page, out / f"adaptive-result-{tag}.png", full_page=False)
                ctx.close()
        browser.close()
    print(f"screenshots written to {out}")


if __name__ == "__main__":
    main()
