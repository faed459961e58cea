"""Before/after pictures for issue 15 (part 2) on a phone (390 px), in three languages: the consent form
after an empty submit, the share panel after creating a link, and an HR table (the dashboard's heatmap).

    .venv/bin/python -m scripts.a11y_screenshots BASE_URL HR_EMAIL HR_PASSWORD OUT_DIR PREFIX

Run it against a server with `rolefit demo` data (the e-mail and password are what `rolefit demo` prints).
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from scripts.capture import save
from tests.e2e.journeys import BANK, ORDER, value_for
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS


def _finish_quiz(page: Page, base: str, lang: str) -> None:
    page.goto(f"{base}/start?lang={lang}")
    page.locator('input[name="current_role"][value="pm"]').check()
    page.locator('form[action="/start"] button[type="submit"]').click()
    page.wait_for_url("**/quiz/1")
    for n, item_id in enumerate(ORDER, start=1):
        page.locator(f'#quiz button[name="value"][value="{value_for(BANK.item(item_id), "am", n)}"]').click()
        page.wait_for_url(f"{base}/quiz/{n + 1}" if n < len(ORDER) else f"{base}/quiz/review")
    page.locator('form[action="/quiz/finish"] button').click()
    page.wait_for_url("**/result/*")


def main() -> None:
    base, email, password, out_dir, prefix = sys.argv[1:6]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        hr_ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)
        hr = hr_ctx.new_page()
        hr.goto(f"{base}/hr/login")
        hr.fill("#email", email)
        hr.fill("#password", password)
        hr.locator("form[action='/hr/login'] button").click()
        hr.wait_for_url(f"{base}/hr")
        cohort = hr.locator("main a[href^='/hr/cohorts/']").first.get_attribute("href")
        for lang in ("en", "zh-Hans", "vi"):
            tag = f"{prefix}-{lang}-390"
            # an HR table on a phone: the page as it opens, then the heatmap's section
            hr.goto(f"{base}{cohort}?lang={lang}")
            save(hr, out / f"hr-cohort-{tag}.png")
            heat = hr.locator("table.heatmap").locator("xpath=ancestor::section[1]")
            heat.scroll_into_view_if_needed()
            save(hr, out / f"hr-heatmap-{tag}.png")
            # a fresh invitation link, then the consent form sent empty, as a participant sees it
            hr.goto(f"{base}{cohort}?lang={lang}")
            hr.locator(f"form[action='{cohort}/invitations'] button").click()
            hr.wait_for_url(f"**{cohort}")
            link = hr.locator(".share-url").first.input_value()
            ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)
            page = ctx.new_page()
            page.goto(f"{link}{'&' if '?' in link else '?'}lang={lang}")
            page.locator("main form button[type=submit]").last.click()
            page.wait_for_load_state()
            save(page, out / f"consent-errors-{tag}.png")
            # the share panel right after creating a link (htmx)
            _finish_quiz(page, base, lang)
            page.locator('#share input[name="scope"][value="full"]').check()
            page.locator("#share button[type=submit]").first.click()
            page.locator("#share img.qr").wait_for()
            page.wait_for_timeout(300)
            save(page.locator("#share"), out / f"share-panel-{tag}.png")
            ctx.close()
        browser.close()


if __name__ == "__main__":
    main()
