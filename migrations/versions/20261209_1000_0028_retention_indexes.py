"""The retention purge's cut-offs indexed: a run with nothing to purge reads no row of the
patients, idempotency records, activation codes, form links or messages (the patients
were read in full at each run, the others would have been as they grew).

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-09 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BODY_KEPT = "body_erased_at IS NULL"
INDEXES = (("patients", "created_at"), ("idempotency_records", "created_at"),
           ("activation_codes", "expires_at"), ("form_links", "expires_at"))


def upgrade() -> None:
    for table, column in INDEXES:
        op.create_index(f"ix_{table}_{column}", table, [column])
    op.create_index("ix_messages_body_kept_created", "messages", ["created_at"],
                    postgresql_where=sa.text(BODY_KEPT), sqlite_where=sa.text(BODY_KEPT))


def downgrade() -> None:
    op.drop_index("ix_messages_body_kept_created", table_name="messages")
    for table, column in reversed(INDEXES):
        op.drop_index(f"ix_{table}_{column}", table_name=table)
