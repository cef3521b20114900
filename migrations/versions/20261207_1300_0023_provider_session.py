"""Staff sessions opened through the identity provider end with the provider's: until
when its ID token is valid, and its session id, by which a back-channel logout ends them.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("access_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provider_until", backend.db.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column("provider_sid", sa.String(length=255), nullable=True))
        batch_op.create_index("ix_access_tokens_provider_sid", ["provider_sid"])


def downgrade() -> None:
    with op.batch_alter_table("access_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_access_tokens_provider_sid")
        batch_op.drop_column("provider_sid")
        batch_op.drop_column("provider_until")
