"""Sensitive columns sealed at rest: phone numbers, e-mail, TOTP secrets, SMS bodies,
teleconsultation rooms; patients found by a keyed hash of their number.

The columns become unbounded text (a sealed value is longer than the plain one). Rows
written before are sealed, and their phone hashes computed, by ``suivi db upgrade`` right
after the migrations (it holds the keys; a migration does not). A downgrade restores the
old types and so needs the values opened first: it is for empty databases and tests.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table → column → (old type, nullable)
SEALED = {
    "staff_users": {"phone": (sa.String(32), True), "totp_secret": (sa.String(64), True)},
    "patients": {"phone": (sa.String(32), True), "email": (sa.String(254), True)},
    "messages": {"address": (sa.String(4096), False), "body": (sa.String(640), False)},
    "care_teams": {"on_call_phone": (sa.String(32), True)},
    "inbound_events": {"body": (sa.String(1600), True)},
    "teleconsultations": {"reason": (sa.String(500), False), "room": (sa.String(64), False),
                          "join_url": (sa.String(500), False)},
}


def upgrade() -> None:
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patients_phone"))
        batch_op.add_column(sa.Column("phone_index", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_patients_phone_index"), ["phone_index"],
                              unique=False)
    with op.batch_alter_table("teleconsultations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_teleconsultations_room"), type_="unique")
    for table, columns in SEALED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, (old, nullable) in columns.items():
                batch_op.alter_column(column, existing_type=old, type_=sa.Text(),
                                      existing_nullable=nullable)


def downgrade() -> None:
    for table, columns in SEALED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, (old, nullable) in columns.items():
                batch_op.alter_column(column, existing_type=sa.Text(), type_=old,
                                      existing_nullable=nullable)
    with op.batch_alter_table("teleconsultations", schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_teleconsultations_room"), ["room"])
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patients_phone_index"))
        batch_op.drop_column("phone_index")
        batch_op.create_index(batch_op.f("ix_patients_phone"), ["phone"], unique=False)
