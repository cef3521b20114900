"""The outcome of a follow-up: readmission, emergency visit or unplanned consultation
within 30 days of discharge (or none), recorded by the care team.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "follow_up_outcomes",
        sa.Column("enrollment_id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("(kind = 'none') = (event_date IS NULL)",
                           name=op.f("ck_follow_up_outcomes_event_date")),
        sa.CheckConstraint("kind IN ('readmission', 'emergency_visit', "
                           "'unplanned_consultation', 'none')",
                           name=op.f("ck_follow_up_outcomes_kind")),
        sa.ForeignKeyConstraint(["enrollment_id"], ["enrollments.id"],
                                name=op.f("fk_follow_up_outcomes_enrollment_id_enrollments")),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"],
                                name=op.f("fk_follow_up_outcomes_patient_id_patients")),
        sa.ForeignKeyConstraint(["recorded_by"], ["staff_users.id"],
                                name=op.f("fk_follow_up_outcomes_recorded_by_staff_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up_outcomes")),
        sa.UniqueConstraint("enrollment_id", name=op.f("uq_follow_up_outcomes_enrollment_id")),
    )
    with op.batch_alter_table("follow_up_outcomes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follow_up_outcomes_patient_id"), ["patient_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("follow_up_outcomes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_up_outcomes_patient_id"))
    op.drop_table("follow_up_outcomes")
