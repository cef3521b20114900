"""A patient's own reminder time: the enrolment keeps it, each task keeps when its
reminder goes (never after it is due), and the reminder job looks for that.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-09 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = "status = 'pending' AND reminded_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminder_time", sa.String(length=5), nullable=True))
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("remind_at", backend.db.UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE tasks SET remind_at = due_at")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.alter_column("remind_at", existing_type=backend.db.UTCDateTime(timezone=True),
                              nullable=False)
    op.drop_index("ix_tasks_pending_due", table_name="tasks")
    op.create_index("ix_tasks_pending_remind", "tasks", ["remind_at"], unique=False,
                    postgresql_where=sa.text(PENDING), sqlite_where=sa.text(PENDING))


def downgrade() -> None:
    op.drop_index("ix_tasks_pending_remind", table_name="tasks")
    op.create_index("ix_tasks_pending_due", "tasks", ["due_at"], unique=False,
                    postgresql_where=sa.text(PENDING), sqlite_where=sa.text(PENDING))
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_column("remind_at")
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_column("reminder_time")
