"""An organisation's role labels, per language: read for its participants, set by its owners."""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import col, select

from app.db import Database
from app.models import OrgRoleLabels, Participation, utcnow
from scoring.labels import PLACEHOLDERS, label_problem


def of_org(db: Database, org_id: str, lang: str) -> dict[str, str] | None:
    """The organisation's labels in ``lang`` (placeholder name -> label), or None when it set none."""
    with db.read() as session:
        row = session.get(OrgRoleLabels, (org_id, lang))
        return {name: getattr(row, name) for name in PLACEHOLDERS} if row else None


def for_assessment(db: Database, assessment_id: str, lang: str) -> dict[str, str] | None:
    """The labels of the organisation whose cohort this assessment joined (the latest), if any."""
    with db.read() as session:
        row = session.exec(
            select(OrgRoleLabels)
            .join(Participation, col(Participation.org_id) == col(OrgRoleLabels.org_id))
            .where(Participation.assessment_id == assessment_id, OrgRoleLabels.lang == lang)
            .order_by(col(Participation.consented_at).desc())
            .limit(1)
        ).first()
        return {name: getattr(row, name) for name in PLACEHOLDERS} if row else None


def problems(values: Mapping[str, str]) -> dict[str, str]:
    """Field -> problem code (empty, too_long, bad_character) for each label that cannot be stored."""
    found = {name: label_problem(values.get(name, "")) for name in PLACEHOLDERS}
    return {name: code for name, code in found.items() if code}


def save(db: Database, org_id: str, lang: str, values: Mapping[str, str]) -> dict[str, str]:
    """Store the labels when all four are valid; return the problems (nothing stored when there are any)."""
    found = problems(values)
    if found:
        return found
    clean = {name: values[name].strip() for name in PLACEHOLDERS}
    with db.write() as session:
        row = session.get(OrgRoleLabels, (org_id, lang))
        if row is None:
            row = OrgRoleLabels(org_id=org_id, lang=lang, account="", account_short="", delivery="", delivery_short="")
        for name, value in clean.items():
            setattr(row, name, value)
        row.updated_at = utcnow()
        session.add(row)
    return {}
