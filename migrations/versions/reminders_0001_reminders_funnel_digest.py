"""Reminders, the funnel, the HR digest and staged imports

- ``cohort``: ``reminder_days`` (the schedule), and the funnel's counters: ``invited`` / ``opened`` (written
  by the app with the invitations they count), ``identified`` / ``identified_finished`` / ``withdrawn``
  (kept by triggers on participation, beside scale_0001's, in the same transaction as every write).
- ``person.reminders_stopped_at``; ``personal_invitation.opened_at`` and ``participation_id``.
- ``mail_token`` (a reminder's join link, stop links), ``reminder`` (one row per step: at most once),
  ``digest_subscription`` / ``digest_run`` (daily at most), ``staged_import`` (a previewed people file).

Columns are added in place (never ``batch_alter_table`` on a parent table: on SQLite its rebuild cascades).

Revision ID: reminders_0001
Revises: a11y_0001
Create Date: 2026-12-02 03:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "reminders_0001"
down_revision: str | Sequence[str] | None = "a11y_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTERS = ("identified", "identified_finished", "withdrawn", "invited", "opened")


def _count(row: str, sign: int) -> str:
    op_ = "+" if sign > 0 else "-"
    ident = f"(CASE WHEN {row}.visibility = 'identified' THEN 1 ELSE 0 END)"
    done = f"(CASE WHEN {row}.visibility = 'identified' AND {row}.finished_at IS NOT NULL THEN 1 ELSE 0 END)"
    return (
        f"UPDATE cohort SET identified = identified {op_} {ident}, "  # noqa: S608 (fixed names, no input)
        f"identified_finished = identified_finished {op_} {done} WHERE id = {row}.cohort_id"
    )


WITHDRAWN = "UPDATE cohort SET withdrawn = withdrawn + 1 WHERE id = OLD.cohort_id"


def create_triggers(dialect: str) -> None:
    if dialect == "sqlite":
        op.execute(f"CREATE TRIGGER funnel_after_insert AFTER INSERT ON participation BEGIN {_count('NEW', 1)}; END")
        op.execute(
            "CREATE TRIGGER funnel_after_delete AFTER DELETE ON participation BEGIN "
            f"{_count('OLD', -1)}; {WITHDRAWN}; END"
        )
        op.execute(
            "CREATE TRIGGER funnel_after_update AFTER UPDATE OF visibility, finished_at, cohort_id ON participation "
            f"BEGIN {_count('OLD', -1)}; {_count('NEW', 1)}; END"
        )
        return
    op.execute(
        "CREATE FUNCTION participation_keep_funnel() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
        "  IF TG_OP IN ('UPDATE', 'DELETE') THEN\n"
        f"    {_count('OLD', -1)};\n"
        "  END IF;\n"
        f"  IF TG_OP = 'DELETE' THEN\n    {WITHDRAWN};\n  END IF;\n"
        "  IF TG_OP IN ('UPDATE', 'INSERT') THEN\n"
        f"    {_count('NEW', 1)};\n"
        "  END IF;\n"
        "  RETURN NULL;\nEND\n$$"
    )
    op.execute(
        "CREATE TRIGGER participation_keep_funnel_iud AFTER INSERT OR DELETE ON participation "
        "FOR EACH ROW EXECUTE FUNCTION participation_keep_funnel()"
    )
    op.execute(
        "CREATE TRIGGER participation_keep_funnel_u AFTER UPDATE OF visibility, finished_at, cohort_id "
        "ON participation FOR EACH ROW EXECUTE FUNCTION participation_keep_funnel()"
    )


def drop_triggers(dialect: str) -> None:
    if dialect == "sqlite":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS funnel_after_{name}")
        return
    op.execute("DROP TRIGGER IF EXISTS participation_keep_funnel_iud ON participation")
    op.execute("DROP TRIGGER IF EXISTS participation_keep_funnel_u ON participation")
    op.execute("DROP FUNCTION IF EXISTS participation_keep_funnel()")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name in COUNTERS:
        op.add_column("cohort", sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    op.add_column("cohort", sa.Column("reminder_days", sa.JSON(), nullable=False, server_default="[]"))
    op.add_column("person", sa.Column("reminders_stopped_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.add_column("personal_invitation", sa.Column("opened_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.add_column(
        "personal_invitation",
        sa.Column("participation_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    )
    op.create_index("ix_personal_invitation_participation_id", "personal_invitation", ["participation_id"])
    op.create_table(
        "mail_token",
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("personal_invitation_id", sa.String(length=32), nullable=False),
        sa.Column("purpose", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["personal_invitation_id"], ["personal_invitation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_mail_token_personal_invitation_id", "mail_token", ["personal_invitation_id"])
    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("personal_invitation_id", sa.String(length=32), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("skipped", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.ForeignKeyConstraint(["personal_invitation_id"], ["personal_invitation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("personal_invitation_id", "step", name="uq_reminder_step"),
    )
    op.create_table(
        "digest_subscription",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["hr_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "digest_run",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("since", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["hr_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "day"),
    )
    op.create_table(
        "staged_import",
        sa.Column("id_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organisation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["hr_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id_hash"),
    )
    op.create_index("ix_staged_import_expires_at", "staged_import", ["expires_at"])
    create_triggers(dialect)
    op.execute(
        "UPDATE cohort SET "
        "identified = (SELECT count(*) FROM participation p WHERE p.cohort_id = cohort.id "
        "AND p.visibility = 'identified'), "
        "identified_finished = (SELECT count(p.finished_at) FROM participation p WHERE p.cohort_id = cohort.id "
        "AND p.visibility = 'identified'), "
        "invited = (SELECT count(*) FROM personal_invitation i WHERE i.cohort_id = cohort.id)"
    )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    drop_triggers(dialect)
    op.drop_index("ix_staged_import_expires_at", table_name="staged_import")
    op.drop_table("staged_import")
    op.drop_table("digest_run")
    op.drop_table("digest_subscription")
    op.drop_table("reminder")
    op.drop_index("ix_mail_token_personal_invitation_id", table_name="mail_token")
    op.drop_table("mail_token")
    # in place, not batch_alter_table: a rebuild of a parent table cascades on SQLite
    op.drop_index("ix_personal_invitation_participation_id", table_name="personal_invitation")
    op.drop_column("personal_invitation", "participation_id")
    op.drop_column("personal_invitation", "opened_at")
    op.drop_column("person", "reminders_stopped_at")
    op.drop_column("cohort", "reminder_days")
    for name in reversed(COUNTERS):
        op.drop_column("cohort", name)
