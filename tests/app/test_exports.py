"""Exports a reader understands: headings, calls, roles and skills in the HR user's language (not codes),
a data dictionary sheet in the XLSX, and plan actions phrased for employees."""

from __future__ import annotations

import csv
import io
import random
from typing import Any

import pytest
from openpyxl import load_workbook

from app.i18n import gettext_for
from app.models import utcnow
from app.services import hr
from app.services.demo import add_simulated
from scoring.labels import defaults, fill
from scoring.model import Bank
from tests.app.conftest import Browser
from tests.app.test_hr import PASSWORD, make_org

CODES = ("needs_discovery", "stakeholder_communication", "NOCALL", "HYBRID", "readiness_am", "d_scope")


def exported(app: Any, bank: Bank, lang: str) -> tuple[Browser, str]:
    org_id, email = make_org(app)
    cohort, _ = hr.create_cohort(app.state.db, org_id, name="Spring", departments=["Sales"], levels=[], now=utcnow())
    add_simulated(app.state.db, bank, org_id, cohort.id, n=40, rng=random.Random(7), now=utcnow())
    b = Browser(app, lang=lang)
    assert b.post("/hr/login", {"email": email, "password": PASSWORD, "next": "/hr"}).status_code == 303
    return b, cohort.id


def role_names(bank: Bank, lang: str) -> set[str]:
    role = next(c for c in bank.context if c.field == "current_role")
    return {fill(o.text[lang], defaults(bank.tracks, lang)) for o in role.options}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("lang", ["zh-Hans", "vi", "en"])
def test_exports_speak_the_hr_users_language(app: Any, bank: Bank, lang: str) -> None:
    _ = gettext_for(lang)
    name, fit, dictionary = _("Name"), _("Fit"), _("Data dictionary")
    if lang != "en":
        assert name != "Name" and fit != "Fit" and dictionary != "Data dictionary"
    b, cohort = exported(app, bank, lang)
    text = b.get(f"/hr/cohorts/{cohort}/export.csv").text
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) > 20
    assert name in rows[0] and fit in rows[0], list(rows[0])
    if lang != "en":  # no English heading left
        assert not [h for h in rows[0] if h.isascii() and h.replace(" ", "").isalpha()], list(rows[0])
    for code in CODES:
        assert code not in text, code
    roles = role_names(bank, lang)
    role_column = [k for k in rows[0] if all(r[k] in roles for r in rows)]
    assert role_column, "no column holds the roles in words"
    skills = {fill(s.name[lang], defaults(bank.tracks, lang)) for s in bank.skills}
    gaps = [g for r in rows for k, v in r.items() if v and "; " in v for g in v.split("; ")]
    assert gaps and set(gaps) <= skills
    book = load_workbook(io.BytesIO(b.get(f"/hr/cohorts/{cohort}/export.xlsx").content))
    assert len(book.sheetnames) == 2 and book.sheetnames[1] == dictionary
    data, guide = book.worksheets
    headings = [c.value for c in data[1]]
    described = [row[0] for row in guide.iter_rows(min_row=2, values_only=True)]
    assert described == headings  # every column explained, in order
    for row in guide.iter_rows(min_row=2, values_only=True):
        assert row[1] and row[2], row  # a meaning and the values for each
    for code in CODES:
        assert all(code not in str(v) for r in data.iter_rows(values_only=True) for v in r if v is not None)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_gap_actions_for_employees_are_workplace_actions(app: Any, bank: Bank) -> None:
    student_only = {a.id for a in bank.actions if set(a.from_roles) == {"student"}}
    assert student_only  # the bank has them (for students taking the quiz alone)
    for skill in bank.skills:
        for track in (None, "am", "pm"):
            chosen = hr.employee_actions(bank, skill.id, track)
            assert not set(chosen) & student_only
            assert all(skill.id in bank.action(a).skills for a in chosen)
    b, cohort = exported(app, bank, "en")
    page = b.get(f"/hr/cohorts/{cohort}").text
    assert "internship" not in page.lower() and "Most common skill gaps" in page
