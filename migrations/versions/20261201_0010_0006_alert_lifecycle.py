"""Alert lifecycle: escalation on its own schedule, the series of findings, pages as steps.

- ``alerts.next_escalation_at``: escalation no longer moves ``due_by`` (existing alerts
  escalate next at their current ``due_by``);
- ``alerts.series``: every finding that opened or updated an alert (existing alerts start
  with the evidence they hold);
- ``alert_events.message_id``: a ``notified`` step points at its message;
- a snooze on an alert nobody acknowledged is lifted (only acknowledged alerts sleep).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 00:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

alerts = sa.table(
    "alerts",
    sa.column("id", sa.Uuid()),
    sa.column("rule_id", sa.String()),
    sa.column("severity", sa.String()),
    sa.column("evidence", sa.JSON()),
    sa.column("series", sa.JSON()),
    sa.column("last_evidence_at", backend.db.UTCDateTime(timezone=True)),
    sa.column("created_at", backend.db.UTCDateTime(timezone=True)),
)


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("series", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("next_escalation_at",
                                      backend.db.UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE alerts SET next_escalation_at = due_by")
    op.execute("UPDATE alerts SET snoozed_until = NULL, snooze_reason = NULL "
               "WHERE status = 'open'")
    connection = op.get_bind()
    for row in connection.execute(sa.select(alerts.c.id, alerts.c.rule_id, alerts.c.severity,
                                            alerts.c.evidence, alerts.c.last_evidence_at,
                                            alerts.c.created_at)).all():
        at = row.last_evidence_at or row.created_at
        values = [item for item in row.evidence or [] if "related_rule" not in item]
        connection.execute(alerts.update().where(alerts.c.id == row.id).values(series=[{
            "at": at.isoformat(), "rule_id": row.rule_id, "severity": row.severity,
            "values": values}]))
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.alter_column("series", existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column("next_escalation_at",
                              existing_type=backend.db.UTCDateTime(timezone=True),
                              nullable=False)
        batch_op.create_index("ix_alerts_escalation", ["status", "next_escalation_at"],
                              unique=False)
    with op.batch_alter_table("alert_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_id", sa.Uuid(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_alert_events_message_id"),
                                          ["message_id"])
        batch_op.create_foreign_key(batch_op.f("fk_alert_events_message_id_messages"),
                                    "messages", ["message_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("alert_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_alert_events_message_id_messages"),
                                 type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_alert_events_message_id"), type_="unique")
        batch_op.drop_column("message_id")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_escalation")
        batch_op.drop_column("next_escalation_at")
        batch_op.drop_column("series")
