"""RGPD: the patient's consents (given at enrolment after reading a version of the
information notice, and their withdrawal), the erasures of a patient's contact data, and
when the retention purge erased the text of a message sent.

Enrolments made before this revision have no consent row: they were enrolled before
consents were recorded in Suivi (the ward's paper record holds them).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.crypto
import backend.db

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consents",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("enrollment_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("notice_version", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("given_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=False),
        sa.Column("withdrawn_at", backend.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("channel IN ('in_person', 'phone', 'written')",
                           name=op.f("ck_consents_channel")),
        sa.CheckConstraint("kind IN ('telesurveillance')", name=op.f("ck_consents_kind")),
        sa.CheckConstraint("(withdrawn_at IS NULL) = (withdrawn_by IS NULL)",
                           name=op.f("ck_consents_withdrawn")),
        sa.ForeignKeyConstraint(["enrollment_id"], ["enrollments.id"],
                                name=op.f("fk_consents_enrollment_id_enrollments")),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"],
                                name=op.f("fk_consents_patient_id_patients")),
        sa.ForeignKeyConstraint(["recorded_by"], ["staff_users.id"],
                                name=op.f("fk_consents_recorded_by_staff_users")),
        sa.ForeignKeyConstraint(["withdrawn_by"], ["staff_users.id"],
                                name=op.f("fk_consents_withdrawn_by_staff_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consents_enrollment_id"), ["enrollment_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_consents_patient_id"), ["patient_id"],
                              unique=False)
    op.create_table(
        "erasure_requests",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("note", backend.crypto.SealedText(), nullable=True),
        sa.Column("requested_by", sa.Uuid(), nullable=False),
        sa.Column("erased_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("reason IN ('patient_request', 'consent_withdrawn', "
                           "'end_of_follow_up', 'deceased', 'duplicate_record', 'other')",
                           name=op.f("ck_erasure_requests_reason")),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"],
                                name=op.f("fk_erasure_requests_patient_id_patients")),
        sa.ForeignKeyConstraint(["requested_by"], ["staff_users.id"],
                                name=op.f("fk_erasure_requests_requested_by_staff_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_requests")),
        sa.UniqueConstraint("patient_id", name=op.f("uq_erasure_requests_patient_id")),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_erased_at", backend.db.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("body_erased_at")
    op.drop_table("erasure_requests")
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consents_patient_id"))
        batch_op.drop_index(batch_op.f("ix_consents_enrollment_id"))
    op.drop_table("consents")
