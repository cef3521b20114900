from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.crypto import SealedText
from backend.db import Base, UUIDPrimaryKey

# Why the contact data of a patient was erased (a closed list: the trail and the
# processing register count them).
ERASURE_REASONS = ("patient_request", "consent_withdrawn", "end_of_follow_up", "deceased",
                   "duplicate_record", "other")


class ErasureRequest(UUIDPrimaryKey, Base):
    """An administrator erased a patient's contact data (RGPD art. 17, limited by the
    legal retention of the medical record, CSP R1112-7): when, who, why. One per patient:
    what was erased cannot be erased again."""

    __tablename__ = "erasure_requests"
    __table_args__ = (
        CheckConstraint("reason IN ('patient_request', 'consent_withdrawn', "
                        "'end_of_follow_up', 'deceased', 'duplicate_record', 'other')",
                        name="reason"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(32))
    # The administrator's words (may name the patient's situation): sealed at rest.
    note: Mapped[str | None] = mapped_column(SealedText())
    requested_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_users.id"))
    erased_at: Mapped[datetime]
