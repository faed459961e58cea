"""A manager's view (180°): the invitation link, the manager's form, the side-by-side view, withdrawal and erasure."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlmodel import select

from app.models import ManagerRating
from app.services import manager_view
from scoring.model import Bank
from tests.app.conftest import Browser
from tests.app.test_quiz import answer_all, start


def finished(app: Any, bank: Bank, lang: str = "en") -> tuple[Browser, str]:
    b = Browser(app, lang=lang)
    start(b, lang=lang)
    answer_all(b, bank, "am", skills=3)  # every skill rated at level 3 by the person
    return b, b.post("/quiz/finish").headers["location"]


def invite(b: Browser, url: str, **form: str) -> str:
    """Create a manager link from the result page; the link, read from the page as the person sees it once."""
    res = b.post(url + "/manager", {"name": "Hoa", "display_name": "Lan", "lang": "en", "scope": "none"} | form)
    assert res.status_code == 303, res.text[:300]
    page = b.get(url).text
    at = page.index('">http://testserver/m/') + len('">http://testserver')
    return page[at : page.index("<", at)].replace("&amp;", "&")


def ratings(bank: Bank) -> dict[str, str]:
    """Agree, one level apart, manager higher, self higher, cannot judge, round the skills."""
    cycle = ("3", "4", "5", "1", "skip")
    return {manager_view.field_name(s.id): cycle[n % 5] for n, s in enumerate(bank.skills)}


def test_the_whole_round_trip(app: Any, bank: Bank) -> None:
    b, url = finished(app, bank)
    link = invite(b, url)
    assert link.startswith("/m/") and link.endswith("?lang=en")
    assert "http://testserver/m/" not in b.get(url).text  # shown once
    with app.state.db.read() as session:
        stored = session.exec(select(ManagerRating)).one()
    assert link.split("/")[2].split("?")[0] not in stored.token_hash  # only the hash is stored

    boss = Browser(app)
    form = boss.get(link)
    assert form.status_code == 200
    assert form.headers["referrer-policy"] == "same-origin" and "no-store" in form.headers["cache-control"]
    assert "How well does Lan do this: Business negotiation?" in form.text
    assert "Never their HR team" in form.text
    assert "Your six dimensions" not in form.text and "In one sentence" not in form.text  # default: nothing shown

    path = link.split("?")[0]
    sent = boss.post(path, ratings(bank))
    assert sent.status_code == 303
    assert "Thank you: your view was sent" in boss.get(path).text
    again = boss.post(path, ratings(bank))  # one submission per link
    assert again.status_code == 409 and "Thank you" in again.text

    page = b.get(url).text
    assert "Hoa's view beside yours" in page
    first, second, third, fourth = (s.name["en"] for s in bank.skills[:4])
    assert "Where you agree:" in page and "Where you differ:" in page
    assert f"{third}: what have you seen me do here that I may be underrating?" in page  # manager 5, self 3
    assert f"{fourth}: what would you need to see from me to rate it at level 3?" in page  # manager 1, self 3
    assert f"{first}: what have I done" not in page and f"{second}: what have" not in page  # 0 and 1 apart agree

    # withdraw: the rating is gone from the page and the database
    rid = stored.id
    assert b.post(f"{url}/manager/{rid}/delete", {}).status_code == 303
    assert "view beside yours" not in b.get(url).text
    assert manager_view.of(app.state.db, url.rsplit("/", 1)[1]) == []
    assert Browser(app).get(link).status_code == 404


def test_the_manager_form_validates_each_field_and_stores_nothing(app: Any, bank: Bank) -> None:
    b, url = finished(app, bank)
    path = invite(b, url).split("?")[0]
    boss = Browser(app)
    bad = ratings(bank) | {manager_view.field_name(bank.skills[0].id): "7"}
    del bad[manager_view.field_name(bank.skills[1].id)]
    res = boss.post(path, bad)
    assert res.status_code == 422
    assert "Please choose one of the five levels" in res.text and "Please choose a level, or" in res.text
    assert 'value="4" id="skill_' in res.text  # the other answers are kept
    none = boss.post(path, {manager_view.field_name(s.id): "skip" for s in bank.skills})
    assert none.status_code == 422 and "Please rate at least one skill." in none.text
    assert all(r.submitted_at is None for r in manager_view.of(app.state.db, url.rsplit("/", 1)[1]))
    # without the CSRF token: refused, nothing stored
    raw = boss.client.post(path, data=ratings(bank), headers={"Origin": "http://testserver"})
    assert raw.status_code == 403
    assert all(r.submitted_at is None for r in manager_view.of(app.state.db, url.rsplit("/", 1)[1]))


def test_the_link_opens_in_the_chosen_language_and_shares_only_by_scope(app: Any, bank: Bank) -> None:
    b, url = finished(app, bank)
    link = invite(b, url, lang="vi", scope="recommendation", display_name="")
    page = Browser(app).get(link).text
    assert 'lang="vi"' in page and "người này" in page  # "this person", in Vietnamese
    assert "Lan" not in page
    shared = Browser(app).get(link.split("?")[0] + "?lang=en").text
    assert "What this person shares with you" in shared and "In one sentence" in shared


def test_bad_invitations_are_refused_in_the_users_language(app: Any, bank: Bank) -> None:
    b, url = finished(app, bank, lang="vi")
    for field, value in (("scope", "full"), ("days", "61"), ("lang", "fr"), ("name", "<b>x</b>")):
        res = b.post(url + "/manager", {"lang": "en", "scope": "none", "days": "14"} | {field: value})
        assert res.status_code == 422, (field, res.status_code)
    assert manager_view.of(app.state.db, url.rsplit("/", 1)[1]) == []


def test_expired_links_and_other_peoples_ratings(app: Any, bank: Bank) -> None:
    b, url = finished(app, bank)
    link = invite(b, url)
    other, other_url = finished(app, bank)
    rid = manager_view.of(app.state.db, url.rsplit("/", 1)[1])[0].id
    assert other.post(f"{other_url}/manager/{rid}/delete", {}).status_code == 404  # not theirs
    assert other.post(f"{url}/manager", {"lang": "en"}).status_code == 404
    clock = app.state.clock
    app.state.clock = lambda: clock() + timedelta(days=15)
    try:
        assert Browser(app).get(link).status_code == 404
        assert Browser(app).post(link.split("?")[0], ratings(bank)).status_code in (404, 422)
    finally:
        app.state.clock = clock


def test_export_includes_it_and_deleting_the_assessment_deletes_it(app: Any, bank: Bank) -> None:
    b, url = finished(app, bank)
    link = invite(b, url)
    assert Browser(app).post(link.split("?")[0], ratings(bank)).status_code == 303
    data = json.loads(b.get(url + "/export.json").text)
    assert data["manager_ratings"][0]["manager_name"] == "Hoa"
    assert data["manager_ratings"][0]["ratings"][bank.skills[0].id] == 3
    assert "token" not in json.dumps(data["manager_ratings"])
    assert b.post(url + "/delete", {}).status_code == 303
    with app.state.db.read() as session:
        assert session.exec(select(ManagerRating)).all() == []


def test_the_manager_rating_is_never_on_a_share_link_or_the_pdf(app: Any, bank: Bank) -> None:
    b, url = finished(app, bank)
    link = invite(b, url)
    assert Browser(app).post(link.split("?")[0], ratings(bank)).status_code == 303
    assert b.post(url + "/shares", {"scope": "full", "days": "7"}).status_code == 303
    page = b.get(url).text
    at = page.index('">http://testserver/s/') + len('">http://testserver')
    shared = Browser(app).get(page[at : page.index("<", at)]).text
    assert "Your manager" not in shared and "Hoa" not in shared and "conversation guide" not in shared.lower()


def test_verdicts() -> None:
    assert manager_view.verdict(3, 3) == "agree"
    assert manager_view.verdict(3, 4) == "close"
    assert manager_view.verdict(3, 5) == "manager_higher"
    assert manager_view.verdict(4, 2) == "self_higher"
    assert manager_view.verdict(None, 2) == "unrated"
    assert manager_view.verdict(2, None) == "unrated"
