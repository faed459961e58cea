"""Screenshots of a manager's view: the manager's form and the person's side-by-side view, 390 and 1280 px, three
languages.

.venv/bin/python -m scripts.manager_screenshots OUT_DIR

Writes manager-form-LANG-WIDTH.png (the first screens of the manager's form) and manager-view-LANG-WIDTH.png (the
result page's manager section, side by side with the conversation guide).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from scripts.capture import save
from tests.e2e.journeys import BANK, answer_by_request
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, live_server

MANAGER_LEVELS = ("3", "5", "1", "4", "skip")


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, live_server(tmp=Path(tmp)) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for lang in ("en", "zh-Hans", "vi"):
            for width in (390, 1280):
                height = 844 if width == 390 else 900
                tag = f"{lang}-{width}"
                ctx = browser.new_context(viewport={"width": width, "height": height}, locale=lang)
                page = ctx.new_page()
                page.goto(f"{base}/start?lang={lang}")
                page.locator('input[name="current_role"][value="pm"]').check()
                page.locator('form[action="/start"] button[type="submit"]').click()
                page.wait_for_url(f"{base}/quiz/1")
                answer_by_request(page, base)
                page.locator('form[action="/quiz/finish"] button').click()
                page.wait_for_url(f"{base}/result/*")
                page.fill("#manager-name", "Hoa")
                page.fill("#manager-person", "Lan")
                page.select_option("#manager-lang", lang)
                page.locator("#manager form.manager-invite button[type=submit]").click()
                url = page.locator("#new-manager-url").input_value()
                other = browser.new_context(viewport={"width": width, "height": height}, locale=lang)
                manager = other.new_page()
                manager.goto(url)
                clip = {"x": 0, "y": 0, "width": width, "height": 2 * height}  # the explanation and the first skills
                save(manager, out / f"manager-form-{tag}.png", full_page=True, clip=clip)
                for n, skill in enumerate(BANK.skills):
                    manager.locator(f"#skill_{skill.id}-{MANAGER_LEVELS[n % len(MANAGER_LEVELS)]}").check()
                manager.locator("form.manager-form button[type=submit]").click()
                manager.wait_for_selector("#manager-sent")
                other.close()
                page.reload()
                page.evaluate("window.scrollTo(0, 0)")  # sticky bars back at the top, away from the section
                # a full-page clip in document coordinates
                top, tall = page.evaluate(
                    "() => { const r = document.getElementById('manager').getBoundingClientRect();"
                    " return [r.top + window.scrollY, r.height]; }"
                )
                clip = {"x": 0, "y": top - 16, "width": width, "height": tall + 32}
                save(page, out / f"manager-view-{tag}.png", full_page=True, clip=clip)
                print(f"manager {tag}: done")
                ctx.close()
        browser.close()


if __name__ == "__main__":
    main()
