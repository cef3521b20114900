"""The ward's number for patients (shown in the patient app with the day hours), sealed
at rest like every phone number; and whether a carer measures, for an enrolled patient,
what they cannot (breathing rate, consciousness).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("care_teams", schema=None) as batch_op:
        batch_op.add_column(sa.Column("patient_phone", sa.Text(), nullable=True))
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("carer_measures", sa.Boolean(),
                                      server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_column("carer_measures")
    with op.batch_alter_table("care_teams", schema=None) as batch_op:
        batch_op.drop_column("patient_phone")
