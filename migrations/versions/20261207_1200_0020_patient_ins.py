"""A patient's INS: the NIR (sealed at rest, with its keyed hash for lookups) and the
identity's qualification status.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ins_nir", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("ins_nir_index", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("ins_status", sa.String(length=16), nullable=True))
        batch_op.create_index("ix_patients_ins_nir_index", ["ins_nir_index"], unique=False)
        batch_op.create_check_constraint(
            "ins_status", "ins_status IN ('provisoire', 'recupere', 'valide', 'qualifie')")
        batch_op.create_check_constraint("ins_complete",
                                         "(ins_nir IS NULL) = (ins_status IS NULL)")


def downgrade() -> None:
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_constraint("ins_complete", type_="check")
        batch_op.drop_constraint("ins_status", type_="check")
        batch_op.drop_index("ix_patients_ins_nir_index")
        batch_op.drop_column("ins_status")
        batch_op.drop_column("ins_nir_index")
        batch_op.drop_column("ins_nir")
