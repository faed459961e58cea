"""The result page people act on: summary first, contents, what would change, compared with others."""

from __future__ import annotations

import dataclasses
import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.services import norms, quiz
from scoring import score
from scoring.model import Answers, Bank
from tests.app.conftest import Browser
from tests.app.test_quiz import answer_all, start
from tests.conftest import pattern


def finished(app: Any, bank: Bank, lean: str = "am", lang: str = "en", skills: int = 3) -> tuple[Browser, str]:
    b = Browser(app, lang=lang)
    start(b, role="pm", lang=lang)
    answer_all(b, bank, lean, skills=skills)
    return b, b.post("/quiz/finish").headers["location"]


def others(app: Any, bank: Bank, n: int, lang: str = "en", lean: str = "pm") -> None:
    """``n`` people who finished through the API (the same store as the web quiz)."""
    for _ in range(n):
        payload = {"lang": lang, "current_role": "am", "answers": dict(pattern(bank, lean, skills=2).values)}
        quiz.create_scored(app.state.db, bank, payload)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_the_summary_comes_first_and_says_it_plainly(app: Any, bank: Bank) -> None:
    b, url = finished(app, bank, "am")
    html = b.get(url).text
    summary = html[html.index('id="summary"') : html.index('class="action-bar"')]
    words = text_of(summary)
    assert "Your fit: Account Manager (AM)" in words
    assert "In one sentence: you are more at home in AM work than in PM work" in words
    assert "What it means: " + bank.profiles["am"].summary["en"] in words
    assert "Your next three steps towards AM:" in words
    steps = summary[summary.index('<ol class="next">') : summary.index("</ol>")]
    assert steps.count("<li>") == 3
    assert "Biggest gaps:" in words
    # the summary comes before any chart or section, and the actions are reachable from the top
    assert html.index('id="summary"') < html.index('class="dimension-chart') if "dimension-chart" in html else True
    bar = html[html.index('class="action-bar"') : html.index("</nav>", html.index('class="action-bar"'))]
    for target in ('href="#share"', 'href="#continue"', 'href="#delete"', f'href="{url}/report.pdf"'):
        assert target in bar
    for anchor in ('id="share"', 'id="continue"', 'id="delete"', 'id="plan"', 'id="track"', 'id="change"'):
        assert anchor in html
    # a table of contents whose every link has its section
    toc = html[html.index('class="toc more"') : html.index("</nav>", html.index('class="toc more"'))]
    targets = re.findall(r'href="#([a-z-]+)"', toc)
    for target in targets:
        assert f'id="{target}"' in html
    assert targets.index("plan") < targets.index("progress") < targets.index("share") < targets.index("manager")
    assert targets[-1] == "about"
    assert "Jump to a section" in html


def test_strengths_are_skills_only(app: Any, bank: Bank) -> None:
    b, url = finished(app, bank, "am", skills=5)
    words = text_of(b.get(url).text)
    line = words[words.index("Strengths to build on:") :].split("Where your preferences")[0]
    poles = {d.am_pole["en"] for d in bank.dimensions} | {d.pm_pole["en"] for d in bank.dimensions}
    assert not any(p in line for p in poles)
    assert bank.skills[0].name["en"] in line or any(s.name["en"] in line for s in bank.skills)
    assert "Where your preferences already fit this track:" in words


def test_negative_numbers_carry_a_true_minus(app: Any, bank: Bank) -> None:
    b, url = finished(app, bank, "pm")
    html = b.get(url).text
    assert re.search(r"Overall orientation \u2212\d+", text_of(html))
    assert not re.search(r"Overall orientation -\d", text_of(html))


def test_what_would_change_on_the_page_and_in_the_api(app: Any, bank: Bank) -> None:
    b, url = finished(app, bank, "am")
    words = text_of(b.get(url).text)
    assert "What would change my result" in words
    assert "No single answer decides your result" in words  # a clear pattern: no one answer flips it
    assert words.count("Had you answered") >= 3
    api = TestClient(app, base_url="http://testserver")
    res = api.post(
        "/api/v1/assessments",
        json={"lang": "en", "current_role": "pm", "answers": dict(pattern(bank, "am", skills=3).values)},
    )
    created = res.json()
    data = api.get(
        f"/api/v1/assessments/{created['id']}", headers={"Authorization": f"Bearer {created['owner_token']}"}
    ).json()
    changes = data["what_would_change"]
    assert len(changes) == 3
    assert {c["neutral"]["change"] for c in changes} == {"same"}
    assert all(c["pull"] > 0 for c in changes)


def test_the_shared_page_shows_no_answers_that_moved_it(app: Any, bank: Bank) -> None:
    b, url = finished(app, bank, "am")
    aid = url.rsplit("/", 1)[1]
    b.post(f"/result/{aid}/shares", {"scope": "full", "days": "7"})
    token = b.client.cookies.get("rolefit_new_share") or ""
    if not token:
        pytest.skip("share token not readable from the cookie jar")
    html = b.get(f"/s/{token}").text
    assert "What would change" not in html and "Had you answered" not in html
    assert "In one sentence: more at home in AM work" in text_of(html)


def test_comparison_waits_for_enough_people(app: Any, bank: Bank) -> None:
    b, url = finished(app, bank, "am")
    words = text_of(b.get(url).text)
    assert "Not enough people have taken this version of rolefit in English yet" in words
    assert "at least 30 have" in words
    assert "Percentile" not in words


def test_the_minimum_is_never_below_five() -> None:
    with pytest.raises(ValueError):
        Settings(compare_min_n=4)


@pytest.fixture
def small_n_app(settings: Settings) -> Any:
    application = create_app(settings.model_copy(update={"compare_min_n": 5}))
    yield application
    application.state.db.dispose()


def test_percentiles_once_five_people_have_finished(small_n_app: Any, bank: Bank) -> None:
    app = small_n_app
    others(app, bank, 3, lean="pm")
    others(app, bank, 2, lang="vi", lean="pm")  # another language does not count
    b, url = finished(app, bank, "am")  # four people in English: not enough
    assert "Not enough people" in text_of(b.get(url).text)
    others(app, bank, 1, lean="pm")  # five
    words = text_of(b.get(url).text)
    assert "Among the 5 people who took this version of rolefit in English" in words
    # the AM person stands above the four PM people on every dimension: mid-rank (4 + 1/2) / 5 = 90
    mine = score(bank, pattern(bank, "am", skills=3))
    theirs = score(bank, pattern(bank, "pm", skills=2))
    for d in mine.dimensions:
        if d.sufficient and norms.bucket_of(d.score) > norms.bucket_of(theirs.dimension(d.id).score):
            assert re.search(re.escape(bank.dimension(d.id).name["en"]) + r" 90\b", words), d.id


def test_counts_follow_changes_and_deletion(app: Any, bank: Bank) -> None:
    db = app.state.db
    started, _ = quiz.create_scored(
        db, bank, {"lang": "en", "current_role": "am", "answers": dict(pattern(bank, "pm").values)}
    )
    result = score(bank, Answers(lang="en", current_role="am", values=pattern(bank, "pm").values))
    scores = {d.id: d.score for d in result.dimensions if d.sufficient}
    before = norms.compare(db, bank.version, "en", scores, 5)
    assert before.n == 1
    quiz.delete_assessment(db, started.assessment.id)
    assert norms.compare(db, bank.version, "en", scores, 5).n == 0


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_pdf_leads_with_the_summary_and_says_what_would_change(app: Any, bank: Bank, tmp_path: Path) -> None:
    from tests.app.test_pdf import pages, poppler, report

    pdf, _, _ = report(app, bank, tmp_path, "en", "am")
    text = " ".join(poppler("pdftotext", pdf).split())
    assert "In one sentence: you are more at home in AM work than in PM work" in text
    assert text.index("In one sentence") < text.index("The six dimensions")
    assert "What it means:" in text and "Your next three steps towards AM:" in text
    assert "What would change my result" in text and text.count("Had you answered") >= 3
    assert "What this means" not in text  # not a link on paper, so not printed as one
    assert "Show the plan's steps" not in text  # folded sections are open on paper
    assert 2 <= pages(pdf) <= 4


def _share(b: Browser, url: str, scope: str) -> str:
    aid = url.rsplit("/", 1)[1]
    res = b.post(f"/result/{aid}/shares", {"scope": scope, "days": "7"})
    assert res.status_code == 303
    token = b.client.cookies.get("rolefit_new_share")
    assert token
    b.client.cookies.delete("rolefit_new_share")
    return str(token)


def test_the_share_card_shows_no_more_than_the_link_s_scope(app: Any, bank: Bank) -> None:
    from PIL import Image

    # two people with the same recommendation but different dimension scores
    strong, strong_url = finished(app, bank, "am", skills=4)
    values = dict(pattern(bank, "am").values)
    for item in bank.orientation_items[:8]:
        if item.kind == "likert":
            values[item.id] = 4 if item.key == "am" else 2  # milder on a few statements: other dimension scores
    mild = Browser(app)
    start(mild, role="pm")
    order = quiz.question_order(bank)
    full_values = {**pattern(bank, "am", skills=4).values, **values}
    for n, item_id in enumerate(order, start=1):
        mild.post(f"/quiz/{n}", {"item_id": item_id, "value": str(full_values[item_id])})
    mild_url = mild.post("/quiz/finish").headers["location"]
    cards: dict[tuple[str, str], bytes] = {}
    for who, b, url in (("strong", strong, strong_url), ("mild", mild, mild_url)):
        for scope in ("recommendation", "full"):
            token = _share(b, url, scope)
            page = Browser(app).get(f"/s/{token}").text
            assert f'<meta property="og:image" content="http://testserver/s/{token}/card.png">' in page
            res = Browser(app).get(f"/s/{token}/card.png")
            assert res.status_code == 200 and res.headers["content-type"] == "image/png"
            assert res.headers["cache-control"] == "no-store"
            assert Image.open(__import__("io").BytesIO(res.content)).size == (1200, 630)
            cards[(who, scope)] = res.content
    # the recommendation-only card carries nothing of the dimensions: the same picture for both people
    assert cards[("strong", "recommendation")] == cards[("mild", "recommendation")]
    # the full card shows the dimension bars, so it differs between them and from the narrow card
    assert cards[("strong", "full")] != cards[("mild", "full")]
    assert cards[("strong", "full")] != cards[("strong", "recommendation")]
    assert Browser(app).get("/s/not-a-token-at-all-xxxxxxxxxxxxxxxxxxxxxxxx/card.png").status_code == 404


def finish_with(app: Any, bank: Bank, values: dict[str, Any]) -> tuple[Browser, str]:
    b = Browser(app)
    start(b, role="pm")
    for n, item_id in enumerate(quiz.question_order(bank), start=1):
        if item_id in values:
            b.post(f"/quiz/{n}", {"item_id": item_id, "value": str(values[item_id])})
    return b, b.post("/quiz/finish").headers["location"]


def test_the_one_sentence_is_honest_for_a_hybrid_and_for_no_call(app: Any, bank: Bank) -> None:
    from tests.scoring.test_sensitivity import _borderline

    _, hybrid = _borderline(bank, "am")
    assert score(bank, hybrid).recommendation == "HYBRID"
    b, url = finish_with(app, bank, dict(hybrid.values))
    words = text_of(b.get(url).text)
    assert "In one sentence: you sit between the two tracks, leaning a little towards AM" in words
    assert "your answers are not clear enough to pick one" in words
    few = dict(list(pattern(bank, "am").values.items())[:6])
    b, url = finish_with(app, bank, few)
    words = text_of(b.get(url).text)
    assert re.search(r"In one sentence: it is too early to say; answer at least \d+ more questions", words)
    assert "Your next three steps" not in words  # no call, no steps towards a track
    assert "Until you answer more questions, changing one of your answers cannot make a call." in words
    assert "Once your answers make a call, you will see here where you stand" in words


def test_what_would_change_survives_a_wording_only_bank_release(app: Any, bank: Bank) -> None:
    """A result scored by the previous (patch) bank version still says which answers moved it."""
    api = TestClient(app, base_url="http://testserver")
    created = api.post(
        "/api/v1/assessments",
        json={"lang": "en", "current_role": "pm", "answers": dict(pattern(bank, "am", skills=3).values)},
    ).json()
    auth = {"Authorization": f"Bearer {created['owner_token']}"}
    before = api.get(f"/api/v1/assessments/{created['id']}", headers=auth).json()["what_would_change"]
    app.state.bank = dataclasses.replace(bank, version=bank.version + "-next")  # the next wording release
    try:
        after = api.get(f"/api/v1/assessments/{created['id']}", headers=auth).json()
    finally:
        app.state.bank = bank
    assert after["what_would_change"] == before and len(before) == 3
