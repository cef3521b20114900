"""Questionnaires by SMS: the conversation of each task asked one question at a time.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "status = 'open'"


def upgrade() -> None:
    op.create_table(
        "sms_conversations",
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("enrollment_id", sa.Uuid(), nullable=False),
        sa.Column("questionnaire", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("strikes", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("created_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("idle_until", backend.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", backend.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("submission_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("status IN ('queued', 'open', 'done', 'expired', 'stopped')",
                           name=op.f("ck_sms_conversations_status")),
        sa.ForeignKeyConstraint(["enrollment_id"], ["enrollments.id"],
                                name=op.f("fk_sms_conversations_enrollment_id_enrollments")),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"],
                                name=op.f("fk_sms_conversations_patient_id_patients")),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"],
                                name=op.f("fk_sms_conversations_task_id_tasks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_conversations")),
        sa.UniqueConstraint("task_id", name=op.f("uq_sms_conversations_task_id")),
    )
    with op.batch_alter_table("sms_conversations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sms_conversations_patient_id"), ["patient_id"],
                              unique=False)
        batch_op.create_index("ix_sms_conversations_open_idle", ["idle_until"], unique=False,
                              postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))


def downgrade() -> None:
    with op.batch_alter_table("sms_conversations", schema=None) as batch_op:
        batch_op.drop_index("ix_sms_conversations_open_idle", postgresql_where=sa.text(OPEN),
                            sqlite_where=sa.text(OPEN))
        batch_op.drop_index(batch_op.f("ix_sms_conversations_patient_id"))
    op.drop_table("sms_conversations")
