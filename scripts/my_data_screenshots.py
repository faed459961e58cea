"""Screenshots of "See all my data" (/result/{id}/my-data) after a finished quiz, 390 and 1280 px, three languages.

.venv/bin/python -m scripts.my_data_screenshots OUT_DIR

Writes my-data-LANG-WIDTH.png (the first two screens: the facts and the first answers in the words chosen).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from scripts.capture import save
from tests.e2e.journeys import answer_by_request
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, live_server


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, live_server(tmp=Path(tmp)) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for lang in ("en", "zh-Hans", "vi"):
            for width in (390, 1280):
                height = 844 if width == 390 else 900
                ctx = browser.new_context(viewport={"width": width, "height": height}, locale=lang)
                page = ctx.new_page()
                page.goto(f"{base}/start?lang={lang}")
                page.locator('input[name="current_role"][value="pm"]').check()
                page.locator('form[action="/start"] button[type="submit"]').click()
                page.wait_for_url(f"{base}/quiz/1")
                answer_by_request(page, base)
                page.locator('form[action="/quiz/finish"] button').click()
                page.wait_for_url(f"{base}/result/*")
                page.goto(page.url + "/my-data")
                clip = {"x": 0, "y": 0, "width": width, "height": 2 * height}
                save(page, out / f"my-data-{lang}-{width}.png", full_page=True, clip=clip)
                ctx.close()
        browser.close()


if __name__ == "__main__":
    main()
