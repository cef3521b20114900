"""A team's alerts by when they opened and when they were resolved: the indicators read
their team's alerts, not the whole hospital's.

Revision ID: 0025
Revises: 0023
Create Date: 2026-12-07 14:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0025"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index("ix_alerts_team_created", ["care_team_id", "created_at"])
        batch_op.create_index("ix_alerts_team_resolved", ["care_team_id", "resolved_at"])


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_team_resolved")
        batch_op.drop_index("ix_alerts_team_created")
