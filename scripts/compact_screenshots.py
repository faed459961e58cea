"""The result page's height per section and screenshots of it and of its shared page (/s/{token}): 390 and 1280 px,
three languages.

.venv/bin/python -m scripts.compact_screenshots OUT_DIR PREFIX

Each run: a fresh database; a person (current role PM) answers every question leaning AM (posted by request, see
tests/e2e/journeys.py), ticks the plan's first two steps with a note, and shares the full result. Writes
PREFIX-result-LANG-WIDTH.jpg (the whole result page), PREFIX-shared-LANG-WIDTH.jpg (the whole shared page),
PREFIX-shared-LANG-WIDTH-first.png (its first screen: 390x844 or 1280x900) and PREFIX-heights.json, and prints
the heights in CSS pixels: the page (document.body.scrollHeight) and each section of the result.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from scripts.capture import save
from tests.e2e.journeys import answer_by_request
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, live_server

SECTIONS = """() => {
  const out = {};
  for (const el of document.querySelectorAll('#summary, .action-bar, .toc-wrap, .result-body > section[id]')) {
    out[el.id || el.className] = Math.round(el.getBoundingClientRect().height);
  }
  return out;
}"""


def tick_two(page: Page) -> None:
    """The plan's first two steps marked done, each with a short note."""
    for n in range(2):
        item = page.locator("#progress li.is-open").first
        item_id = item.get_attribute("id")
        disclosure = item.locator("details")
        if disclosure.count():  # the note behind "Add a note" (after the compaction)
            disclosure.locator("summary").click()
        item.locator("input[name='note']").fill(f"Note {n + 1}")
        item.locator("button[type='submit']").click()
        page.locator(f"#{item_id}.is-done").wait_for()


def main() -> None:
    out = Path(sys.argv[1])
    prefix = sys.argv[2]
    out.mkdir(parents=True, exist_ok=True)
    figures: dict[str, dict[str, object]] = {}
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
                answer_by_request(page, base, "am")
                page.locator('form[action="/quiz/finish"] button').click()
                page.wait_for_url(f"{base}/result/*")
                tick_two(page)
                page.goto(page.url.split("#")[0])
                page.wait_for_load_state("load")
                result_height = page.evaluate("document.body.scrollHeight")
                sections = page.evaluate(SECTIONS)
                save(page, out / f"{prefix}-result-{tag}.jpg", full_page=True, type="jpeg", quality=55)
                page.locator('#share input[name="scope"][value="full"]').check()
                page.locator("#share form[action$='/shares'] button[type=submit]").click()
                url = page.locator("#new-share-url").input_value()
                viewer = browser.new_context(viewport={"width": width, "height": height}, locale=lang)
                shared = viewer.new_page()
                shared.goto(f"{url}?lang={lang}")
                shared_height = shared.evaluate("document.body.scrollHeight")
                save(shared, out / f"{prefix}-shared-{tag}-first.png")
                save(shared, out / f"{prefix}-shared-{tag}.jpg", full_page=True, type="jpeg", quality=55)
                viewer.close()
                ctx.close()
                figures[tag] = {"result": result_height, "shared": shared_height, "sections": sections}
                print(f"{prefix} {tag}: result {result_height} px, shared {shared_height} px, sections {sections}")
        browser.close()
    (out / f"{prefix}-heights.json").write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
