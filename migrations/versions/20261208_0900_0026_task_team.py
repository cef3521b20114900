"""Each task keeps its enrolment's team, indexed with its due time: the indicators' answer
rates read their team's tasks, not the whole hospital's.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-08 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("care_team_id", sa.Uuid(), nullable=True))
    # An enrolment never changes team: its tasks take the one it has.
    op.execute("UPDATE tasks SET care_team_id = (SELECT enrollments.care_team_id"
               " FROM enrollments WHERE enrollments.id = tasks.enrollment_id)")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.alter_column("care_team_id", existing_type=sa.Uuid(), nullable=False)
        batch_op.create_foreign_key(batch_op.f("fk_tasks_care_team_id_care_teams"), "care_teams",
                                    ["care_team_id"], ["id"])
        batch_op.create_index("ix_tasks_team_due", ["care_team_id", "due_at"])


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_team_due")
        batch_op.drop_constraint(batch_op.f("fk_tasks_care_team_id_care_teams"), type_="foreignkey")
        batch_op.drop_column("care_team_id")
