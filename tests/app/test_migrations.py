"""Alembic: empty -> head -> base -> head on both databases, and the models match the migrations."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import JSON, column, create_engine, inspect, select, table, text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import app.models  # noqa: F401
from app.db import Database
from app.migrate import downgrade, upgrade
from tests.app.conftest import PG_ENV, skip_or_fail

TABLES = {
    "assessment",
    "plan_progress",
    "checkin",
    "checkin_mail",
    "checkin_mail_sent",
    "answer",
    "answer_pack",
    "result",
    "result_history",
    "psychometrics_report",
    "operator_grant",
    "share_link",
    "organisation",
    "hr_user",
    "password_token",
    "hr_session",
    "hr_device",
    "hr_recovery_code",
    "hr_passkey",
    "hr_webauthn_challenge",
    "login_attempt",
    "cohort",
    "invitation",
    "participation",
    "audit_event",
    "job",
    "api_token",
    "webhook",
    "webhook_delivery",
    "person",
    "personal_invitation",
    "participation_rollup",
    "org_role_labels",
    "norm_point",
    "result_norm",
    "mail_token",
    "reminder",
    "digest_subscription",
    "digest_run",
    "staged_import",
    "org_sso",
    "sso_state",
    "manager_rating",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[Database]:
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path}/empty.sqlite3")  # type: ignore[str-bytes-safe]
        yield db
        db.dispose()
        return
    import os

    base = os.environ.get(PG_ENV)
    if not base:
        skip_or_fail(f"PostgreSQL not available: set {PG_ENV}")
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"rolefit_m_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db = Database(re.sub(r"/[^/]*$", f"/{name}", base))
    yield db
    db.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


# the people search's own structures (rollout2_0001, search17_0001), outside the models: SQLite's FTS5 tables
# (and the shadow tables FTS5 makes), PostgreSQL's pg_trgm indexes (a GIN operator class SQLAlchemy does not
# reflect)
SEARCH = {"participation_fts", "ix_participation_search", "person_fts", "ix_person_search"}


def tables(db: Database) -> set[str]:
    found = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    return {t for t in found if not t.startswith(("participation_fts", "person_fts"))}


def search_index(db: Database) -> bool:
    with db.engine.connect() as conn:
        if db.dialect == "sqlite":
            sql = "SELECT count(*) FROM sqlite_master WHERE name IN ('participation_fts', 'person_fts')"
        else:
            sql = "SELECT count(*) FROM pg_indexes WHERE indexname IN ('ix_participation_search', 'ix_person_search')"
        return conn.exec_driver_sql(sql).scalar_one() == 2


def _outside_models(name: str | None, type_: str, _parent: dict[str, str | None]) -> bool:
    return not (name and any(name.startswith(s) for s in SEARCH))


def test_up_down_up(empty_db: Database) -> None:
    assert tables(empty_db) == set()
    upgrade(empty_db.engine)
    assert tables(empty_db) == TABLES and search_index(empty_db)
    downgrade(empty_db.engine, "base")
    assert tables(empty_db) == set() and not search_index(empty_db)
    upgrade(empty_db.engine)
    assert tables(empty_db) == TABLES and search_index(empty_db)


def test_models_match_migrations(empty_db: Database) -> None:
    upgrade(empty_db.engine)
    with empty_db.engine.connect() as conn:
        opts = {"compare_type": True, "include_name": _outside_models}
        diff = compare_metadata(MigrationContext.configure(conn, opts=opts), SQLModel.metadata)
    assert diff == [], f"models and migrations differ; add a migration: {diff}"


def test_results_are_packed_losslessly_and_back(empty_db: Database) -> None:
    """scale_0002 stores result snapshots compressed: an old result reads back exactly as it was scored."""
    from datetime import datetime

    from sqlmodel import Session

    from app.models import ResultSnapshot

    data = {"overall": 12.345678901234567, "p_am": 0.1 + 0.2, "flags": [], "text": "Tiếng Việt 中文", "n": [1, -2.5e-7]}
    upgrade(empty_db.engine, "scale_0001")
    now = datetime(2026, 11, 30, 12, 0)
    with empty_db.engine.begin() as conn:
        conn.execute(
            text(
                'INSERT INTO assessment (id, owner_hash, resume_hash, locale, "current_role", bank_version, '
                "position, started_at, updated_at) VALUES ('a1', 'o', 'r', 'en', 'am', '1.0.0', 0, :now, :now)"
            ),
            {"now": now},
        )
        result = table("result", column("assessment_id"), column("bank_version"), column("scoring_version"),
                       column("data", JSON()), column("created_at"))  # fmt: skip
        conn.execute(
            result.insert().values(
                assessment_id="a1", bank_version="1.0.0", scoring_version="1", data=data, created_at=now
            )
        )
    upgrade(empty_db.engine)
    with Session(empty_db.engine) as session:
        snapshot = session.get(ResultSnapshot, "a1")
        assert snapshot is not None and snapshot.data == data
    with empty_db.engine.connect() as conn:
        stored = conn.execute(text("SELECT data FROM result")).scalar_one()
    assert isinstance(stored, bytes | memoryview) and len(bytes(stored)) < len(json.dumps(data))
    downgrade(empty_db.engine, "scale_0001")
    with empty_db.engine.connect() as conn:
        assert conn.execute(select(result.c.data)).scalar_one() == data


def _organisation_and_cohort(conn: Connection, now: str, assessment: bool = False) -> None:
    """Organisation ``o`` with cohort ``c`` (and assessment ``a``), as raw rows any revision since the HR
    tables accepts: the start of the data migrations' tests."""
    conn.execute(text("INSERT INTO organisation (id, name, created_at) VALUES ('o', 'O', :now)"), {"now": now})
    conn.execute(
        text(
            "INSERT INTO cohort (id, org_id, name, departments, levels, created_at) "
            "VALUES ('c', 'o', 'C', '[]', '[]', :now)"
        ),
        {"now": now},
    )
    if assessment:
        conn.execute(
            text(
                'INSERT INTO assessment (id, owner_hash, resume_hash, locale, "current_role", bank_version, '
                "position, started_at, updated_at) VALUES ('a', 'o', 'r', 'en', 'am', '1', 0, :now, :now)"
            ),
            {"now": now},
        )


def test_hr_migrations_keep_people_down_and_up(empty_db: Database) -> None:
    """scale_0001 down and up keeps every participation (a table rebuild of cohort on SQLite would cascade)."""
    upgrade(empty_db.engine, "0dd3a9ea9452")
    now = "2026-11-30 12:00:00"
    with empty_db.engine.begin() as conn:
        _organisation_and_cohort(conn, now, assessment=True)
        conn.execute(
            text(
                'INSERT INTO participation (id, org_id, cohort_id, assessment_id, visibility, "current_role", '
                "consented_at, finished_at, d_scope, gaps_am, gaps_pm, gaps_fit) "
                "VALUES ('p', 'o', 'c', 'a', 'aggregate', 'am', :now, :now, 10.0, 0, 0, 3)"
            ),
            {"now": now},
        )
    upgrade(empty_db.engine)
    with empty_db.engine.connect() as conn:
        assert conn.execute(text("SELECT participants, finished FROM cohort")).one() == (1, 1)
        assert conn.execute(text("SELECT sum(n), sum(g1) FROM participation_rollup WHERE grain = 'm'")).one() == (1, 1)
    downgrade(empty_db.engine, "0dd3a9ea9452")
    upgrade(empty_db.engine)
    with empty_db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM participation")).scalar_one() == 1
        assert conn.execute(text("SELECT participants, finished FROM cohort")).one() == (1, 1)


def test_cohorts_closed_before_hrapi3_are_not_announced_again(empty_db: Database) -> None:
    """hrapi3_0001 marks the cohorts already closed as announced (at their closing date), so the scan for
    cohorts closed by date sends nothing for them; an open cohort is left for the scan."""
    from datetime import UTC, datetime, timedelta

    from sqlmodel.sql.sqltypes import UTCDateTime

    upgrade(empty_db.engine, "checkinmail_0001")
    now = datetime.now(UTC).replace(microsecond=0)
    past, future = now - timedelta(days=3), now + timedelta(days=3)
    when = UTCDateTime()
    cohort = table("cohort", column("id"), column("org_id"), column("name"), column("departments"),
                   column("levels"), column("created_at", when), column("closes_at", when))  # fmt: skip
    with empty_db.engine.begin() as conn:
        conn.execute(text("INSERT INTO organisation (id, name, created_at) VALUES ('o', 'O', :now)"), {"now": now})
        for cohort_id, closes in (("closed", past), ("open", future), ("undated", None)):
            conn.execute(
                cohort.insert().values(
                    id=cohort_id, org_id="o", name=cohort_id, departments="[]", levels="[]", created_at=now,
                    closes_at=closes,
                )
            )  # fmt: skip
    upgrade(empty_db.engine)
    announced = table("cohort", column("id"), column("closed_announced_at", when))
    with empty_db.engine.connect() as conn:
        marks = dict(conn.execute(select(announced.c.id, announced.c.closed_announced_at)).all())  # type: ignore[arg-type]
    assert marks == {"closed": past, "open": None, "undated": None}
    downgrade(empty_db.engine, "checkinmail_0001")
    upgrade(empty_db.engine)


def test_invitation_delivery_is_backfilled_from_the_jobs_and_the_links(empty_db: Database) -> None:
    """rollout2_0002 (and rollout3_0001 for the pruned jobs): each personal invitation of the old schema
    gets the delivery HR should read once its job row is gone: sent, link (copied by HR) or none yet."""
    upgrade(empty_db.engine, "rollout2_0001")
    now = "2026-11-30 12:00:00"
    # (invitation, job state or None for no job / "pruned" for a job id whose row prune deleted, sent_at)
    cases = {
        "done": ("done", now),  # mailed, job still there
        "pruned": ("pruned", now),  # mailed, its done job deleted by jobs.prune since
        "link": (None, now),  # made without mail, the link copied by HR
        "queued": ("queued", None),  # not sent yet
        "failed": ("failed", None),  # refused: HR sees the job's reason
        "reopened": ("queued", now),  # refused after its commit point, retrying: the job says so
    }
    with empty_db.engine.begin() as conn:
        _organisation_and_cohort(conn, now)
        for n, (name, (state, sent_at)) in enumerate(cases.items(), start=1):
            conn.execute(
                text(
                    "INSERT INTO person (id, org_id, email, name, lang, created_at, updated_at) "
                    "VALUES (:id, 'o', :email, :id, 'en', :now, :now)"
                ),
                {"id": name, "email": f"{name}@acme.test", "now": now},
            )
            conn.execute(
                text(
                    "INSERT INTO invitation (id, cohort_id, token_hash, uses, created_at) "
                    "VALUES (:id, 'c', :hash, 0, :now)"
                ),
                {"id": f"i-{name}", "hash": f"h-{name}", "now": now},
            )
            job_id = None if state is None else 100 + n
            if state not in (None, "pruned"):
                conn.execute(
                    text(
                        "INSERT INTO job (id, kind, payload, state, run_at, attempts, max_attempts, created_at) "
                        "VALUES (:id, 'invitation.send', '{}', :state, :now, 1, 5, :now)"
                    ),
                    {"id": job_id, "state": state, "now": now},
                )
            conn.execute(
                text(
                    "INSERT INTO personal_invitation (id, cohort_id, person_id, invitation_id, job_id, created_at, "
                    "sent_at) VALUES (:id, 'c', :id, :inv, :job, :now, :sent)"
                ),
                {"id": name, "inv": f"i-{name}", "job": job_id, "now": now, "sent": sent_at},
            )

    def deliveries() -> dict[str, str | None]:
        with empty_db.engine.connect() as conn:
            return {r[0]: r[1] for r in conn.execute(text("SELECT id, delivery FROM personal_invitation"))}

    expected = {"done": "sent", "pruned": "sent", "link": "link", "queued": None, "failed": None, "reopened": None}
    upgrade(empty_db.engine, "rollout2_0002")
    assert deliveries() == expected | {"pruned": None}  # rollout2_0002 alone saw only the jobs still there
    upgrade(empty_db.engine)
    assert deliveries() == expected
    with empty_db.engine.connect() as conn:  # nothing else moved
        assert conn.execute(text("SELECT count(*) FROM personal_invitation WHERE sent_at IS NULL")).scalar_one() == 2


def test_finished_answers_are_packed_losslessly_and_back(empty_db: Database) -> None:
    """pgpack_0001 packs the answers of every finished assessment (batched) and leaves those of one in
    progress as rows; down unpacks them: the very rows, times to the microsecond, come back."""
    from datetime import UTC, datetime, timedelta

    from sqlmodel import Session

    from app.models import Answer
    from app.services import answer_pack

    upgrade(empty_db.engine, "checkinmail_0001")
    start = datetime(2026, 11, 30, 12, 0, 0, 1, tzinfo=UTC)
    answer = table("answer", column("assessment_id"), column("item_id"), column("value_int"), column("value_option"),
                   column("answered_at"))  # fmt: skip
    rows = {
        aid: [
            (
                f"lk_{k}",
                k % 5 + 1 if k % 3 else None,
                "b" if k == 3 else None,
                start + timedelta(seconds=k, microseconds=k),
            )
            for k in range(n)
        ]
        for aid, n in (("done1", 68), ("done2", 3), ("taking", 5), ("empty", 0))
    }
    with empty_db.engine.begin() as conn:
        for aid in rows:
            conn.execute(
                text(
                    'INSERT INTO assessment (id, owner_hash, resume_hash, locale, "current_role", bank_version, '
                    "position, started_at, updated_at, finished_at, form) "
                    "VALUES (:a, :o, :r, 'en', 'am', '1', 0, :now, :now, :end, 'full')"
                ),
                {"a": aid, "o": f"{aid}o", "r": f"{aid}r", "now": start}
                | {"end": None if aid == "taking" else start + timedelta(hours=1)},
            )
            for item_id, value_int, value_option, at in rows[aid]:
                conn.execute(
                    answer.insert().values(
                        assessment_id=aid, item_id=item_id, value_int=value_int, value_option=value_option,
                        answered_at=at.replace(tzinfo=None) if empty_db.dialect == "sqlite" else at,
                    )
                )  # fmt: skip

    def as_rows() -> dict[str, list[tuple[object, ...]]]:
        with Session(empty_db.engine) as session:
            a = Answer.__table__.c  # type: ignore[attr-defined]
            found: dict[str, list[tuple[object, ...]]] = {}
            for r in session.execute(select(a.assessment_id, a.item_id, a.value_int, a.value_option, a.answered_at)):
                found.setdefault(r[0], []).append(tuple(r[1:]))
            return {k: sorted(v) for k, v in found.items()}

    def packed() -> dict[str, list[tuple[object, ...]]]:
        with Session(empty_db.engine) as session:
            found = answer_pack.read(session, list(rows))
            return {k: sorted(tuple(r) for r in v) for k, v in found.items()}

    expected = {aid: sorted(r) for aid, r in rows.items() if r}
    assert as_rows() == expected
    upgrade(empty_db.engine)
    assert as_rows() == {"taking": expected["taking"]}  # in progress: still rows
    assert packed() == expected  # every reader reads through answer_pack.read: the same answers
    with empty_db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM answer_pack")).scalar_one() == 2  # done1, done2
    downgrade(empty_db.engine, "checkinmail_0001")
    assert as_rows() == expected
    upgrade(empty_db.engine)
    assert packed() == expected


def test_search17_writes_the_search_texts_down_and_up(empty_db: Database) -> None:
    """search17_0001 fills person.search_text and writes participation.search_text in the marked form (words
    after app.search.WORD); its downgrade writes the old form back, which rollout2_0001's search reads."""
    upgrade(empty_db.engine, "checkinmail_0001")
    now = "2026-12-02 10:00:00"
    with empty_db.engine.begin() as conn:
        _organisation_and_cohort(conn, now, assessment=True)
        conn.execute(
            text(
                "INSERT INTO person (id, org_id, email, name, department, lang, created_at, updated_at) "
                "VALUES ('pe', 'o', 'an@x.test', 'Nguyễn Văn An', 'Sales', 'vi', :now, :now)"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                'INSERT INTO participation (id, org_id, cohort_id, assessment_id, visibility, "current_role", '
                "consented_at, gaps_am, gaps_pm, gaps_fit, display_name, department, person_id, search_text) "
                "VALUES ('p', 'o', 'c', 'a', 'identified', 'am', :now, 0, 0, 0, 'Nguyễn Văn An', 'Sales', 'pe', "
                "'nguyen van an\nsales\nan@x.test')"
            ),
            {"now": now},
        )
    upgrade(empty_db.engine)
    marked = "\x02\x02nguyen \x02\x02van \x02\x02an\n\x02\x02sales\n\x02\x02an@x.test"
    with empty_db.engine.connect() as conn:
        assert conn.execute(text("SELECT search_text FROM participation")).scalar_one() == marked
        assert conn.execute(text("SELECT search_text FROM person")).scalar_one() == marked
    downgrade(empty_db.engine, "checkinmail_0001")
    with empty_db.engine.connect() as conn:
        old = conn.execute(text("SELECT search_text FROM participation")).scalar_one()
        assert old == "nguyen van an\nsales\nan@x.test"
