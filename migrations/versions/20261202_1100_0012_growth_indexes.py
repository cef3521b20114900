"""Indexes for a hospital of 100,000 patients: the alert queue's order (a stored
severity rank), the pending tasks the periodic jobs look for, the active enrolments by
the time their tasks are planned until (a new column), a patient's readings, answers and
audit rows newest first.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RANK = "CASE severity WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END"
QUEUED = "status IN ('open', 'acknowledged')"
PENDING_DUE = "status = 'pending' AND reminded_at IS NULL"
PENDING = "status = 'pending'"
ACTIVE = "status = 'active'"


def _partial(predicate: str) -> dict[str, sa.TextClause]:
    return {"postgresql_where": sa.text(predicate), "sqlite_where": sa.text(predicate)}


def upgrade() -> None:
    # Computed by the database (PostgreSQL fills it for every row as the column is added;
    # SQLite's batch mode copies the table, and computes it too).
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("severity_rank", sa.Integer(),
                                      sa.Computed(RANK, persisted=True), nullable=False))
        batch_op.drop_index("ix_alerts_queue")
    op.create_index("ix_alerts_queue", "alerts",
                    [sa.text("severity_rank DESC"),
                     sa.text("coalesce(snoozed_until, created_at)"), "id"],
                    **_partial(QUEUED))
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_due_at")
        batch_op.drop_index("ix_tasks_missed_at")
        batch_op.create_index("ix_tasks_pending_due", ["due_at"], **_partial(PENDING_DUE))
        batch_op.create_index("ix_tasks_pending_missed", ["missed_at"], **_partial(PENDING))
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("planned_until", sa.DateTime(timezone=True),
                                      nullable=True))
    op.create_index("ix_enrollments_active_planned_until", "enrollments", ["planned_until"],
                    **_partial(ACTIVE))
    for table, old, new, column in (
            ("readings", "ix_readings_patient_id", "ix_readings_patient_measured",
             "measured_at"),
            ("submissions", "ix_submissions_patient_id", "ix_submissions_patient_submitted",
             "submitted_at")):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(new, ["patient_id", column, "id"])
            batch_op.drop_index(old)
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_patient_at", ["patient_id", "at"])
        batch_op.create_index("ix_audit_events_action_at", ["action", "at"])
        batch_op.drop_index("ix_audit_events_patient_id")
        batch_op.drop_index("ix_audit_events_action")


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_action", ["action"])
        batch_op.create_index("ix_audit_events_patient_id", ["patient_id"])
        batch_op.drop_index("ix_audit_events_action_at")
        batch_op.drop_index("ix_audit_events_patient_at")
    for table, old, new, _ in (
            ("readings", "ix_readings_patient_id", "ix_readings_patient_measured", None),
            ("submissions", "ix_submissions_patient_id", "ix_submissions_patient_submitted",
             None)):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(old, ["patient_id"])
            batch_op.drop_index(new)
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_pending_missed")
        batch_op.drop_index("ix_tasks_pending_due")
        batch_op.create_index("ix_tasks_missed_at", ["missed_at"])
        batch_op.create_index("ix_tasks_due_at", ["due_at"])
    op.drop_index("ix_enrollments_active_planned_until", table_name="enrollments")
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_column("planned_until")
    op.drop_index("ix_alerts_queue", table_name="alerts")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_column("severity_rank")
        batch_op.create_index("ix_alerts_queue", ["status", "severity", "created_at"])
