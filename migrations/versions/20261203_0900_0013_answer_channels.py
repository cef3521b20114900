"""How each patient answers (the app, SMS, or a web form by SMS link), and the
single-use links to that web form.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=8), server_default="app",
                                      nullable=False))
        batch_op.create_check_constraint(batch_op.f("ck_enrollments_channel"),
                                         "channel IN ('app', 'sms', 'web')")
    op.create_table(
        "form_links",
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", backend.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"],
                                name=op.f("fk_form_links_patient_id_patients")),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"],
                                name=op.f("fk_form_links_task_id_tasks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_form_links_token_hash")),
    )
    with op.batch_alter_table("form_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_form_links_patient_id"), ["patient_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_form_links_task_id"), ["task_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("form_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_form_links_task_id"))
        batch_op.drop_index(batch_op.f("ix_form_links_patient_id"))
    op.drop_table("form_links")
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_enrollments_channel"), type_="check")
        batch_op.drop_column("channel")
