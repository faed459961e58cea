"""The answer path's raw statements, the SQLite writer queue, and how connections are served."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import socket
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import text
from sqlmodel import select
from uvicorn.importer import import_from_string

from app import serving
from app.config import Settings
from app.db import Database
from app.main import create_app
from app.models import Answer, Assessment
from app.services import quiz
from scoring.model import Bank
from tests.app.conftest import Browser


def test_answer_path_writes_what_the_orm_reads(db_url: str, bank: Bank) -> None:
    db = Database(db_url)
    started = quiz.start(db, bank, lang="en", current_role="pm", years=None)
    aid, order = started.assessment.id, quiz.question_order(bank)
    likert = next(i for i in order if bank.item(i).kind == "likert")
    situational = next(i for i in order if bank.item(i).kind == "situational")
    before = datetime.now(UTC) - timedelta(seconds=5)

    answers = quiz.save_answer_owned(db, bank, aid, started.owner_token, likert, 4)
    assert answers == {likert: 4}
    # the resume code owns the assessment too (another device)
    answers = quiz.save_answer_owned(db, bank, aid, started.resume_code, situational, "b")
    assert answers == {likert: 4, situational: "b"}
    assert quiz.save_answer_owned(db, bank, aid, started.owner_token, likert, None) == {likert: None, situational: "b"}

    with db.read() as session:
        rows = {r.item_id: r for r in session.exec(select(Answer).where(Answer.assessment_id == aid))}
        assessment = session.get(Assessment, aid)
    assert set(rows) == {likert, situational}
    assert rows[likert].value_int is None and rows[likert].value_option is None
    assert rows[situational].value_option == "b" and rows[situational].value_int is None
    answered_at = rows[situational].answered_at
    assert answered_at.replace(tzinfo=answered_at.tzinfo or UTC) > before
    assert assessment is not None and assessment.position == order.index(likert) + 1
    db.dispose()


def test_answer_path_refuses_a_wrong_secret_and_writes_nothing(db_url: str, bank: Bank) -> None:
    db = Database(db_url)
    mine = quiz.start(db, bank, lang="en", current_role="pm", years=None)
    theirs = quiz.start(db, bank, lang="en", current_role="am", years=None)
    item = quiz.question_order(bank)[0]
    assert quiz.save_answer_owned(db, bank, mine.assessment.id, theirs.owner_token, item, 3) is None
    assert quiz.save_answer_owned(db, bank, mine.assessment.id, "", item, 3) is None
    assert quiz.save_answer_owned(db, bank, "no-such-id", mine.owner_token, item, 3) is None
    assert quiz.answers_of(db, bank, mine.assessment.id) == {}
    assert quiz.get(db, mine.assessment.id).position == 0  # type: ignore[union-attr]
    db.dispose()


def test_sqlite_writers_of_two_workers_queue_on_the_lock(tmp_path: Path, sqlite_template: Path) -> None:
    path = tmp_path / "two.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    first, second = Database(f"sqlite:///{path}"), Database(f"sqlite:///{path}")  # as two processes would
    holding, order = threading.Event(), []

    def other_worker() -> None:
        holding.wait()
        with second.write_raw() as cursor:
            cursor.execute("SELECT 1")
            order.append("second")

    thread = threading.Thread(target=other_worker)
    thread.start()
    with first.write():
        holding.set()
        thread.join(timeout=0.3)
        assert thread.is_alive(), "the second writer must wait for the first"
        order.append("first")
    thread.join(timeout=10)
    assert order == ["first", "second"]
    assert (tmp_path / "two.sqlite3.writelock").exists()
    first.dispose()
    second.dispose()


def test_a_forked_worker_has_its_own_connections_and_queues_on_the_writer_lock(
    tmp_path: Path, sqlite_template: Path
) -> None:
    """`rolefit serve` forks its workers from the process that loaded the app. A forked worker would reuse the
    parent's pooled SQLite connection (SQLite forbids carrying one across fork) and share the parent's open lock
    file, which flock treats as one owner: both would take the writer lock at once. After Database.after_fork
    the worker has no connection of the parent's and opens its own lock file, so it waits while the parent
    holds the lock, then writes."""
    path = tmp_path / "fork.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    db = Database(f"sqlite:///{path}")
    with db.write_raw() as cursor:  # the parent has written: its lock file and a pooled connection are open
        cursor.execute("SELECT 1")
    assert db.engine.pool.checkedin() == 1
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker
        code = 1
        try:
            db.after_fork()
            own_connections = db.engine.pool.checkedin() == 0
            os.write(ready_w, b"r")
            os.read(go_r, 1)  # the parent now holds the writer lock
            wrote = threading.Event()

            def write() -> None:
                with db.write_raw() as cursor:  # takes the writer lock
                    cursor.execute("SELECT count(*) FROM assessment")
                    wrote.set()

            threading.Thread(target=write, daemon=True).start()
            waited = not wrote.wait(0.5)
            os.write(ready_w, b"w")  # let the parent release it
            code = 0 if own_connections and waited and wrote.wait(10) else 1
        finally:
            os._exit(code)
    assert os.read(ready_r, 1) == b"r"
    with db.write_lock():
        os.write(go_w, b"g")
        assert os.read(ready_r, 1) == b"w"
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "the worker must start its own connections, wait, then write"
    db.dispose()


def test_served_connections_turn_nagle_off() -> None:
    """With several workers uvicorn binds the listening socket itself, without IPPROTO_TCP, and the
    standard event loop then leaves Nagle's algorithm on: every response would wait for the client's
    delayed ACK. A real uvicorn server on such a socket, with rolefit's protocol, must turn it off."""
    assert import_from_string(serving.HTTP) is serving.Protocol
    seen: list[int] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        for protocol in server.server_state.connections:
            sock = protocol.transport.get_extra_info("socket")  # type: ignore[attr-defined]
            seen.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    config = uvicorn.Config(app, http=serving.HTTP, loop=serving.LOOP, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)

    async def main() -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # proto 0, as uvicorn binds it
        listener.bind(("127.0.0.1", 0))
        task = asyncio.create_task(server.serve(sockets=[listener]))
        while not server.started:
            await asyncio.sleep(0.01)
        reader, writer = await asyncio.open_connection(*listener.getsockname()[:2])
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert (await reader.readline()).startswith(b"HTTP/1.1 204")
        writer.close()
        server.should_exit = True
        await task

    # in a thread of its own: a browser test earlier in the same session (Playwright's sync API) leaves an
    # event loop running on the main thread, where asyncio.run refuses to start another
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, main()).result(timeout=30)
    assert seen == [1]


def test_single_statement_connections_go_back_to_the_pool_transactional(db_url: str, bank: Bank) -> None:
    db = Database(db_url)
    if db.dialect != "postgresql":
        with pytest.raises(RuntimeError), db.statement_raw():
            pass
        db.dispose()
        return
    started = quiz.start(db, bank, lang="en", current_role="pm", years=None)
    quiz.save_answer_owned(db, bank, started.assessment.id, started.owner_token, quiz.question_order(bank)[0], 3)
    conn = db.engine.raw_connection()  # the pool hands back the connection the answer used
    try:
        assert conn.driver_connection.autocommit is False  # type: ignore[union-attr]
    finally:
        conn.close()
    # and an ORM transaction that fails still rolls back everything it did
    with pytest.raises(ZeroDivisionError), db.write() as session:
        session.add(Assessment(id="x" * 20, owner_hash="o" * 64, resume_hash="r" * 64, locale="en",
                               current_role="pm", bank_version=bank.version))  # fmt: skip
        session.flush()
        _ = 1 / 0
    assert quiz.get(db, "x" * 20) is None
    db.dispose()


def test_answers_wait_for_postgresql_without_holding_up_the_worker(db_url: str, bank: Bank) -> None:
    """Served with its lifespan (as uvicorn runs it), the app answers through the asyncio pool on
    PostgreSQL; SQLite needs no pool."""
    application = create_app(Settings(database_url=db_url))
    db: Database = application.state.db
    person = Browser(application)
    with person.client as client:  # entering the client runs the app's lifespan
        person.post("/start", {"lang": "en", "current_role": "pm"})
        order = quiz.question_order(bank)
        for n in (1, 2, 1):
            res = person.post(f"/quiz/{n}", {"item_id": order[n - 1], "value": str(n + 2)}, htmx=True)
            assert res.status_code == 200 and res.headers["hx-push-url"] == f"/quiz/{n + 1}"
        aid = str(client.cookies["rolefit_quiz"]).split(":")[0]
        assert quiz.answers_of(db, bank, aid) == {order[0]: 3, order[1]: 4}
        asked = db._async_pool.get_stats().get("requests_num", 0) if db.has_async else 0
        owner_cookie = str(client.cookies["rolefit_quiz"])
        client.cookies.delete("rolefit_quiz")
        client.cookies.set("rolefit_quiz", f"{aid}:not-the-owner:")  # someone else's id, a made-up token
        refused = person.post("/quiz/1", {"item_id": order[0], "value": "5"}, htmx=True)
        assert refused.status_code == 303 and refused.headers["location"] == "/start"
        assert db.has_async == (db.dialect == "postgresql")
        if db.has_async:
            # the answers and the refusal went through the asyncio pool: each reads its form there
            # (quiz.form_of_async) and then writes; the refusal reads the form, then its write is refused
            assert asked >= 6 and db._async_pool.get_stats()["requests_num"] == asked + 2
            # the database drops every connection (a restart): the next answer still gets through
            with db.engine.connect() as conn:
                dropped = conn.execute(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                ).scalar()
            assert dropped and dropped >= 4
            client.cookies.set("rolefit_quiz", owner_cookie)
            res = person.post("/quiz/2", {"item_id": order[1], "value": "5"}, htmx=True)
            assert res.status_code == 200
            assert quiz.answers_of(db, bank, aid) == {order[0]: 3, order[1]: 5}
    assert not db.has_async  # closed with the lifespan
    assert quiz.answers_of(db, bank, aid)[order[0]] == 3
    db.dispose()


def test_optimize_gives_sqlite_planner_statistics(tmp_path: Path) -> None:
    """`rolefit db upgrade` and every worker (hourly) refresh the statistics: the planner gets them."""
    from app.migrate import upgrade

    db = Database(f"sqlite:///{tmp_path / 'stats.sqlite3'}")
    upgrade(db.engine)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO organisation (id, name, created_at) VALUES ('o', 'O', '2026-01-01')")
    db.optimize()
    with db.engine.connect() as conn:
        tables = {row[0] for row in conn.exec_driver_sql("SELECT tbl FROM sqlite_stat1")}
    db.dispose()
    assert "organisation" in tables
