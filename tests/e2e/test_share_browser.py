"""Sharing in a real browser: create a link, open it in a second browser context, revoke it."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.e2e.journeys import answer_with_mouse, finish, start


def test_share_link_in_a_second_browser(page: Page, browser: Browser, base_url: str) -> None:
    start(page, "en", role="pm")
    answer_with_mouse(page, "am")
    finish(page)
    page.locator('input[name="scope"][value="full"]').check()
    page.fill("#share-days", "30")
    page.locator('#share button[type="submit"]', has_text="Create a link").click()
    link = page.locator("#new-share-url")
    expect(link).to_be_visible()
    expect(page.locator("#share img.qr")).to_be_visible()
    url = link.input_value()
    assert url.startswith(base_url + "/s/")
    # someone else, in another language, opens it
    other = browser.new_context(locale="vi-VN", extra_http_headers={"Accept-Language": "vi-VN,vi;q=0.9"})
    viewer = other.new_page()
    viewer.goto(url)
    expect(viewer.locator("html")).to_have_attribute("lang", "vi")
    expect(viewer.locator("h1")).to_contain_text("Quản lý khách hàng (AM)")
    expect(viewer.locator("svg.dimension-chart")).to_be_visible()
    with viewer.expect_download() as download:
        viewer.locator('a[href$="report.pdf"]').click()
    assert download.value.suggested_filename.endswith(".pdf")
    # the owner revokes it; the viewer's reload finds nothing
    page.reload()
    expect(page.locator("#share .share-links li")).to_have_count(1)
    expect(page.locator("#share .share-links .views")).to_have_text("1")
    page.locator("#share button", has_text="Revoke").click()
    expect(page.locator("#share .share-links li")).to_have_count(0)
    response = viewer.goto(url)
    assert response is not None and response.status == 404
    other.close()
