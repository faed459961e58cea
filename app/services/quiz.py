"""Taking the quiz: start, save each answer the moment it is given, resume, finish, delete."""

from __future__ import annotations

import hashlib
import hmac
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import CursorResult, Dialect, bindparam, delete, func, or_, union_all, update
from sqlalchemy import exists as sql_exists
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from app.db import Database, Prepared, dialect_insert
from app.models import Answer, AnswerPack, Assessment, Participation, ResultHistory, ResultSnapshot, ShareLink, utcnow
from app.services import answer_pack, forms, norms
from app.tokens import hash_token, new_public_id, new_resume_code, new_token, normalise_resume_code
from scoring import AnswerError, parse_answers, score
from scoring.adaptive import short_form_flags
from scoring.answers import check_value
from scoring.model import ROLES, Answers, AnswerValue, Bank, Item, Option, Params, Result
from scoring.serialize import result_to_dict


@dataclass(frozen=True)
class Started:
    assessment: Assessment
    owner_token: str
    resume_code: str


@cache
def question_order(bank: Bank) -> tuple[str, ...]:
    """Item ids in the order they are asked.

    Orientation items first, each kind spread evenly through the sequence
    (likert round-robin across dimensions, a mirrored pair far apart), the
    instructed-response checks at even intervals among them, then the
    skill questions in the bank's skill order.
    """
    likert_by_dim: dict[str, list[str]] = {}
    for dim in bank.dimensions:
        am = [i.id for i in bank.orientation_items if i.kind == "likert" and i.dimension == dim.id and i.key == "am"]
        pm = [i.id for i in bank.orientation_items if i.kind == "likert" and i.dimension == dim.id and i.key == "pm"]
        # am_1, pm_2, am_2, pm_3, am_3, ..., pm_1: the mirrored pair (am_1, pm_1) ends up furthest apart
        pm = pm[1:] + pm[:1]
        seq = [x for pair in zip(am, pm, strict=False) for x in pair] + am[len(pm) :] + pm[len(am) :]
        likert_by_dim[dim.id] = seq
    rounds = max((len(v) for v in likert_by_dim.values()), default=0)
    likert = [seq[n] for n in range(rounds) for seq in likert_by_dim.values() if n < len(seq)]
    placed: list[tuple[float, int, str]] = []
    for rank, group in enumerate(
        (
            likert,
            [i.id for i in bank.orientation_items if i.kind == "paired"],
            [i.id for i in bank.orientation_items if i.kind == "situational"],
        )
    ):
        for k, item_id in enumerate(group):
            placed.append(((k + 0.5) / len(group), rank, item_id))
    orientation = [item_id for _, _, item_id in sorted(placed)]
    checks = bank.check_items  # instructed-response items at 1/(m+1), 2/(m+1), ... of the orientation part
    for k, item in reversed(list(enumerate(checks))):
        orientation.insert(round((k + 1) / (len(checks) + 1) * len(orientation)), item.id)
    skills = {i.skill: i.id for i in bank.proficiency_items}
    return tuple(orientation + [skills[s.id] for s in bank.skills])


def option_order(assessment_id: str, item: Item) -> tuple[Option, ...]:
    """The options of a situation in this assessment's own order (other kinds: the bank's order).

    Drawn from the assessment's random public id, so it is the same on every visit, after back,
    on resume and on another device, and different from person to person: a habit of picking the
    first option no longer leans anyone one way (option *a* leans PM in most situations of bank 1.0.0).
    """
    options = list(item.options)
    if item.kind == "situational":
        seed = hashlib.sha256(f"{assessment_id}:{item.id}".encode()).digest()
        random.Random(seed).shuffle(options)  # noqa: S311 -- an answer order, not a secret
    return tuple(options)


@cache
def first_skill_index(bank: Bank) -> int:
    """Where the skill questions start in :func:`question_order` (0-based)."""
    return next(n for n, i in enumerate(question_order(bank)) if bank.item(i).kind == "proficiency")


def _values(rows: Iterable[tuple[str, int | None, str | None]], bank: Bank) -> dict[str, AnswerValue]:
    out: dict[str, AnswerValue] = {}
    for item_id, value_int, value_option in rows:
        if not bank.has_item(item_id):
            continue  # an item retired from the bank since this answer was given
        out[item_id] = value_option if bank.item(item_id).kind == "situational" else value_int
    return out


def new_assessment(bank: Bank, *, lang: str, current_role: str, years: str | None, form: str = forms.FULL) -> Started:
    """A new (unsaved) assessment with its owner token and resume code; the caller adds it to a session."""
    if current_role not in ROLES:
        raise AnswerError("bad_role", "current_role", f"unknown role {current_role!r}")
    allowed_years = {o.id for c in bank.context if c.field == "years_experience" for o in c.options}
    if years is not None and years not in allowed_years:
        raise AnswerError("bad_years", "years_experience", "unknown years of experience")
    if form not in forms.FORMS:
        raise AnswerError("invalid", "form", "unknown form")
    owner, code = new_token(), new_resume_code()
    assessment = Assessment(
        id=new_public_id(),
        owner_hash=hash_token(owner),
        resume_hash=hash_token(code),
        locale=lang,
        current_role=current_role,
        years_experience=years,
        bank_version=bank.version,
        form=form,
    )
    return Started(assessment, owner, code)


def start(
    db: Database, bank: Bank, *, lang: str, current_role: str, years: str | None, form: str = forms.FULL
) -> Started:
    """Create an assessment; the owner token and resume code are returned once and stored only hashed."""
    started = new_assessment(bank, lang=lang, current_role=current_role, years=years, form=form)
    with db.write() as session:
        session.add(started.assessment)
    return started


_FORM = sql_select(
    col(Assessment.form),
    sql_exists().where(col(AnswerPack.assessment_id) == col(Assessment.id)),
).where(col(Assessment.id) == bindparam("aid"))


def _form_statement(dialect: Dialect) -> Prepared:
    return Prepared(_FORM, dialect)


def _form_and_packed(rows: list[Any]) -> tuple[str | None, bool]:
    return (str(rows[0][0]), bool(rows[0][1])) if rows else (None, False)


def form_of(db: Database, assessment_id: str) -> tuple[str | None, bool]:
    """The form of the assessment (full, adaptive, continued; None when there is no such assessment) and
    whether its answers are packed (it was finished: :func:`reopen` before answering again).

    Read on every answer: one prepared statement on a pooled connection, no ORM session or transaction."""
    return _form_and_packed(db.fetch_raw(db.prepared("form", _form_statement), {"aid": assessment_id}))


async def form_of_async(db: Database, assessment_id: str) -> tuple[str | None, bool]:
    """:func:`form_of` for the event loop: awaited on PostgreSQL's asyncio pool when it is open (a read
    is the same when run twice), so the worker does not wait for the round trip; in place otherwise."""
    if not db.has_async:
        return form_of(db, assessment_id)
    return _form_and_packed(
        await db.fetch_idempotent_async(db.prepared("form", _form_statement), {"aid": assessment_id})
    )


def reopen(db: Database, assessment_id: str) -> None:
    """Unpack a finished assessment's answers into rows before it is answered again (``app.services.answer_pack``)."""
    with db.write() as session:
        answer_pack.unpack_answers(session, assessment_id)


def get(db: Database, assessment_id: str) -> Assessment | None:
    with db.read() as session:
        return session.get(Assessment, assessment_id)


def _plausible(assessment_id: str | None, secret: str | None) -> bool:
    return bool(assessment_id) and bool(secret) and len(secret or "") <= 100 and len(assessment_id or "") <= 32


def _owns(owner_hash: str, resume_hash: str, secret: str) -> bool:
    """``secret`` is the owner token or the resume code of the assessment with these hashes."""
    return hmac.compare_digest(owner_hash, hash_token(secret)) or hmac.compare_digest(
        resume_hash, hash_token(normalise_resume_code(secret))
    )


def owned(db: Database, assessment_id: str | None, secret: str | None) -> Assessment | None:
    """The assessment if ``secret`` is its owner token or resume code; None otherwise (no hint which)."""
    if not _plausible(assessment_id, secret):
        return None
    found = get(db, assessment_id or "")
    return found if found is not None and _owns(found.owner_hash, found.resume_hash, secret or "") else None


def owned_by_token(db: Database, assessment_id: str | None, token: str | None) -> Assessment | None:
    """The assessment if ``token`` is its owner token; the resume code does not count (the JSON API's rule:
    the 80-bit code is for typing on another device, throttled there, and is no API credential)."""
    if not _plausible(assessment_id, token):
        return None
    found = get(db, assessment_id or "")
    return found if found is not None and hmac.compare_digest(found.owner_hash, hash_token(token or "")) else None


def by_resume_code(db: Database, code: str) -> Assessment | None:
    normalised = normalise_resume_code(code)
    if len(normalised) != 19:
        return None
    with db.read() as session:
        return session.exec(select(Assessment).where(Assessment.resume_hash == hash_token(normalised))).first()


_ANSWER_COLUMNS = ("assessment_id", "item_id", "value_int", "value_option", "answered_at")
_GIVEN = sql_select(col(Answer.item_id), col(Answer.value_int), col(Answer.value_option)).where(
    col(Answer.assessment_id) == bindparam("aid")
)  # the answer rows of the assessment ``aid`` (the answer path: an assessment being taken has no pack)


def stored_rows(db: Database, assessment_id: str) -> list[answer_pack.StoredAnswer]:
    """Every stored answer of the assessment, as rows or packed (``app.services.answer_pack``)."""
    with db.read() as session:
        return answer_pack.read(session, [assessment_id]).get(assessment_id, [])


def answers_of(db: Database, bank: Bank, assessment_id: str) -> dict[str, AnswerValue]:
    # plain rows, not ORM objects: this runs on every question page
    return _values(((a.item_id, a.value_int, a.value_option) for a in stored_rows(db, assessment_id)), bank)


@cache
def _upsert_statement(dialect: str) -> Any:
    """INSERT ... ON CONFLICT (assessment_id, item_id) DO UPDATE, built once: SQLAlchemy caches its compiled form."""
    insert = dialect_insert(dialect)
    return _on_conflict_update(insert(Answer.__table__))  # type: ignore[attr-defined]


def _on_conflict_update(stmt: Any) -> Any:
    """An answer insert that updates the value and its time when the person answered the item before."""
    return stmt.on_conflict_do_update(
        index_elements=["assessment_id", "item_id"],
        set_={name: stmt.excluded[name] for name in _ANSWER_COLUMNS[2:]},
    )


def _upsert(session: Session, dialect: str, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(_upsert_statement(dialect), rows)


def _row(
    assessment_id: str, bank: Bank, item_id: str, value: AnswerValue, now: datetime | None = None
) -> dict[str, Any]:
    """One answer row. Answers stored together (one-shot API, demo data) share ``now``: they were not timed."""
    situational = bank.item(item_id).kind == "situational"
    return {
        "assessment_id": assessment_id,
        "item_id": item_id,
        "value_int": None if situational else value,
        "value_option": value if situational else None,
        "answered_at": now or utcnow(),
    }


def _stored(row: Mapping[str, Any]) -> answer_pack.StoredAnswer:
    return answer_pack.StoredAnswer(row["item_id"], row["value_int"], row["value_option"], row["answered_at"])


def _checked(bank: Bank, item_id: str, value: object) -> tuple[AnswerValue, int]:
    """The validated value and the resume position after this item; :class:`AnswerError` otherwise."""
    order = question_order(bank)
    if not bank.has_item(item_id) or item_id not in order:
        raise AnswerError("unknown_item", item_id, "unknown item id")
    return check_value(bank.item(item_id), value), order.index(item_id) + 1


def save_answer(db: Database, bank: Bank, assessment: Assessment, item_id: str, value: object) -> int:
    """Validate and upsert one answer; move the resume point past it. Returns the next position.

    Raises :class:`scoring.AnswerError` for an unknown item or a bad value; nothing is stored then.
    """
    checked, position = _checked(bank, item_id, value)
    with db.write() as session:
        if assessment.finished_at is not None:  # answered again after finishing: its answers become rows again
            answer_pack.unpack_answers(session, assessment.id)
        _upsert(session, db.dialect, [_row(assessment.id, bank, item_id, checked)])
        session.execute(
            update(Assessment).where(col(Assessment.id) == assessment.id).values(position=position, updated_at=utcnow())
        )
    return position


def _move(assessment: Any) -> Any:
    """Move the resume point, only where the owner token's or the resume code's hash matches."""
    return (
        update(assessment)
        .where(
            assessment.c.id == bindparam("aid"),
            or_(assessment.c.owner_hash == bindparam("owner"), assessment.c.resume_hash == bindparam("code")),
        )
        .values(position=bindparam("position"), updated_at=bindparam("answered_at"))
    )


def _answer_statements(dialect: Dialect) -> tuple[Prepared, Prepared, Prepared]:
    """The answer path as three statements in one transaction (SQLite), compiled once per database."""
    return (
        Prepared(_move(Assessment.__table__), dialect),  # type: ignore[attr-defined]
        Prepared(_upsert_statement(dialect.name), dialect, _ANSWER_COLUMNS),
        Prepared(_GIVEN, dialect),
    )


def _answer_statement_pg(dialect: Dialect) -> Prepared:
    """The answer path as one PostgreSQL statement, a transaction by itself: one round trip, not five.

    ``moved`` is the owner check (no row: not the owner, and then nothing is inserted either);
    ``saved`` upserts the answer; the result is every answer of the assessment. All parts of a
    statement see the same snapshot, so the other answers are read as they were and the new one
    comes from ``saved``.
    """
    assessment, answer = Assessment.__table__, Answer.__table__  # type: ignore[attr-defined]
    moved = _move(assessment).returning(assessment.c.id).cte("moved")
    values = [bindparam(name, type_=answer.c[name].type) for name in _ANSWER_COLUMNS[1:]]
    upsert = dialect_insert("postgresql")(answer).from_select(list(_ANSWER_COLUMNS), sql_select(moved.c.id, *values))
    saved = (
        _on_conflict_update(upsert).returning(answer.c.item_id, answer.c.value_int, answer.c.value_option).cte("saved")
    )
    others = (
        sql_select(answer.c.item_id, answer.c.value_int, answer.c.value_option)
        .join(moved, answer.c.assessment_id == moved.c.id)
        .where(answer.c.item_id != bindparam("item_id"))
    )
    return Prepared(union_all(sql_select(saved.c.item_id, saved.c.value_int, saved.c.value_option), others), dialect)


def _answer_values(bank: Bank, assessment_id: str, secret: str, item_id: str, value: object) -> dict[str, Any] | None:
    """Validated statement values for the answer path; None when the secret cannot be anyone's."""
    checked, position = _checked(bank, item_id, value)
    if not _plausible(assessment_id, secret):
        return None
    return {
        **_row(assessment_id, bank, item_id, checked),
        "aid": assessment_id,
        "owner": hash_token(secret),
        "code": hash_token(normalise_resume_code(secret)),
        "position": position,
    }


def save_answer_owned(
    db: Database, bank: Bank, assessment_id: str, secret: str, item_id: str, value: object
) -> dict[str, AnswerValue] | None:
    """The browser's answer path in one transaction: move the resume point past the item if ``secret``
    (owner token or resume code) owns the assessment, upsert the answer, and return every answer (for
    the next page).

    None when the secret does not own the assessment (nothing is written). Raises
    :class:`scoring.AnswerError` for an unknown item or a bad value, before touching the database.
    Statements compiled once and run on the pooled DB-API connection, no ORM session: this runs on
    every answer. :func:`save_answer_owned_async` is the same for the event loop.
    """
    values = _answer_values(bank, assessment_id, secret, item_id, value)
    if values is None:
        return None
    if db.dialect == "postgresql":
        with db.statement_raw() as cursor:
            rows = db.prepared("answer", _answer_statement_pg).run(cursor, values).fetchall()
        return _values(rows, bank) if rows else None
    move, upsert, given = db.prepared("answer", _answer_statements)
    with db.write_raw() as cursor:
        # the owner check is the UPDATE's condition: no row moved, not the owner, nothing written
        if move.run(cursor, values).rowcount != 1:
            return None
        upsert.run(cursor, values)
        rows = given.run(cursor, values).fetchall()
    return _values(rows, bank)


async def save_answer_owned_async(
    db: Database, bank: Bank, assessment_id: str, secret: str, item_id: str, value: object
) -> dict[str, AnswerValue] | None:
    """:func:`save_answer_owned` for the event loop. On PostgreSQL with the asyncio pool open, the one
    statement is awaited, so the worker serves other requests during the round trip; on SQLite (a
    local file, a fraction of a millisecond) it runs in place."""
    if not db.has_async:
        return save_answer_owned(db, bank, assessment_id, secret, item_id, value)
    values = _answer_values(bank, assessment_id, secret, item_id, value)
    if values is None:
        return None
    # one autocommit statement with the same values: run twice, it leaves the same state
    rows = await db.fetch_idempotent_async(db.prepared("answer", _answer_statement_pg), values)
    return _values(rows, bank) if rows else None


def set_language(db: Database, assessment_id: str, lang: str) -> None:
    with db.write() as session:
        row = session.get(Assessment, assessment_id)
        if row is not None:
            row.locale = lang
            session.add(row)


MAX_TIMING_MS = 86_400_000.0


def _naive_utc(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo is not None else at


def timings_of(db: Database, bank: Bank, assessment: Assessment) -> dict[str, float]:
    """Milliseconds each stored answer took: from the answer before it (or the start) to it.

    Answers stored together share one timestamp (one-shot API, demo data): a gap of
    exactly 0 means "not timed", so those answers get no timing at all.
    """
    return answer_times(bank, assessment, ((a.item_id, a.answered_at) for a in stored_rows(db, assessment.id)))


def answer_times(bank: Bank, assessment: Assessment, rows: Iterable[tuple[str, datetime]]) -> dict[str, float]:
    """:func:`timings_of` on ``(item id, answered at)`` rows already read (in any order)."""
    out: dict[str, float] = {}
    previous = _naive_utc(assessment.started_at)
    for item_id, at in sorted(((i, _naive_utc(t)) for i, t in rows), key=lambda r: (r[1], r[0])):
        ms = (at - previous).total_seconds() * 1000.0
        previous = at
        if ms > 0 and bank.has_item(item_id):
            out[item_id] = min(ms, MAX_TIMING_MS)
    return out


def stored_answers(db: Database, bank: Bank, assessment: Assessment) -> Answers:
    """The stored response with its answer times, as the engine scores it (finish, API, re-scoring)."""
    rows = stored_rows(db, assessment.id)
    return Answers(
        lang=assessment.locale,
        current_role=assessment.current_role,
        values=_values(((a.item_id, a.value_int, a.value_option) for a in rows), bank),
        years_experience=assessment.years_experience,
        timings_ms=answer_times(bank, assessment, ((a.item_id, a.answered_at) for a in rows)),
    )


def progress_of(db: Database, bank: Bank, assessment: Assessment, answers: dict[str, AnswerValue]) -> forms.Progress:
    """The order this person is asked the questions in (the adaptive form's own, or the bank's) and its state."""
    timings = timings_of(db, bank, assessment) if assessment.form != forms.FULL else None
    return forms.progress(bank, assessment.id, assessment.form, answers, timings)


def finish(db: Database, bank: Bank, assessment: Assessment, params: Params | None = None) -> Result:
    """Score what was answered, with the stored answer times, and store the snapshot (again, if answers changed);
    the answers are packed in the same transaction (``app.services.answer_pack``).

    ``params``: the active calibrated parameters (``app.state.params``), None for the bank's defaults.
    The snapshot records the form it came from (adaptive: the adaptive form stopped before the full form).
    """
    answers = stored_answers(db, bank, assessment)
    result = score(bank, answers, params)
    progress = forms.progress(bank, assessment.id, assessment.form, answers.values, answers.timings_ms)
    form = forms.result_form(progress)
    if form == forms.ADAPTIVE:
        result = short_form_flags(bank, result, answers.values)
    with db.write() as session:
        _store_result(
            session, bank, assessment.id, result, form=form, asked=(progress.asked, progress.orientation_total)
        )
    return result


def _store_result(
    session: Session,
    bank: Bank,
    assessment_id: str,
    result: Result,
    finished_at: datetime | None = None,
    *,
    form: str = forms.FULL,
    asked: tuple[int, int] = (0, 0),
) -> None:
    snapshot = session.get(ResultSnapshot, assessment_id)
    data = result_to_dict(result)
    data["form"] = form
    if form == forms.ADAPTIVE:
        data["adaptive"] = {"asked": asked[0], "of": asked[1]}
    if snapshot is None:
        snapshot = ResultSnapshot(
            assessment_id=assessment_id,
            bank_version=result.bank_version,
            scoring_version=result.scoring_version,
            params_version=result.params_version,
            data=data,
            form=form,
        )
    else:
        snapshot.form = form
        snapshot.data = data
        snapshot.bank_version = result.bank_version
        snapshot.scoring_version = result.scoring_version
        snapshot.params_version = result.params_version
        snapshot.created_at = utcnow()
    session.add(snapshot)
    row = session.get(Assessment, assessment_id)
    now = finished_at or utcnow()
    if row is not None:
        row.finished_at = now
        session.add(row)
    from app.services import hr  # the cohort summaries follow the result (imported here: hr imports quiz)

    hr.sync_summary(session, bank, assessment_id, result, now)
    norms.record(session, assessment_id, row.locale if row is not None else "en", result)
    answer_pack.pack_answers(session, assessment_id)  # finished: its answers in one row


def result_of(db: Database, assessment_id: str) -> ResultSnapshot | None:
    with db.read() as session:
        return session.get(ResultSnapshot, assessment_id)


ERASED_TABLES = (
    "share_link",
    "manager_rating",
    "participation",
    "result_history",
    "result",
    "answer",
    "answer_pack",
    "plan_progress",
    "checkin",
    "checkin_mail",  # the address for check-in reminders (deleted with the assessment: ON DELETE CASCADE)
    "checkin_mail_sent",
    "assessment",
)


def delete_assessment(db: Database, assessment_id: str) -> bool:
    """Erase the assessment, its answers and its result. True if something was deleted.

    Once committed, :meth:`Database.erased` removes the older copies (SQLite's WAL, PostgreSQL's dead tuples).
    """
    with db.write() as session:
        session.execute(delete(ShareLink).where(col(ShareLink.assessment_id) == assessment_id))
        session.execute(delete(Participation).where(col(Participation.assessment_id) == assessment_id))
        session.execute(delete(ResultHistory).where(col(ResultHistory.assessment_id) == assessment_id))
        session.execute(delete(ResultSnapshot).where(col(ResultSnapshot.assessment_id) == assessment_id))
        session.execute(delete(Answer).where(col(Answer.assessment_id) == assessment_id))
        session.execute(delete(AnswerPack).where(col(AnswerPack.assessment_id) == assessment_id))
        # a retake of this assessment (or the result it retook) stays, unlinked (app/services/retake.py)
        session.execute(
            update(Assessment)
            .where(col(Assessment.previous_assessment_id) == assessment_id)
            .values(previous_assessment_id=None, chosen=None)
        )
        session.execute(update(Assessment).where(col(Assessment.retake_of) == assessment_id).values(retake_of=None))
        gone = session.execute(delete(Assessment).where(col(Assessment.id) == assessment_id))
        assert isinstance(gone, CursorResult)
    if gone.rowcount:
        db.erased(ERASED_TABLES)
    return bool(gone.rowcount)


def create_scored(
    db: Database, bank: Bank, payload: Mapping[str, Any], params: Params | None = None
) -> tuple[Started, Result]:
    """The JSON API's one-shot create: validate everything first, then store it all in one transaction.

    ``form`` (optional): full (default) or adaptive, for answering step by step afterwards.
    """
    form = payload.get("form", forms.FULL) if isinstance(payload, Mapping) else forms.FULL
    if form not in forms.FORMS:
        raise AnswerError("invalid", "form", "expected full or adaptive")
    answers = parse_answers(
        bank, {k: v for k, v in payload.items() if k != "form"} if isinstance(payload, Mapping) else payload
    )
    started = new_assessment(
        bank, lang=answers.lang, current_role=answers.current_role, years=answers.years_experience, form=form
    )
    result = score(bank, answers, params)
    order = question_order(bank)
    answered = [i for i in order if i in answers.values]
    started.assessment.position = max((order.index(i) + 1 for i in answered), default=0)
    now = utcnow()
    with db.write() as session:
        session.add(started.assessment)
        session.flush()
        rows = [_row(started.assessment.id, bank, i, answers.values[i], now) for i in answered]
        answer_pack.store(session, started.assessment.id, map(_stored, rows))  # finished: stored packed
        _store_result(session, bank, started.assessment.id, result)
    return started, result


def store_completed(
    db: Database,
    bank: Bank,
    started: Started,
    values: Mapping[str, AnswerValue],
    result: Result | None,
    *,
    participation: Participation | None = None,
    finished_at: datetime | None = None,
    answered_at: Mapping[str, datetime] | None = None,
) -> None:
    """Store a whole scored response at once (demo data, bulk imports): assessment, answers, result.

    ``result`` None stores an unfinished assessment (no result); ``answered_at`` gives each answer its time.
    """
    order = question_order(bank)
    answered = [i for i in order if i in values]
    started.assessment.position = len(order) if result is not None else len(answered)
    now = utcnow()
    rows = [_row(started.assessment.id, bank, i, values[i], now) for i in answered]
    for row in rows if answered_at else ():
        row["answered_at"] = answered_at.get(row["item_id"], row["answered_at"])  # type: ignore[union-attr]
    with db.write() as session:
        session.add(started.assessment)
        session.flush()
        if result is None:
            _upsert(session, db.dialect, rows)
        else:  # finished: stored packed (app/services/answer_pack.py)
            answer_pack.store(session, started.assessment.id, map(_stored, rows))
        if participation is not None:
            session.add(participation)
            session.flush()
        if result is not None:
            _store_result(session, bank, started.assessment.id, result, finished_at)


def count_rows(db: Database) -> dict[str, int]:
    """Row counts per table (used by tests and the health of the demo)."""
    with db.read() as session:
        return {
            name: int(session.exec(select(func.count()).select_from(model)).one())
            for name, model in (
                ("assessment", Assessment),
                ("answer", Answer),
                ("answer_pack", AnswerPack),
                ("result", ResultSnapshot),
                ("share_link", ShareLink),
            )
        }
