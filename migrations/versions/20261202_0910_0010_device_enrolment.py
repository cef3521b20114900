"""Device tokens name the enrolment they were paired for: they stop working when its
follow-up ends (plus a grace period).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 09:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("device_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enrollment_id", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_device_tokens_enrollment_id"), ["enrollment_id"],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_device_tokens_enrollment_id_enrollments"),
                                    "enrollments", ["enrollment_id"], ["id"])
    # A token paired before: the enrolment of the last code its patient used by then,
    # else the patient's latest enrolment.
    op.execute("""
        UPDATE device_tokens SET enrollment_id = (
            SELECT activation_codes.enrollment_id FROM activation_codes
            JOIN enrollments ON enrollments.id = activation_codes.enrollment_id
            WHERE enrollments.patient_id = device_tokens.patient_id
              AND activation_codes.used_at IS NOT NULL
              AND activation_codes.used_at <= device_tokens.created_at
            ORDER BY activation_codes.used_at DESC LIMIT 1)""")
    op.execute("""
        UPDATE device_tokens SET enrollment_id = (
            SELECT enrollments.id FROM enrollments
            WHERE enrollments.patient_id = device_tokens.patient_id
            ORDER BY enrollments.created_at DESC LIMIT 1)
        WHERE enrollment_id IS NULL""")


def downgrade() -> None:
    with op.batch_alter_table("device_tokens", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_device_tokens_enrollment_id_enrollments"),
                                 type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_device_tokens_enrollment_id"))
        batch_op.drop_column("enrollment_id")
