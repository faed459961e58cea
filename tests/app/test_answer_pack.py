"""A finished assessment's answers packed in one row (app/services/answer_pack.py, issue 21): every reader
sees the same answers packed or not; finishing packs in its own transaction; an assessment in progress, a
resumed one and one answered again after finishing keep rows; export and erasure cover the pack."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from app.models import Answer, utcnow
from app.services import answer_pack, evidence, personal_data, quiz, rescore
from app.web import QUIZ_COOKIE
from scoring.model import Bank
from tests.app.conftest import Browser
from tests.app.test_quiz import answer_all, start
from tests.conftest import pattern


@pytest.fixture(autouse=True)
def timed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Answers 6.123457 s apart: times with microseconds, the too-fast rule not triggered."""
    clock = [utcnow()]

    def later() -> datetime:
        clock[0] += timedelta(seconds=6, microseconds=123_457)
        return clock[0]

    monkeypatch.setattr(quiz, "utcnow", later)


def table_rows(app: Any, assessment_id: str) -> list[tuple[Any, ...]]:
    """The assessment's ``answer`` rows as stored, times in UTC."""
    with app.state.db.read() as session:
        a = Answer.__table__.c  # type: ignore[attr-defined]
        found = session.execute(
            select(a.item_id, a.value_int, a.value_option, a.answered_at).where(a.assessment_id == assessment_id)
        )
        return sorted(tuple(r) for r in found)


def packs(app: Any, assessment_id: str) -> int:
    with app.state.db.engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM answer_pack WHERE assessment_id = :a"), {"a": assessment_id}
            ).scalar_one()
        )


def every_reader(app: Any, bank: Bank, assessment_id: str) -> dict[str, Any]:
    """What each reader of answers returns for this assessment."""
    db = app.state.db
    found = quiz.get(db, assessment_id)
    assert found is not None
    stored = quiz.stored_answers(db, bank, found)
    response = next(r for r in evidence.stored_responses(db) if r.assessment_id == assessment_id)
    batch = rescore._stored_batch(db, bank, [found])[assessment_id]
    export = personal_data.export(db, bank, assessment_id, "en")
    assert export is not None
    return {
        "rows": sorted(tuple(r) for r in quiz.stored_rows(db, assessment_id)),
        "answers_of": quiz.answers_of(db, bank, assessment_id),
        "timings": quiz.timings_of(db, bank, found),
        "stored": (stored.values, stored.timings_ms),
        "progress": quiz.progress_of(db, bank, found, stored.values),
        "evidence": (dict(response.values), list(response.values), dict(response.times_ms)),
        "rescore": (batch.values, batch.timings_ms),
        "export": export["answers"],
    }


def unfinished(app: Any, bank: Bank) -> tuple[Browser, str]:
    b = Browser(app)
    start(b)
    answer_all(b, bank, "am")
    return b, quiz_id(b)


def quiz_id(b: Browser) -> str:
    """The assessment of the browser's quiz cookie (assessment id:owner token:resume code)."""
    return str(b.client.cookies[QUIZ_COOKIE]).strip('"').split(":")[0]


def test_every_reader_sees_the_same_answers_packed_or_not(app: Any, bank: Bank) -> None:
    b, aid = unfinished(app, bank)
    as_rows = table_rows(app, aid)
    assert len(as_rows) == len(bank.items) and packs(app, aid) == 0
    assert len({r[3].microsecond for r in as_rows}) > 1  # timed to the microsecond
    before = every_reader(app, bank, aid)
    assert before["timings"] and before["rows"] == as_rows

    url = b.post("/quiz/finish").headers["location"]
    assert table_rows(app, aid) == [] and packs(app, aid) == 1
    assert every_reader(app, bank, aid) == before
    page = b.get(url).text
    assert "Your fit: Account Manager (AM)" in page
    my_data = b.get(f"{url}/my-data")
    assert my_data.status_code == 200 and bank.item(as_rows[0][0]).text["en"][:30] in my_data.text

    # unpacked again (the adaptive form continued, an answer changed): the very rows come back
    quiz.reopen(app.state.db, aid)
    assert table_rows(app, aid) == as_rows and packs(app, aid) == 0
    assert every_reader(app, bank, aid) == before
    # the result page (the answers behind each dimension) and "my data" render the same from rows and from the pack
    assert b.get(url).text == page and b.get(f"{url}/my-data").text == my_data.text


def test_finishing_packs_in_the_same_transaction(app: Any, bank: Bank, monkeypatch: pytest.MonkeyPatch) -> None:
    b, aid = unfinished(app, bank)
    as_rows = table_rows(app, aid)

    def broken(_: Any) -> bytes:
        raise RuntimeError("disk full")

    monkeypatch.setattr(answer_pack, "pack", broken)
    with pytest.raises(RuntimeError):
        quiz.finish(app.state.db, bank, quiz.get(app.state.db, aid))  # type: ignore[arg-type]
    # nothing of the finish happened: no result, not finished, the rows as they were, no pack
    assert quiz.result_of(app.state.db, aid) is None and quiz.get(app.state.db, aid).finished_at is None  # type: ignore[union-attr]
    assert table_rows(app, aid) == as_rows and packs(app, aid) == 0
    monkeypatch.undo()
    b.post("/quiz/finish")
    assert quiz.result_of(app.state.db, aid) is not None and table_rows(app, aid) == [] and packs(app, aid) == 1


def test_an_unfinished_assessment_keeps_rows_and_resumes_where_it_was(app: Any, bank: Bank) -> None:
    b = Browser(app)
    start(b)
    values = pattern(bank, "pm").values
    order = quiz.question_order(bank)
    for n, item_id in enumerate(order[:10], start=1):
        assert b.post(f"/quiz/{n}", {"item_id": item_id, "value": str(values[item_id])}).status_code == 303
    aid = quiz_id(b)
    assert len(table_rows(app, aid)) == 10 and packs(app, aid) == 0
    found = re.search(r'resume code <span class="resume-code">([0-9A-Z-]{19})</span>', b.get("/quiz/11").text)
    assert found is not None
    other = Browser(app)  # another device, with the resume code
    assert other.post("/resume", {"code": found.group(1)}).headers["location"] == "/quiz"
    assert other.get("/quiz").headers["location"] == "/quiz/11"
    assert other.post("/quiz/11", {"item_id": order[10], "value": str(values[order[10]])}).status_code == 303
    assert len(table_rows(app, aid)) == 11 and packs(app, aid) == 0
    assert quiz.answers_of(app.state.db, bank, aid) == {i: values[i] for i in order[:11]}


def test_an_answer_changed_after_finishing_unpacks_and_finishing_packs_again(app: Any, bank: Bank) -> None:
    b, aid = unfinished(app, bank)
    url = b.post("/quiz/finish").headers["location"]
    first = quiz.answers_of(app.state.db, bank, aid)
    assert packs(app, aid) == 1
    item_id = quiz.question_order(bank)[0]
    changed = 1 if first[item_id] != 1 else 5
    res = b.post("/quiz/1", {"item_id": item_id, "value": str(changed)}, htmx=True)
    assert res.status_code == 200
    # the answer path saw every answer (the next page), now as rows again
    assert packs(app, aid) == 0 and len(table_rows(app, aid)) == len(bank.items)
    assert quiz.answers_of(app.state.db, bank, aid) == first | {item_id: changed}
    b.post("/quiz/finish")
    assert packs(app, aid) == 1 and table_rows(app, aid) == []
    assert quiz.answers_of(app.state.db, bank, aid) == first | {item_id: changed}
    assert b.get(url).status_code == 200


def test_a_stranger_cannot_unpack_by_answering(app: Any, bank: Bank) -> None:
    b, aid = unfinished(app, bank)
    b.post("/quiz/finish")
    stranger = Browser(app)
    stranger.client.cookies.set(QUIZ_COOKIE, f"{aid}:{'A' * 43}:")
    stranger.post("/quiz/1", {"item_id": quiz.question_order(bank)[0], "value": "1"})
    assert packs(app, aid) == 1 and table_rows(app, aid) == []


def test_the_api_answers_again_after_finishing_and_exports_every_answer(app: Any, bank: Bank) -> None:
    api = TestClient(app)
    body = {"lang": "en", "current_role": "pm", "answers": dict(pattern(bank, "am").values)}
    created = api.post("/api/v1/assessments", json=body).json()
    aid, headers = created["id"], {"Authorization": f"Bearer {created['owner_token']}"}
    assert packs(app, aid) == 1 and table_rows(app, aid) == []
    exported = api.get(f"/api/v1/assessments/{aid}/export", headers=headers).json()
    assert {a["item_id"]: a["value"] for a in exported["answers"]} == body["answers"]
    item_id = quiz.question_order(bank)[0]
    assert api.put(f"/api/v1/assessments/{aid}/answers/{item_id}", json={"value": None}, headers=headers).is_success
    assert packs(app, aid) == 0 and len(table_rows(app, aid)) == len(body["answers"] | {item_id: None})
    assert api.post(f"/api/v1/assessments/{aid}/finish", headers=headers).is_success
    assert packs(app, aid) == 1
    exported = api.get(f"/api/v1/assessments/{aid}/export", headers=headers).json()
    assert {a["item_id"]: a["value"] for a in exported["answers"]} == body["answers"] | {item_id: None}

    # erasure: the pack goes with the assessment
    assert api.delete(f"/api/v1/assessments/{aid}", headers=headers).status_code == 204
    assert packs(app, aid) == 0 and quiz.count_rows(app.state.db)["answer_pack"] == 0
    assert "answer_pack" in quiz.ERASED_TABLES


def test_the_pack_is_lossless_and_small() -> None:
    at = datetime(2026, 12, 2, 10, 0, 0, 123_456).astimezone()
    rows = [
        answer_pack.StoredAnswer("lk_scope_am_1", 4, None, at),
        answer_pack.StoredAnswer("sj_complaint", None, "b", at + timedelta(seconds=3, microseconds=7)),
        answer_pack.StoredAnswer("pp_scope_1", None, None, at),  # prefer not to answer, stored with the first
    ]
    back = answer_pack.unpack(answer_pack.pack(rows))
    assert sorted(back) == sorted(rows) and all(r.answered_at.utcoffset() == timedelta(0) for r in back)
    assert answer_pack.unpack(answer_pack.pack([])) == []
