"""Delivery reports kept on each message (the provider's status, its error code and
time) and the chain of a patient SMS sent again after a failed delivery.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provider_status", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("error_code", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("status_at", backend.db.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column("retry_of", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("attempt", sa.Integer(), server_default="1",
                                      nullable=False))
        batch_op.create_index(batch_op.f("ix_messages_retry_of"), ["retry_of"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_messages_retry_of_messages"), "messages",
                                    ["retry_of"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_messages_retry_of_messages"),
                                 type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_messages_retry_of"))
        batch_op.drop_column("attempt")
        batch_op.drop_column("retry_of")
        batch_op.drop_column("status_at")
        batch_op.drop_column("error_code")
        batch_op.drop_column("provider_status")
