"""People of an organisation: import from CSV or XLSX (dry-run preview, per-row errors, duplicates merged)
and one by hand. Writes are the owner's (routes check the role); every query is scoped to ``org_id``.

Import in two steps: :func:`preview` reads the file and says, row by row, what would happen (new,
updated, unchanged, merged into an earlier row of the file, or an error with its reason); :func:`apply`
does exactly that in one transaction (rows with errors are skipped; nothing is written for a file that
can't be read at all). Error reasons are codes; :func:`describe` words them in the HR user's language.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from app import search as text_search
from app.db import Database
from app.i18n import gettext_for, normalise
from app.inputs.types import has_control  # the types alone: the guard is web-side
from app.models import Person
from app.tokens import new_public_id

MAX_ROWS = 20_000
MAX_COLUMNS = 50
MAX_CELL = 1_000  # characters in any cell, read or not
FORMULA = ("=", "+", "-", "@")  # a cell a spreadsheet would run as a formula when the list is exported again
FIELDS = ("name", "email", "department", "level", "lang", "manager_email")
LIMITS = {"name": 200, "email": 254, "department": 100, "level": 100, "manager_email": 254}
EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")

# Column headings understood in the file, in the three languages (compared lower-case, without spaces,
# dashes and underscores).
HEADINGS = {
    "name": ("name", "fullname", "姓名", "名字", "hovaten", "họtên", "họvàtên", "tên"),
    "email": ("email", "e-mail", "mail", "emailaddress", "邮箱", "电子邮件", "电子邮箱", "thư", "địachỉemail"),
    "department": ("department", "dept", "部门", "phòngban", "bộphận"),
    "level": ("level", "grade", "级别", "职级", "cấpbậc", "cấp"),
    "lang": ("language", "lang", "locale", "语言", "ngônngữ"),
    "manager_email": ("manageremail", "manager", "经理邮箱", "经理", "emailquảnlý", "quảnlý"),
}
_HEADING = {h: key for key, names in HEADINGS.items() for h in names}


def _n_(message: str) -> str:
    """Marks a message for extraction (babel: ``-k N_``); translated at :func:`describe`."""
    return message


N_ = _n_
MESSAGES = {
    "unreadable": N_("The file could not be read: upload a CSV (UTF-8) or an XLSX file."),
    "no_header": N_("The first row must name the columns; at least name and e-mail."),
    "too_many_rows": N_("The file has more than 20,000 rows; split it."),
    "too_many_columns": N_("The file has more than 50 columns."),
    "control_characters": N_("This value contains control characters."),
    "formula": N_("This value starts like a spreadsheet formula (=, +, - or @)."),
    "missing_email": N_("The e-mail is missing."),
    "bad_email": N_("This is not an e-mail address."),
    "missing_name": N_("The name is missing."),
    "too_long": N_("This value is too long."),
    "bad_lang": N_("Unknown language: use en, zh-Hans or vi."),
    "bad_manager_email": N_("The manager's e-mail is not an e-mail address."),
    "exists": N_("Someone with this e-mail is already in the list."),
}
FIELD_NAMES = {
    "name": N_("name"),
    "email": N_("e-mail"),
    "department": N_("department"),
    "level": N_("level"),
    "lang": N_("language"),
    "manager_email": N_("manager's e-mail"),
}


class PeopleError(ValueError):
    def __init__(self, code: str, field: str = "") -> None:
        self.code, self.field = code, field
        super().__init__(f"{field}: {code}" if field else code)


@dataclass(frozen=True)
class RowError:
    field: str
    code: str


@dataclass
class PreviewRow:
    line: int  # the row's number in the file (the heading is row 1)
    values: dict[str, str | None]
    action: str = "new"  # new | update | unchanged | merged | error
    errors: list[RowError] = field(default_factory=list)
    merged_into: int | None = None  # the earlier line of the same e-mail


@dataclass
class Preview:
    rows: list[PreviewRow]
    columns: list[str]  # the fields found in the heading
    counts: dict[str, int]


def describe(error: RowError | PeopleError, lang: str) -> str:
    """An error in words, in ``lang``: "e-mail: This is not an e-mail address."."""
    _ = gettext_for(lang)
    text = _(MESSAGES.get(error.code, error.code))
    return f"{_(FIELD_NAMES[error.field])}: {text}" if error.field in FIELD_NAMES else text


# --- reading files ------------------------------------------------------------------------------------


def _key(heading: object) -> str | None:
    text = re.sub(r"[\s_\-]", "", str(heading or "")).lower().lstrip("\ufeff")
    return _HEADING.get(text) or _HEADING.get(str(heading or "").strip().lower())


def _table(data: bytes, filename: str) -> list[list[str]]:
    """The file's cells as text, row by row (XLSX by its content, else CSV: UTF-8 with or without BOM)."""
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise PeopleError("unreadable") from exc
        sheet = book.worksheets[0]
        rows = [["" if v is None else str(v).strip() for v in row] for row in sheet.iter_rows(values_only=True)]
        book.close()
        return rows
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PeopleError("unreadable") from exc
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:  # a cell over the csv module's field limit (128 KiB) or a stray NUL: the file can't be read
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as exc:
        raise PeopleError("unreadable") from exc


def _clean(raw: dict[str, str]) -> tuple[dict[str, str | None], list[RowError]]:
    errors: list[RowError] = []
    values: dict[str, str | None] = {k: (raw.get(k) or "").strip() or None for k in FIELDS}
    for key in FIELDS:
        value = values[key]
        if value is not None and has_control(value):
            errors.append(RowError(key, "control_characters"))
            values[key] = None  # not shown back, never stored
        elif value is not None and value.startswith(FORMULA):
            errors.append(RowError(key, "formula"))
    for key, limit in LIMITS.items():
        value = values[key]
        if value is not None and len(value) > limit:
            errors.append(RowError(key, "too_long"))
            values[key] = value[:limit]
    email = (values["email"] or "").lower()
    values["email"] = email or None
    if not email:
        errors.append(RowError("email", "missing_email"))
    elif not EMAIL.match(email):
        errors.append(RowError("email", "bad_email"))
    if not values["name"]:
        errors.append(RowError("name", "missing_name"))
    if values["lang"] is not None:
        lang = normalise(values["lang"])
        if lang is None:
            errors.append(RowError("lang", "bad_lang"))
        values["lang"] = lang
    manager = values["manager_email"]
    if manager is not None:
        values["manager_email"] = manager.lower()
        if not EMAIL.match(manager):
            errors.append(RowError("manager_email", "bad_manager_email"))
    return values, errors


def read_rows(data: bytes, filename: str) -> tuple[list[str], list[PreviewRow]]:
    table = [row for row in _table(data, filename)]
    while table and not any(table[0]):
        table.pop(0)
    if not table:
        raise PeopleError("no_header")
    keys = [_key(h) for h in table[0]]
    if "email" not in keys or "name" not in keys:
        raise PeopleError("no_header")
    if len(table) - 1 > MAX_ROWS:
        raise PeopleError("too_many_rows")
    if any(len(row) > MAX_COLUMNS for row in table):
        raise PeopleError("too_many_columns")
    rows: list[PreviewRow] = []
    for number, cells in enumerate(table[1:], start=2):
        if not any(cells):
            continue
        raw = {k: cells[i] for i, k in enumerate(keys) if k is not None and i < len(cells)}
        values, errors = _clean(raw)
        if any(len(cell) > MAX_CELL for cell in cells) and not any(e.code == "too_long" for e in errors):
            errors.append(RowError("", "too_long"))
        rows.append(PreviewRow(number, values, "error" if errors else "new", errors))
    return [k for k in FIELDS if k in keys], rows


# --- preview and apply --------------------------------------------------------------------------------


def _merge(base: dict[str, str | None], later: dict[str, str | None]) -> dict[str, str | None]:
    """A later row of the same e-mail fills in and overrides; its empty cells change nothing."""
    return base | {k: v for k, v in later.items() if v is not None}


def _plan(session: Session, org_id: str, columns: list[str], rows: list[PreviewRow]) -> dict[str, dict[str, Any]]:
    """Mark each row's action; return the merged values per e-mail to write."""
    merged: dict[str, dict[str, Any]] = {}
    first_line: dict[str, PreviewRow] = {}
    for row in rows:
        if row.errors:
            continue
        email = str(row.values["email"])
        if email in first_line:
            row.action, row.merged_into = "merged", first_line[email].line
            merged[email] = _merge(merged[email], row.values)
        else:
            first_line[email] = row
            merged[email] = dict(row.values)
    existing: dict[str, Person] = {}
    emails = list(merged)
    for start in range(0, len(emails), 500):
        chunk = emails[start : start + 500]
        query = select(Person).where(col(Person.org_id) == org_id, col(Person.email).in_(chunk))
        existing.update({p.email: p for p in session.exec(query)})
    for email, values in merged.items():
        person = existing.get(email)
        if person is not None:
            changed = any(v is not None and getattr(person, k) != v for k, v in values.items())
            first_line[email].action = "update" if changed else "unchanged"
            values["_person"] = person
    return merged


def _counts(rows: Iterable[PreviewRow]) -> dict[str, int]:
    counts = dict.fromkeys(("new", "update", "unchanged", "merged", "error"), 0)
    for row in rows:
        counts[row.action] += 1
    return counts


def preview(db: Database, org_id: str, data: bytes, filename: str) -> Preview:
    """What importing this file would do; writes nothing. Raises :class:`PeopleError` for an unreadable file."""
    columns, rows = read_rows(data, filename)
    with db.read() as session:
        _plan(session, org_id, columns, rows)
    return Preview(rows, columns, _counts(rows))


def apply(db: Database, org_id: str, data: bytes, filename: str, now: datetime) -> Preview:
    """Import the file (as :func:`preview` said, re-checked inside the write transaction)."""
    columns, rows = read_rows(data, filename)
    return apply_checked(db, org_id, columns, rows, now)


def apply_checked(db: Database, org_id: str, columns: list[str], rows: list[PreviewRow], now: datetime) -> Preview:
    """Import rows already read and checked (a preview's, from :func:`unpack`): only what can change since
    the preview is looked at again, inside the write transaction: who is already in the list (added or
    changed meanwhile), hence new, update, unchanged and the duplicates of the file."""
    for row in rows:  # the plan of the preview is made again against the list as it is now
        row.action, row.merged_into = ("error" if row.errors else "new"), None
    with db.write() as session:
        new: list[dict[str, Any]] = []
        for values in _plan(session, org_id, columns, rows).values():
            person = values.pop("_person", None)
            if person is None:
                # plain rows, one batched Core INSERT: building 10,000 ORM objects took seconds (bench/rollout.py)
                made = (
                    {"department": None, "level": None, "lang": "en", "manager_email": None}
                    | {k: v for k, v in values.items() if v is not None}
                    | {"id": new_public_id(), "org_id": org_id, "created_at": now, "updated_at": now}
                )
                made["search_text"] = text_search.document(made["name"], made["department"], made["email"])
                new.append(made)
                continue
            changed = False
            for key, value in values.items():
                if value is not None and getattr(person, key) != value:
                    setattr(person, key, value)
                    changed = True
            if changed:
                person.updated_at = now
                person.search_text = text_search.document(person.name, person.department, person.email)
        if new:
            session.execute(Person.__table__.insert(), new)  # type: ignore[attr-defined]
    return Preview(rows, columns, _counts(rows))


# --- the checked rows, kept between the preview and the apply (app/services/staged_imports.py) ----------

PACKED = b"rolefit-people-rows/1\n"  # what a packed preview starts with (a CSV or XLSX never does)


def pack(preview: Preview) -> bytes:
    """The preview's checked rows, compact (JSON arrays, the fields in :data:`FIELDS` order), so that the
    apply does not read and check the file again."""
    rows = [
        [row.line, [row.values.get(k) for k in FIELDS], [[e.field, e.code] for e in row.errors]] for row in preview.rows
    ]
    body = json.dumps({"columns": preview.columns, "rows": rows}, ensure_ascii=False, separators=(",", ":"))
    return PACKED + body.encode("utf-8")


def is_packed(data: bytes) -> bool:
    return data.startswith(PACKED)


def unpack(data: bytes) -> tuple[list[str], list[PreviewRow]]:
    """The columns and rows of :func:`pack` (their actions are planned again by :func:`apply_checked`)."""
    try:
        packed = json.loads(data[len(PACKED) :].decode("utf-8"))
        columns = [str(c) for c in packed["columns"] if c in FIELDS]
        rows = [
            PreviewRow(
                int(line),
                dict(zip(FIELDS, values, strict=True)),
                "error" if errors else "new",
                [RowError(str(f), str(c)) for f, c in errors],
            )
            for line, values, errors in packed["rows"]
        ]
    except (ValueError, KeyError, TypeError) as exc:
        raise PeopleError("unreadable") from exc
    return columns, rows


def add_person(db: Database, org_id: str, raw: dict[str, str], now: datetime) -> Person:
    """One person by hand. Raises :class:`PeopleError` (the first problem) or ``exists`` for a known e-mail."""
    values, errors = _clean(raw)
    if errors:
        raise PeopleError(errors[0].code, errors[0].field)
    with db.write() as session:
        query = select(Person).where(col(Person.org_id) == org_id, col(Person.email) == values["email"])
        if session.exec(query).first() is not None:
            raise PeopleError("exists", "email")
        fields: dict[str, Any] = {k: v for k, v in values.items() if v is not None}
        fields["search_text"] = text_search.document(fields["name"], fields.get("department"), fields["email"])
        person = Person(id=new_public_id(), org_id=org_id, created_at=now, updated_at=now, **fields)
        session.add(person)
    return person


SORTS = {"name": Person.name, "email": Person.email, "department": Person.department, "level": Person.level}


@dataclass(frozen=True)
class PeoplePage:
    people: list[Person]
    total: int  # exact; up to app.search.CAP for a search
    capped: bool = False  # more than ``total``
    has_next: bool = False  # a row after this page
    short: bool = False  # a search of one or two characters: the words that start with it


def list_people(
    db: Database,
    org_id: str,
    *,
    search: str = "",
    limit: int = 50,
    offset: int = 0,
    sort: str = "name",
    descending: bool = False,
) -> PeoplePage:
    """One page of the organisation's people by ``sort`` (then name and e-mail), optionally those whose name,
    e-mail or department holds ``search`` (app.search, as the participants table: the matches counted up to
    ``app.search.CAP`` through the trigram index, a broad search walking the sort's index a page at a time)."""
    key = col(SORTS.get(sort, Person.name))
    order: list[Any] = [key, col(Person.name), col(Person.email)] if sort in ("department", "level") else [key]
    if sort not in SORTS or sort == "name":
        order = [col(Person.name), col(Person.email)]
    if descending:
        order = [o.desc() for o in order]
    conds: list[Any] = [col(Person.org_id) == org_id]
    searching = bool(text_search.fold(search))
    with db.read() as session:
        if searching:
            matching, total = text_search.plan(session, db.dialect, search, Person, conds)
            conds.append(matching)
            cap = text_search.CAP
        else:
            total = int(session.exec(select(func.count()).select_from(Person).where(*conds)).one())
            cap = total  # exact (the organisation index alone; the API's pages need it)
        people = list(session.exec(select(Person).where(*conds).order_by(*order).limit(limit + 1).offset(offset)))
    return PeoplePage(
        people[:limit],
        min(total, cap),
        total > cap,
        has_next=len(people) > limit,
        short=searching and text_search.short(search),
    )
