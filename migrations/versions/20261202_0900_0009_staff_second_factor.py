"""Staff second factor: enrolment codes, single-use mfa_tokens, failures of unknown e-mails.

- ``staff_users.mfa_enrolment_code_hash`` / ``mfa_enrolment_expires_at``: the first TOTP
  enrolment needs a code an administrator issued. Accounts without a second factor have
  none: an administrator resets their second factor (``POST /staff/{id}/reset-mfa``, or
  ``suivi reset-mfa EMAIL`` for an administrator) to give them one;
- ``staff_users.mfa_token_serial``: an ``mfa_token`` serves once;
- ``login_failures``: failed sign-ins of e-mails without an account, counted like an
  account's own.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mfa_enrolment_code_hash", sa.String(length=64),
                                      nullable=True))
        batch_op.add_column(sa.Column("mfa_enrolment_expires_at",
                                      backend.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("mfa_token_serial", sa.Integer(), nullable=True))
    op.execute("UPDATE staff_users SET mfa_token_serial = 0")
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.alter_column("mfa_token_serial", existing_type=sa.Integer(), nullable=False)

    op.create_table(
        "login_failures",
        sa.Column("email_digest", sa.String(length=64), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("last_failed_login_at", backend.db.UTCDateTime(timezone=True),
                  nullable=False),
        sa.Column("locked_until", backend.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
        sa.UniqueConstraint("email_digest", name=op.f("uq_login_failures_email_digest")),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_failures_last_failed_login_at"),
                              ["last_failed_login_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_failures_last_failed_login_at"))
    op.drop_table("login_failures")
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.drop_column("mfa_token_serial")
        batch_op.drop_column("mfa_enrolment_expires_at")
        batch_op.drop_column("mfa_enrolment_code_hash")
