"""The ward's day hours on care teams, discharge time on enrolments, patients by phone.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 00:20:00
"""

from collections.abc import Sequence
from datetime import time

import sqlalchemy as sa
from alembic import op

import backend.db

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("care_teams", schema=None) as batch_op:
        batch_op.add_column(sa.Column("day_start", sa.Time(), nullable=True))
        batch_op.add_column(sa.Column("day_end", sa.Time(), nullable=True))
        batch_op.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))
    # Bound values, not SQL literals: SQLite and PostgreSQL store a TIME differently.
    teams = sa.table("care_teams", sa.column("day_start", sa.Time()),
                     sa.column("day_end", sa.Time()), sa.column("timezone", sa.String()))
    op.execute(teams.update().values(day_start=time(8), day_end=time(18),
                                     timezone="Europe/Paris"))
    with op.batch_alter_table("care_teams", schema=None) as batch_op:
        batch_op.alter_column("day_start", existing_type=sa.Time(), nullable=False)
        batch_op.alter_column("day_end", existing_type=sa.Time(), nullable=False)
        batch_op.alter_column("timezone", existing_type=sa.String(length=64), nullable=False)

    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("discharge_at", backend.db.UTCDateTime(timezone=True),
                                      nullable=True))
    # Enrolments made before the field existed started their follow-up when enrolled.
    op.execute("UPDATE enrollments SET discharge_at = created_at")
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.alter_column("discharge_at", existing_type=backend.db.UTCDateTime(timezone=True),
                              nullable=False)

    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patients_phone"), ["phone"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patients_phone"))
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_column("discharge_at")
    with op.batch_alter_table("care_teams", schema=None) as batch_op:
        batch_op.drop_column("timezone")
        batch_op.drop_column("day_end")
        batch_op.drop_column("day_start")
