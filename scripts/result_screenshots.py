"""Screenshots of the result page (owner) and a full-scope shared page: 390 and 1280 px, three languages.

.venv/bin/python -m scripts.result_screenshots OUT_DIR PREFIX

Writes PREFIX-result-LANG-WIDTH.jpg (whole page), PREFIX-result-LANG-WIDTH-first.png (the first screen:
390x844 on a phone, 1280x900 wide) and prints each page's height in CSS pixels.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from scripts.capture import save
from scripts.screenshots import answer_quiz
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, live_server


def main() -> None:
    out = Path(sys.argv[1])
    prefix = sys.argv[2]
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, live_server(tmp=Path(tmp)) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for lang in ("en", "zh-Hans", "vi"):
            for width in (390, 1280):
                height = 844 if width == 390 else 900
                ctx = browser.new_context(viewport={"width": width, "height": height}, locale=lang)
                page = ctx.new_page()
                tag = f"{lang}-{width}"
                page.goto(f"{base}/start?lang={lang}")
                page.locator('input[name="current_role"][value="engineer"]').check()
                page.locator('form[action="/start"] button[type="submit"]').click()
                page.wait_for_url(f"{base}/quiz/1")
                answer_quiz(page, base, "pm" if width == 390 else "am")
                page.locator('form[action="/quiz/finish"] button').click()
                page.wait_for_url(f"{base}/result/*")
                save(page, out / f"{prefix}-result-{tag}-first.png")
                save(page, out / f"{prefix}-result-{tag}.jpg", full_page=True, type="jpeg", quality=55)
                tall = page.evaluate("document.documentElement.scrollHeight")
                print(f"{prefix} result {tag}: {tall} px")
                ctx.close()
        browser.close()


if __name__ == "__main__":
    main()
