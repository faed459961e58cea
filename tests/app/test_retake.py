"""A retake linked to the earlier result: the change since then, which result counts, deletion, shares and the PDF."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

from app.models import Assessment
from app.services import quiz
from scoring.model import Bank
from tests.app.conftest import Browser
from tests.app.test_quiz import answer_all, start
from tests.app.test_result_page import text_of
from tests.app.test_share import create_link


def first_result(app: Any, bank: Bank, lean: str, skills: int, lang: str = "en") -> tuple[Browser, str]:
    b = Browser(app, lang=lang)
    start(b, lang=lang)
    answer_all(b, bank, lean, skills=skills)
    return b, b.post("/quiz/finish").headers["location"]


def retake(b: Browser, bank: Bank, url: str, lean: str, skills: int) -> str:
    res = b.post(url + "/retake")
    assert res.status_code == 303 and res.headers["location"] == "/quiz/1"
    answer_all(b, bank, lean, skills=skills)
    second = b.post("/quiz/finish").headers["location"]
    assert second != url
    return str(second)


def since(html: str) -> str:
    start_at = html.index('id="since"')
    return text_of(html[start_at : html.index("</section>", start_at)]).replace(" : ", ": ").replace(" ：", "：")


def stored(app: Any, assessment_id: str) -> Assessment:
    found = quiz.get(app.state.db, assessment_id)
    assert found is not None
    return found


def test_a_retake_that_moved_shows_a_reliable_change(app: Any, bank: Bank) -> None:
    b, first = first_result(app, bank, "pm", skills=1)
    assert 'id="since"' not in b.get(first).text  # a first take has nothing to compare with
    assert 'action="' + first + '/retake"' in b.get(first).text
    second = retake(b, bank, first, "am", skills=4)
    html = b.get(second).text
    words = since(html)
    assert "Since your last result" in words, words
    for d in bank.dimensions:
        assert re.search(re.escape(d.name["en"]) + r": −\d+ → \+\d+, moved towards AM, more than chance\.", words)
    skill = bank.skills[0].name["en"]
    assert f"{skill}: up from 1 to 4 of 5, more than chance." in words
    n = len(bank.dimensions) + len(bank.skills)
    assert f"{n} changes are larger than the margin of error" in words
    # the table of contents leads to it (first), and to the plan's progress and the manager's view
    toc = html[html.index('class="toc more"') : html.index("</nav>", html.index('class="toc more"'))]
    targets = re.findall(r'href="#([a-z-]+)"', toc)
    assert targets[0] == "since" and {"progress", "manager"} <= set(targets)
    assert all(f'id="{t}"' in html for t in targets)
    assert 'href="#since"' not in b.get(first).text  # nor on a first take
    # both stay; the retake points at the earlier result and at the first take of the chain
    later = stored(app, second.rsplit("/", 1)[1])
    assert later.previous_assessment_id == later.retake_of == first.rsplit("/", 1)[1]
    assert later.current_role == stored(app, later.previous_assessment_id).current_role
    assert quiz.result_of(app.state.db, later.previous_assessment_id) is not None


def test_a_retake_with_the_same_answers_shows_no_reliable_change(app: Any, bank: Bank) -> None:
    b, first = first_result(app, bank, "am", skills=3)
    second = retake(b, bank, first, "am", skills=3)
    words = since(b.get(second).text)
    assert "None of the changes is larger than the margin of error" in words
    assert ", more than chance." not in words
    assert words.count(", no change.") == len(bank.dimensions)
    assert words.count("still 3 of 5.") == len(bank.skills)


def test_a_one_step_skill_move_is_within_the_margin(app: Any, bank: Bank) -> None:
    b, first = first_result(app, bank, "am", skills=2)
    words = since(b.get(retake(b, bank, first, "am", skills=3)).text)
    assert f"{bank.skills[0].name['en']}: up from 2 to 3 of 5, within the margin of error." in words


def test_the_words_in_chinese_and_vietnamese(app: Any, bank: Bank) -> None:
    for lang, moved, none in (
        ("zh-Hans", "方向移动，超出偶然。", "没有一项变化超出误差范围"),
        ("vi", "đã dịch về phía", "Không thay đổi nào lớn hơn biên sai số"),
    ):
        b, first = first_result(app, bank, "pm", skills=1, lang=lang)
        words = since(b.get(retake(b, bank, first, "am", skills=4)).text)
        assert moved in words and "Since your last result" not in words, words
        b, first = first_result(app, bank, "am", skills=3, lang=lang)
        assert none in since(b.get(retake(b, bank, first, "am", skills=3)).text)


def test_a_resume_code_on_another_device_can_retake(app: Any, bank: Bank) -> None:
    b, first = first_result(app, bank, "pm", skills=1)
    code = str(b.client.cookies["rolefit_quiz"]).split(":")[2]
    other = Browser(app)
    assert other.post("/resume", {"code": code}).status_code == 303
    second = retake(other, bank, first, "am", skills=4)
    assert "more than chance" in since(other.get(second).text)


def test_only_the_owner_of_a_finished_result_can_retake_it(app: Any, bank: Bank) -> None:
    b, first = first_result(app, bank, "am", skills=3)
    stranger = Browser(app)
    before = quiz.count_rows(app.state.db)
    assert stranger.post(first + "/retake").status_code == 404
    assert b.post(first + "/retake", csrf=False).status_code == 403
    assert b.post("/result/nosuchresult/retake").status_code == 404
    assert quiz.count_rows(app.state.db) == before
    unfinished = Browser(app)
    start(unfinished)
    aid = str(unfinished.client.cookies["rolefit_quiz"]).split(":")[0]
    assert unfinished.post(f"/result/{aid}/retake").status_code == 404


def test_the_person_chooses_which_result_counts(app: Any, bank: Bank) -> None:
    b, first = first_result(app, bank, "pm", skills=1)
    second = retake(b, bank, first, "am", skills=4)
    aid = second.rsplit("/", 1)[1]
    assert "This result is your current result." in since(b.get(second).text)
    res = b.post(second + "/counts", {"counts": "earlier"})
    assert res.status_code == 303 and res.headers["location"] == second + "#since"
    assert stored(app, aid).chosen is False
    assert "You chose your earlier result as your current result." in since(b.get(second).text)
    bad = b.post(second + "/counts", {"counts": "both"})
    assert bad.status_code == 422 and stored(app, aid).chosen is False
    assert b.post(second + "/counts", {"counts": "this"}).status_code == 303
    assert stored(app, aid).chosen is True
    # a first take has no earlier result to choose
    other, alone = first_result(app, bank, "am", skills=3)
    assert other.post(alone + "/counts", {"counts": "this"}).status_code == 404


def test_deleting_either_keeps_the_other_unlinked(app: Any, bank: Bank) -> None:
    b, first = first_result(app, bank, "pm", skills=1)
    second = retake(b, bank, first, "am", skills=4)
    first_id, second_id = first.rsplit("/", 1)[1], second.rsplit("/", 1)[1]
    assert quiz.delete_assessment(app.state.db, first_id)
    later = stored(app, second_id)
    assert later.previous_assessment_id is None and later.retake_of is None
    html = b.get(second).text
    assert 'id="since"' not in html and quiz.result_of(app.state.db, second_id) is not None
    # the other way round: the earlier result stays when its retake is deleted
    b, first = first_result(app, bank, "pm", skills=1)
    second = retake(b, bank, first, "am", skills=4)
    assert b.post(second + "/delete").status_code == 303
    assert quiz.result_of(app.state.db, first.rsplit("/", 1)[1]) is not None


def test_a_full_share_shows_the_change_a_recommendation_share_does_not(app: Any, bank: Bank) -> None:
    b, first = first_result(app, bank, "pm", skills=1)
    second = retake(b, bank, first, "am", skills=4)
    full = Browser(app).get(create_link(b, second, "full")).text
    assert "more than chance" in since(full)
    assert 'action="' not in full[full.index('id="since"') :].split("</section>")[0]  # no choice form for a viewer
    assert 'id="since"' not in Browser(app).get(create_link(b, second, "recommendation")).text


def test_the_pdf_has_the_change(app: Any, bank: Bank, tmp_path: Path) -> None:
    b, first = first_result(app, bank, "pm", skills=1)
    second = retake(b, bank, first, "am", skills=4)
    res = b.get(second + "/report.pdf")
    assert res.status_code == 200
    pdf = tmp_path / "retake.pdf"
    pdf.write_bytes(res.content)
    text = " ".join(
        subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout.split()
    )
    assert "Since your last result" in text
    assert re.search(r"moved towards AM, more than chance", text)


def test_take_it_again_on_the_start_page_links_the_retake(app: Any, bank: Bank) -> None:
    b, first = first_result(app, bank, "am", skills=3)
    landing = b.get("/").text
    assert f'action="{first}/retake"' in landing and 'href="/start" role="button" class="secondary">Take' not in landing
    second = retake(b, bank, first, "am", skills=3)
    assert stored(app, second.rsplit("/", 1)[1]).previous_assessment_id == first.rsplit("/", 1)[1]
