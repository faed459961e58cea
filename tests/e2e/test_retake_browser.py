"""A retake in a real browser: "Take it again" from a result, then "Since your last result" in three languages.

The first take leans PM, the retake AM (every dimension moves beyond measurement error); a second retake with the
same answers shows no reliable change. With ``ROLEFIT_SCREENSHOTS=docs/img`` it saves the retake's result page at
390 and 1280 px in each language.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.journeys import answer_with_mouse, finish, start

WORDS = {
    # (a reliable move towards AM, no reliable change)
    "en": ("moved towards AM, more than chance.", "None of the changes is larger than the margin of error"),
    "zh-Hans": ("方向移动，超出偶然。", "没有一项变化超出误差范围"),
    "vi": ("vượt quá ngẫu nhiên.", "Không thay đổi nào lớn hơn biên sai số"),
}


def take_again(page: Page, lean: str) -> None:
    page.locator("#retake button[type=submit]").click()
    page.wait_for_url("**/quiz/1")
    answer_with_mouse(page, lean)
    finish(page)


@pytest.mark.parametrize("lang", ["en", "zh-Hans", "vi"])
def test_a_retake_shows_a_reliable_change_and_then_none(page: Page, lang: str) -> None:
    moved, none = WORDS[lang]
    start(page, lang, role="pm")
    answer_with_mouse(page, "pm")
    finish(page)
    expect(page.locator("#since")).to_have_count(0)
    take_again(page, "am")
    since = page.locator("#since")
    expect(since).to_be_visible()
    expect(since.locator("li[data-reliable=yes]", has_text=moved)).to_have_count(6)
    target = os.environ.get("ROLEFIT_SCREENSHOTS")
    if target:
        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            since.screenshot(path=str(Path(target) / f"retake-since-{lang}-{width}.png"))
    # the person says the earlier result counts, and can take it back
    since.locator("button[name=counts][value=earlier]").click()
    expect(page.locator("#since button[name=counts][value=this]")).to_be_visible()
    take_again(page, "am")
    expect(page.locator("#since")).to_contain_text(none)
    expect(page.locator("#since li[data-reliable=yes]")).to_have_count(0)
