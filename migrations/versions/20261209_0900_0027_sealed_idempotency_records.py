"""The answer kept for a retry of a request (an Idempotency-Key's record) and the hash of
that request's body sealed at rest: a submission's answer names its questionnaire and
carries its scores and advice for 30 days, and the body hashed (a few answers with few
possible values) could be found again from a plain hash.

As in 0008 and 0011, the columns become text here and ``suivi db upgrade`` seals the rows
right after (it holds the keys; a migration does not): a row still plain until then is read
as it is. A downgrade restores the old types and so needs the values opened first: it is
for empty databases and tests.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-09 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# column → old type (both NOT NULL)
SEALED = {"request_hash": sa.String(64), "response": sa.JSON()}


def upgrade() -> None:
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        for column, old in SEALED.items():
            batch_op.alter_column(column, existing_type=old, type_=sa.Text(),
                                  existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        for column, old in SEALED.items():
            using = {"postgresql_using": f"{column}::json"} if isinstance(old, sa.JSON) else {}
            batch_op.alter_column(column, existing_type=sa.Text(), type_=old,
                                  existing_nullable=False, **using)
