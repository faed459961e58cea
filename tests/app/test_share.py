"""Share links: create, view, expire (moved clock), revoke, unknown; the token never reaches the database."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.models import utcnow
from app.services import quiz
from scoring.model import Bank
from tests.app.conftest import Browser
from tests.app.test_quiz import answer_all, start


def finished(app: Any, bank: Bank, lean: str = "am", lang: str = "en") -> tuple[Browser, str]:
    b = Browser(app, lang=lang)
    start(b, lang=lang)
    answer_all(b, bank, lean)
    return b, b.post("/quiz/finish").headers["location"]


def create_link(b: Browser, result_url: str, scope: str = "full", days: str = "7") -> str:
    res = b.post(result_url + "/shares", {"scope": scope, "days": days})
    assert res.status_code == 303 and res.headers["location"].endswith("#share")
    page = b.get(result_url).text
    assert "shown only once" in page
    # shown in full in a read-only text area (it wraps), with a Copy button that scripts reveal
    found = re.search(r'<textarea id="new-share-url" readonly[^>]*>(http://testserver/s/[^<]+)</textarea>', page)
    assert found is not None
    assert 'data-copy="new-share-url"' in page
    return found.group(1).removeprefix("http://testserver")


def all_text_in_db(app: Any) -> str:
    db = app.state.db
    out = []
    with db.engine.connect() as conn:
        for table in ("assessment", "answer", "answer_pack", "result", "share_link"):
            for row in conn.execute(text(f"SELECT * FROM {table}")):
                out.append(" ".join(str(v) for v in row))
    return "\n".join(out)


def test_link_lifecycle(app: Any, bank: Bank) -> None:
    owner, result_url = finished(app, bank, "am")
    path = create_link(owner, result_url, "full", "7")
    token = path.rsplit("/", 1)[1]
    assert len(token) >= 43
    assert token not in all_text_in_db(app), "only the hash is stored"
    # the new link is shown once only
    assert path not in owner.get(result_url).text
    viewer = Browser(app)
    page = viewer.get(path)
    assert page.status_code == 200
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    assert "noindex" in page.headers["x-robots-tag"] and '<meta name="robots" content="noindex, nofollow">' in page.text
    assert '<meta property="og:title" content="rolefit result: Account Manager (AM)">' in page.text
    assert "Fit: Account Manager (AM)" in page.text
    assert "<svg" in page.text and "First 30 days" in page.text
    # never the raw answers: no quoted statements, no skill levels, no gaps
    for item in bank.orientation_items[:10]:
        assert item.text["en"] not in page.text
    assert "you answered" not in page.text and "Biggest gaps" not in page.text
    viewer.get(path)
    listing = owner.get(result_url).text
    views = re.findall(r'<span class="views">(\d+)</span>', listing)
    assert views == ["2"]  # two page loads, each counted once
    # expiry: the clock moves past 7 days
    real = app.state.clock
    app.state.clock = lambda: real() + timedelta(days=7, minutes=1)
    expired = viewer.get(path)
    unknown = viewer.get("/s/" + "x" * 43)
    assert expired.status_code == unknown.status_code == 404
    # the same friendly page, no hint which (the language switcher returns to the same address)
    assert expired.text.replace(path, "/s/X") == unknown.text.replace("/s/" + "x" * 43, "/s/X")
    app.state.clock = real
    assert viewer.get(path).status_code == 200


def test_revoke(app: Any, bank: Bank) -> None:
    owner, result_url = finished(app, bank, "pm")
    path = create_link(owner, result_url, "recommendation")
    page = owner.get(result_url).text
    share_id = page.split("/shares/")[1].split("/revoke")[0]
    stranger, other_url = finished(app, bank, "am")
    assert stranger.post(f"{result_url}/shares/{share_id}/revoke").status_code == 404
    assert stranger.post(f"{other_url}/shares/{share_id}/revoke").status_code == 404
    assert Browser(app).get(path).status_code == 200
    res = owner.post(f"{result_url}/shares/{share_id}/revoke")
    assert res.status_code == 303
    viewer = Browser(app)
    revoked = viewer.get(path)
    assert revoked.status_code == 404 and "This link is not available" in revoked.text
    # the same page as for a link that never existed: a guesser cannot tell revoked from unknown
    unknown = viewer.get("/s/" + "y" * 43)
    assert unknown.status_code == 404
    assert revoked.text.replace(path, "/s/X") == unknown.text.replace("/s/" + "y" * 43, "/s/X")
    assert "Not found" not in revoked.text  # not the generic page
    assert "Revoke" not in owner.get(result_url).text.split('id="share"')[1]


def test_recommendation_scope_shows_only_the_recommendation(app: Any, bank: Bank) -> None:
    owner, result_url = finished(app, bank, "pm")
    path = create_link(owner, result_url, "recommendation")
    page = Browser(app).get(path).text
    assert "Fit: Project Manager (PM)" in page
    assert "<svg" not in page and "First 30 days" not in page
    assert bank.dimension("scope").name["en"] not in page
    assert Browser(app).get(path + "/report.pdf").status_code == 404


def test_viewer_language_follows_the_viewer(app: Any, bank: Bank) -> None:
    owner, result_url = finished(app, bank, "am", lang="en")
    path = create_link(owner, result_url)
    page = Browser(app, lang="vi").get(path).text
    assert '<html lang="vi">' in page and bank.tracks["am"]["name"]["vi"] in page
    page = Browser(app, lang="zh-CN").get(path).text
    assert "客户经理（AM）" in page


def test_bad_share_requests_store_nothing(app: Any, bank: Bank) -> None:
    owner, result_url = finished(app, bank)
    before = quiz.count_rows(app.state.db)
    for data in (
        {"scope": "full", "days": "0"},
        {"scope": "full", "days": "91"},
        {"scope": "full", "days": "x"},
        {"scope": "all", "days": "7"},
    ):
        res = owner.post(result_url + "/shares", data)
        assert res.status_code == 422
    assert quiz.count_rows(app.state.db) == before
    res = owner.post(result_url + "/shares", {"scope": "full", "days": "91"}, htmx=True)
    assert res.status_code == 422 and "1 to 90 days" in res.text and "<html" not in res.text
    assert Browser(app).post(result_url + "/shares", {"scope": "full", "days": "7"}).status_code == 404


def test_htmx_share_panel(app: Any, bank: Bank) -> None:
    owner, result_url = finished(app, bank)
    res = owner.post(result_url + "/shares", {"scope": "full", "days": "30"}, htmx=True)
    assert res.status_code == 200 and "<html" not in res.text
    assert 'id="share"' in res.text and "http://testserver/s/" in res.text
    assert 'src="data:image/svg+xml' in res.text  # the QR code


def test_deleting_the_result_deletes_its_links(app: Any, bank: Bank) -> None:
    owner, result_url = finished(app, bank)
    path = create_link(owner, result_url)
    owner.post(result_url + "/delete")
    assert quiz.count_rows(app.state.db)["share_link"] == 0
    assert Browser(app).get(path).status_code == 404


def test_share_api(app: Any, bank: Bank) -> None:
    api = TestClient(app, base_url="http://testserver")
    created = api.post(
        "/api/v1/assessments", json={"lang": "en", "current_role": "am", "answers": {"lk_scope_pm_1": 5}}
    ).json()
    headers = {"Authorization": f"Bearer {created['owner_token']}"}
    base = f"/api/v1/assessments/{created['id']}/shares"
    res = api.post(base, json={"scope": "full", "expires_in_days": 30}, headers=headers)
    assert res.status_code == 201
    share = res.json()
    assert share["scope"] == "full" and share["url"].startswith("http://testserver/s/")
    assert abs((utcnow() + timedelta(days=30)).timestamp() - _ts(share["expires_at"])) < 60
    path = share["url"].removeprefix("http://testserver")
    assert api.get(path).status_code == 200
    assert api.post(base, json={"scope": "full"}).status_code == 404
    assert api.post(base, json={"scope": "full", "expires_in_days": 365}, headers=headers).status_code == 422
    assert api.post(base, json={"scope": "everything"}, headers=headers).status_code == 422
    other = api.post("/api/v1/assessments", json={"lang": "en", "current_role": "am"}).json()
    assert (
        api.delete(
            f"/api/v1/shares/{share['id']}", headers={"Authorization": f"Bearer {other['owner_token']}"}
        ).status_code
        == 404
    )
    assert api.delete(f"/api/v1/shares/{share['id']}", headers=headers).status_code == 204
    assert api.get(path).status_code == 404
    assert api.delete(f"/api/v1/shares/{share['id']}", headers=headers).status_code == 404
    assert api.post(base, headers=headers).status_code == 201  # defaults: recommendation, 7 days


def _ts(value: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


@pytest.mark.parametrize(
    ("lang", "title", "hint"),
    [
        ("en", "This link is not available", "may also have been copied incompletely"),
        ("zh-Hans", "此链接不可用", "所有者也可以随时撤销"),
        ("vi", "Đường dẫn này không còn dùng được", "người sở hữu có thể thu hồi"),
    ],
)
def test_a_dead_share_link_explains_itself_in_the_viewers_language(
    app: Any, bank: Bank, lang: str, title: str, hint: str
) -> None:
    owner, result_url = finished(app, bank, "am")
    path = create_link(owner, result_url)
    real = app.state.clock
    app.state.clock = lambda: real() + timedelta(days=8)
    try:
        expired = Browser(app, lang=lang).get(path)
    finally:
        app.state.clock = real
    assert expired.status_code == 404
    assert f"<h1>{title}</h1>" in expired.text and hint in expired.text
    assert 'name="robots" content="noindex"' in expired.text
    # elsewhere a missing page keeps the plain message
    assert title not in Browser(app, lang=lang).get("/result/" + "z" * 22).text
