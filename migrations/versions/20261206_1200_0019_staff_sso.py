"""Staff single sign-on: a staff member's RPPS number and identity-provider subject, and
whether an access token's sign-in had a second factor at the provider.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rpps", sa.String(length=11), nullable=True))
        batch_op.add_column(sa.Column("oidc_subject", sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint("uq_staff_users_rpps", ["rpps"])
        batch_op.create_unique_constraint("uq_staff_users_oidc_subject", ["oidc_subject"])
    with op.batch_alter_table("access_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provider_mfa", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("access_tokens", schema=None) as batch_op:
        batch_op.drop_column("provider_mfa")
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.drop_constraint("uq_staff_users_oidc_subject", type_="unique")
        batch_op.drop_constraint("uq_staff_users_rpps", type_="unique")
        batch_op.drop_column("oidc_subject")
        batch_op.drop_column("rpps")
