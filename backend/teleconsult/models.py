from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.crypto import SealedText
from backend.db import Base, UUIDPrimaryKey


class Teleconsultation(UUIDPrimaryKey, Base):
    """A video appointment; the room name is random and the link expires after it."""

    __tablename__ = "teleconsultations"
    __table_args__ = (
        CheckConstraint("status IN ('scheduled', 'cancelled')", name="status"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    clinician_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_users.id"))
    alert_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("alerts.id"))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    duration_minutes: Mapped[int]
    reason: Mapped[str] = mapped_column(SealedText())
    # Sealed: whoever reads the database must not be able to join. Random (24 bytes),
    # so unique without a constraint a sealed value could not enforce.
    room: Mapped[str] = mapped_column(SealedText())
    join_url: Mapped[str] = mapped_column(SealedText())
    expires_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime]
