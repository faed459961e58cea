"""The result page in a real browser: the summary inside the first phone screen, contents and jump-to,
sections folded on phones and open on wide screens, and focus after the plan switch."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.journeys import answer_with_mouse, finish, start


def bottom(page: Page, selector: str) -> float:
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    return float(box["y"] + box["height"])


def test_summary_contents_and_jump_on_a_phone_then_wide(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    start(page, "en", role="engineer")
    answer_with_mouse(page, "pm")
    finish(page)
    # the answer, what it means and the next steps fit the first phone screen
    for part in ("#summary h1", "#summary .answer", "#summary .meaning", "#summary ol.next"):
        expect(page.locator(part)).to_be_in_viewport()
        assert bottom(page, part) <= 844, part
    expect(page.locator(".action-bar a[href='#share']")).to_be_visible()
    # sections are folded: their details are hidden until asked for
    expect(page.locator("#readiness table.skills")).to_be_hidden()
    tall_folded = page.evaluate("document.documentElement.scrollHeight")
    # jump to a section from the folded contents
    page.locator("details.toc > summary").click()
    page.locator("details.toc a[href='#readiness']").click()
    expect(page).to_have_url(page.url.split("#")[0] + "#readiness")
    expect(page.locator("#readiness h2")).to_be_in_viewport()
    page.locator("#readiness details.more > summary").click()
    expect(page.locator("#readiness table.skills")).to_be_visible()
    # the readiness table is one card per skill: nothing scrolls sideways
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # wide: the contents stay in view while reading, and every section is open
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(page.locator("details.toc > summary")).to_be_hidden()
    expect(page.locator("details.toc a[href='#plan']")).to_be_visible()
    expect(page.locator("#dimensions article.dimension").first).to_be_visible()
    page.locator("#about").scroll_into_view_if_needed()
    expect(page.locator("details.toc a[href='#plan']")).to_be_in_viewport()
    assert tall_folded < page.evaluate("document.documentElement.scrollHeight")


def test_the_plan_switch_moves_focus_to_the_new_plan(page: Page) -> None:
    start(page, "vi", role="engineer")
    answer_with_mouse(page, "am")
    finish(page)
    heading = page.locator("#plan h2")
    expect(heading).to_contain_text("AM")
    page.locator("#plan a[hx-get]").click()
    expect(heading).to_contain_text("CM")  # the other track, in the language's label
    expect(page.locator("#plan-heading")).to_be_focused()
    # and back again: focus follows each swap
    page.locator("#plan a[hx-get]").click()
    expect(heading).to_contain_text("AM")
    expect(page.locator("#plan-heading")).to_be_focused()
