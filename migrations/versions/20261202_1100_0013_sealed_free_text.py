"""Free text sealed at rest: answers, an alert's evidence and history (nurses' notes,
patients' messages), snooze and override reasons, staff e-mail (found by a keyed hash);
the SpO2 scale's reason moves from the audit trail to the enrolment.

As in 0008, the columns become text here and ``suivi db upgrade`` seals the rows right
after (it holds the keys). The SpO2 reason is copied to the enrolment from the last audit
row that carried it; new audit rows say only who and when. The older rows stay as they
are: the trail is append-only (a trigger refuses any change), and they age out with it.
The index on (ip, action, at) goes: nothing reads audit rows by address any more (the
per-address limit lives in Redis).

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-02 11:00:00
"""

import json
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table → column → old type
SEALED = {
    "alerts": {"evidence": sa.JSON(), "series": sa.JSON(), "snooze_reason": sa.String(500)},
    "alert_events": {"detail": sa.JSON()},
    "submissions": {"answers": sa.JSON()},
    "threshold_overrides": {"reason": sa.String(500)},
    "staff_users": {"email": sa.String(254)},
}


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_ip_action_at")
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.drop_constraint("uq_staff_users_email", type_="unique")
        batch_op.add_column(sa.Column("email_index", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint("uq_staff_users_email_index", ["email_index"])
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("spo2_scale_reason", sa.Text(), nullable=True))
    for table, columns in SEALED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, old in columns.items():
                batch_op.alter_column(column, existing_type=old, type_=sa.Text())
    _move_spo2_reasons()


def _move_spo2_reasons() -> None:
    bind = op.get_bind()
    audit = sa.table("audit_events", sa.column("at"), sa.column("action"),
                     sa.column("object_id"), sa.column("detail", sa.JSON()))
    enrollments = sa.table("enrollments", sa.column("id", sa.Uuid()),
                           sa.column("spo2_scale_reason"))
    rows = bind.execute(sa.select(audit.c.object_id, audit.c.detail)
                        .where(audit.c.action == "enrollment.spo2_scale")
                        .order_by(audit.c.at)).all()
    latest: dict[str, str] = {}
    for row in rows:
        detail = row.detail if isinstance(row.detail, dict) else json.loads(row.detail or "{}")
        if detail.get("reason"):
            latest[row.object_id] = detail["reason"]
    for enrollment_id, reason in latest.items():
        bind.execute(sa.update(enrollments)
                     .where(enrollments.c.id == uuid.UUID(enrollment_id))
                     .values(spo2_scale_reason=reason))


def downgrade() -> None:
    # For empty databases and tests, like 0008: the values must be opened first.
    for table, columns in SEALED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, old in columns.items():
                using = {"postgresql_using": f"{column}::json"} if isinstance(old, sa.JSON) else {}
                batch_op.alter_column(column, existing_type=sa.Text(), type_=old, **using)
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_column("spo2_scale_reason")
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.drop_constraint("uq_staff_users_email_index", type_="unique")
        batch_op.drop_column("email_index")
        batch_op.create_unique_constraint("uq_staff_users_email", ["email"])
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_ip_action_at", ["ip", "action", "at"],
                              unique=False)
