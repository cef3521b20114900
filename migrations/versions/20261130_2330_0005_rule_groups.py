"""Rule groups on alerts (one open alert per patient and cause), per-patient SpO2 scale.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rule_group", sa.String(length=64), nullable=True))
    # Alerts raised before groups existed: each rule was its own group.
    op.execute("UPDATE alerts SET rule_group = rule_id")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.alter_column("rule_group", existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_index("uq_alerts_one_open_per_rule")
        batch_op.create_index("uq_alerts_one_open_per_group", ["patient_id", "rule_group"],
                              unique=True, postgresql_where=sa.text("status <> 'resolved'"),
                              sqlite_where=sa.text("status <> 'resolved'"))
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("spo2_scale", sa.Integer(), nullable=True))
        batch_op.create_check_constraint("spo2_scale", "spo2_scale IN (1, 2)")


def downgrade() -> None:
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_constraint("spo2_scale", type_="check")
        batch_op.drop_column("spo2_scale")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("uq_alerts_one_open_per_group")
        batch_op.create_index("uq_alerts_one_open_per_rule", ["patient_id", "rule_id"],
                              unique=True, postgresql_where=sa.text("status <> 'resolved'"),
                              sqlite_where=sa.text("status <> 'resolved'"))
        batch_op.drop_column("rule_group")
