"""Integration clients (OAuth2 client credentials for the hospital's systems): the
clients, their access tokens and the assertions they used; the audit trail names a
client as the actor of what it does.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTORS = "'staff', 'patient', 'system', 'anonymous'"
ACTORS_WITH_CLIENT = "'staff', 'patient', 'client', 'system', 'anonymous'"
# SQLite changes a CHECK constraint by copying the table; the append-only triggers of the
# audit trail (0001) go with the old table and are made again on the new one.
SQLITE_TRIGGERS = [
    """CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
    """CREATE TRIGGER audit_events_retention BEFORE DELETE ON audit_events
    WHEN old.at > datetime('now', '-183 days')
    BEGIN SELECT RAISE(ABORT, 'audit events are kept for at least 6 months'); END""",
]


def _actor_types(actors: str) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_retention")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_audit_events_actor_type"), type_="check")
        batch_op.create_check_constraint(op.f("ck_audit_events_actor_type"),
                                         f"actor_type IN ({actors})")
    if sqlite:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def upgrade() -> None:
    op.create_table(
        "integration_clients",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("care_team_id", sa.Uuid(), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("auth_method", sa.String(length=16), nullable=False),
        sa.Column("secret_hash", sa.String(length=255), nullable=True),
        sa.Column("public_key", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", backend.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", backend.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("auth_method IN ('secret', 'jwt')",
                           name=op.f("ck_integration_clients_auth_method")),
        sa.ForeignKeyConstraint(["care_team_id"], ["care_teams.id"],
                                name=op.f("fk_integration_clients_care_team_id_care_teams")),
        sa.ForeignKeyConstraint(["created_by"], ["staff_users.id"],
                                name=op.f("fk_integration_clients_created_by_staff_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integration_clients")),
    )
    with op.batch_alter_table("integration_clients", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_integration_clients_care_team_id"),
                              ["care_team_id"], unique=False)

    op.create_table(
        "client_assertions",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("jti", sa.String(length=255), nullable=False),
        sa.Column("expires_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["integration_clients.id"],
                                name=op.f("fk_client_assertions_client_id_integration_clients"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_assertions")),
        sa.UniqueConstraint("client_id", "jti", name=op.f("uq_client_assertions_client_id_jti")),
    )
    with op.batch_alter_table("client_assertions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_client_assertions_expires_at"), ["expires_at"],
                              unique=False)

    op.create_table(
        "client_tokens",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", backend.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["integration_clients.id"],
                                name=op.f("fk_client_tokens_client_id_integration_clients"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_client_tokens_token_hash")),
    )
    with op.batch_alter_table("client_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_client_tokens_client_id"), ["client_id"],
                              unique=False)

    _actor_types(ACTORS_WITH_CLIENT)


def downgrade() -> None:
    # A trail that already names clients cannot go back: its rows are kept (append-only),
    # and the older constraint would refuse them. Downgrade before any client acted.
    _actor_types(ACTORS)
    with op.batch_alter_table("client_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_tokens_client_id"))
    op.drop_table("client_tokens")
    with op.batch_alter_table("client_assertions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_assertions_expires_at"))
    op.drop_table("client_assertions")
    with op.batch_alter_table("integration_clients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_integration_clients_care_team_id"))
    op.drop_table("integration_clients")
