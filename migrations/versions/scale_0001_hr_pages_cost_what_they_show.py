"""HR pages that cost what they show: per-cohort counters and an organisation rollup kept by triggers,
indexes for the export and the organisation-wide candidates, no redundant indexes.

- ``cohort.participants`` / ``cohort.finished``: /hr and the cohort page read them instead of grouping
  every participation of the organisation.
- ``participation_rollup``: finished participants summed per (organisation, day, department, level,
  role) and again per month; the organisation-wide dashboard reads these sums instead of every
  person (whole months from the month rows, the edge days of a date filter from the day rows).
- Both are kept by triggers on ``participation`` (SQLite triggers; a PL/pgSQL function on PostgreSQL), so
  every write path keeps them right in its own transaction: a join, a finish, a withdrawal, and deletes
  cascading from an assessment, a cohort or an organisation.
- Dropped: ``ix_participation_by_department`` / ``_by_level`` (a cohort's dashboard now reads the covering
  ``ix_participation_summary`` once), ``ix_answer_assessment_id`` (the leading column of ``uq_answer_item``),
  ``ix_participation_cohort_id`` (the leading column of ``uq_participation``) and
  ``ix_participation_org_id`` (the leading column of the new candidates indexes).

Note for later migrations: on SQLite, a ``batch_alter_table`` that recreates ``participation`` drops
its triggers; re-create them with :func:`create_triggers` (tests/app/test_query_plans.py checks them).

Revision ID: scale_0001
Revises: rollout_0003
Create Date: 2026-12-01 23:55:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "scale_0001"
down_revision: str | Sequence[str] | None = "rollout_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DIMS = ("scope", "stakeholders", "horizon", "capability", "position", "career")
GAP_BITS = 24
READY, NEAR = 80, 60  # app.services.hr.READY / NEAR
KEY = ("org_id", "grain", "day", "department", "level", "current_role")
# each person is summed twice: by day (grain 'd') and by month ('m', day = the month's first day); a
# date range reads its whole months from the month rows and only its edge days from the day rows
DAY = {
    "sqlite": {"d": "date({row}.finished_at)", "m": "date({row}.finished_at, 'start of month')"},
    "postgresql": {"d": "({row}.finished_at)::date", "m": "(date_trunc('month', {row}.finished_at))::date"},
}
WATCHED = (
    "org_id", "cohort_id", "finished_at", "department", "level", "current_role", "recommendation",
    "readiness_am", "readiness_pm", "gaps_fit", *(f"d_{d}" for d in DIMS),
)  # fmt: skip


def _rollup_columns() -> list[sa.Column[object]]:
    cols: list[sa.Column[object]] = [
        sa.Column("org_id", sa.String(32), sa.ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("grain", sa.String(1), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("department", sa.String(100), primary_key=True),
        sa.Column("level", sa.String(100), primary_key=True),
        sa.Column("current_role", sa.String(16), primary_key=True),
    ]
    for name in ("n", "n_am", "n_pm", "n_hybrid", "ready_am", "near_am", "ready_pm", "near_pm"):
        cols.append(sa.Column(name, sa.Integer(), nullable=False))
    for d in DIMS:
        cols.append(sa.Column(f"s_{d}", sa.Float(), nullable=False, server_default="0"))
        cols.append(sa.Column(f"c_{d}", sa.Integer(), nullable=False, server_default="0"))
    for bit in range(GAP_BITS):
        cols.append(sa.Column(f"g{bit}", sa.Integer(), nullable=False, server_default="0"))
    return cols


def _contribution(row: str, sign: int, day: str, grain: str) -> dict[str, str]:
    """Column -> expression: what one participant (``row`` = NEW or OLD) adds (sign 1) or removes (-1)."""

    def flag(cond: str) -> str:
        return f"(CASE WHEN {cond} THEN {sign} ELSE 0 END)"

    out = {
        "org_id": f"{row}.org_id",
        "grain": f"'{grain}'",
        "day": day.format(row=row),
        "department": f"coalesce({row}.department, '')",
        "level": f"coalesce({row}.level, '')",
        "current_role": f"{row}.current_role",
        "n": str(sign),
        "n_am": flag(f"{row}.recommendation = 'AM'"),
        "n_pm": flag(f"{row}.recommendation = 'PM'"),
        "n_hybrid": flag(f"{row}.recommendation = 'HYBRID'"),
    }
    for track in ("am", "pm"):
        r = f"{row}.readiness_{track}"
        out[f"ready_{track}"] = flag(f"{r} >= {READY}")
        out[f"near_{track}"] = flag(f"{r} >= {NEAR} AND {r} < {READY}")
    for d in DIMS:
        out[f"s_{d}"] = f"({sign} * coalesce({row}.d_{d}, 0))"
        out[f"c_{d}"] = flag(f"{row}.d_{d} IS NOT NULL")
    for bit in range(GAP_BITS):
        out[f"g{bit}"] = f"({sign} * (({row}.gaps_fit >> {bit}) & 1))"
    return out


def _names(columns: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)  # quoted: current_role is a keyword on PostgreSQL


def _upsert(row: str, sign: int, dialect: str, where: str) -> str:
    """Both grains: two upserts, joined with ';'."""
    out = []
    for grain, day in DAY[dialect].items():
        values = _contribution(row, sign, day, grain)
        sums = ", ".join(f"{c} = participation_rollup.{c} + excluded.{c}" for c in values if c not in KEY)
        out.append(
            f"INSERT INTO participation_rollup ({_names(list(values))}) SELECT {', '.join(values.values())} "
            f"WHERE {where} ON CONFLICT ({_names(KEY)}) DO UPDATE SET {sums}"
        )
    return "; ".join(out)


def _count(row: str, sign: int) -> str:
    op_ = "+" if sign > 0 else "-"
    return (
        f"UPDATE cohort SET participants = participants {op_} 1, "  # noqa: S608 (fixed names, no input)
        f"finished = finished {op_} (CASE WHEN {row}.finished_at IS NOT NULL THEN 1 ELSE 0 END) "
        f"WHERE id = {row}.cohort_id"
    )


def create_triggers(dialect: str) -> None:
    if dialect == "sqlite":
        day = "sqlite"
        old_, new_ = "OLD.finished_at IS NOT NULL", "NEW.finished_at IS NOT NULL"
        op.execute(
            "CREATE TRIGGER participation_after_insert AFTER INSERT ON participation BEGIN "
            f"{_count('NEW', 1)}; {_upsert('NEW', 1, day, new_)}; END"
        )
        op.execute(
            "CREATE TRIGGER participation_after_delete AFTER DELETE ON participation BEGIN "
            f"{_count('OLD', -1)}; {_upsert('OLD', -1, day, old_)}; END"
        )
        op.execute(
            f"CREATE TRIGGER participation_after_update AFTER UPDATE OF {_names(WATCHED)} ON participation BEGIN "
            f"{_count('OLD', -1)}; {_count('NEW', 1)}; "
            f"{_upsert('OLD', -1, day, old_)}; {_upsert('NEW', 1, day, new_)}; END"
        )
        return
    day = "postgresql"
    op.execute(
        "CREATE FUNCTION participation_keep_sums() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
        "  IF TG_OP IN ('UPDATE', 'DELETE') THEN\n"
        f"    {_count('OLD', -1)};\n"
        f"    IF OLD.finished_at IS NOT NULL THEN {_upsert('OLD', -1, day, 'true')}; END IF;\n"
        "  END IF;\n"
        "  IF TG_OP IN ('UPDATE', 'INSERT') THEN\n"
        f"    {_count('NEW', 1)};\n"
        f"    IF NEW.finished_at IS NOT NULL THEN {_upsert('NEW', 1, day, 'true')}; END IF;\n"
        "  END IF;\n"
        "  RETURN NULL;\nEND\n$$"
    )
    op.execute(
        "CREATE TRIGGER participation_keep_sums_iud AFTER INSERT OR DELETE ON participation "
        "FOR EACH ROW EXECUTE FUNCTION participation_keep_sums()"
    )
    op.execute(
        f"CREATE TRIGGER participation_keep_sums_u AFTER UPDATE OF {_names(WATCHED)} ON participation "
        "FOR EACH ROW EXECUTE FUNCTION participation_keep_sums()"
    )


def drop_triggers(dialect: str) -> None:
    if dialect == "sqlite":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS participation_after_{name}")
        return
    op.execute("DROP TRIGGER IF EXISTS participation_keep_sums_iud ON participation")
    op.execute("DROP TRIGGER IF EXISTS participation_keep_sums_u ON participation")
    op.execute("DROP FUNCTION IF EXISTS participation_keep_sums()")


def _backfill(dialect: str) -> None:
    op.execute(
        "UPDATE cohort SET participants = (SELECT count(*) FROM participation p WHERE p.cohort_id = cohort.id), "
        "finished = (SELECT count(p.finished_at) FROM participation p WHERE p.cohort_id = cohort.id)"
    )
    for grain, day in DAY[dialect].items():
        values = _contribution("p", 1, day, grain)
        sums = [f"sum({expr})" if c not in KEY else expr for c, expr in values.items()]
        keys = [values[k] for k in KEY if k != "grain"]
        op.execute(
            f"INSERT INTO participation_rollup ({_names(list(values))}) SELECT {', '.join(sums)} FROM participation p "  # noqa: S608
            f"WHERE p.finished_at IS NOT NULL GROUP BY {', '.join(keys)}"
        )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.drop_index("ix_answer_assessment_id", table_name="answer")
    op.drop_index("ix_participation_cohort_id", table_name="participation")
    op.drop_index("ix_participation_org_id", table_name="participation")
    # a cohort's aggregates and heatmap are one grouped read of the covering ix_participation_summary
    op.drop_index("ix_participation_by_department", table_name="participation")
    op.drop_index("ix_participation_by_level", table_name="participation")
    op.create_index("ix_participation_export", "participation", ["cohort_id", "visibility", "display_name"])
    rest = ["display_name", "current_role", "department", "level", "finished_at"]
    for track in ("am", "pm"):
        op.create_index(
            f"ix_participation_candidates_{track}",
            "participation",
            ["org_id", "recommendation", "visibility", f"readiness_{track}", *rest, f"gaps_{track}"],
        )
    op.add_column("cohort", sa.Column("participants", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("cohort", sa.Column("finished", sa.Integer(), nullable=False, server_default="0"))
    op.create_table("participation_rollup", *_rollup_columns())
    _backfill(dialect)
    create_triggers(dialect)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    drop_triggers(dialect)
    op.drop_table("participation_rollup")
    # not batch_alter_table: on SQLite it rebuilds cohort, and dropping the old table deletes its rows
    # first, which cascades to every participation (foreign keys are on)
    for name in ("finished", "participants"):
        if dialect == "sqlite":
            op.execute(f"ALTER TABLE cohort DROP COLUMN {name}")
        else:
            op.drop_column("cohort", name)
    for track in ("am", "pm"):
        op.drop_index(f"ix_participation_candidates_{track}", table_name="participation")
    op.drop_index("ix_participation_export", table_name="participation")
    op.create_index("ix_participation_org_id", "participation", ["org_id"])
    for name, first, second in (("by_department", "department", "level"), ("by_level", "level", "department")):
        op.create_index(
            f"ix_participation_{name}",
            "participation",
            ["cohort_id", first, second, "current_role", "finished_at", *(f"d_{d}" for d in DIMS)],
        )
    op.create_index("ix_participation_cohort_id", "participation", ["cohort_id"])
    op.create_index("ix_answer_assessment_id", "answer", ["assessment_id"])
