from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UUIDPrimaryKey

CONSENT_KINDS = ("telesurveillance",)
# How the patient was informed and agreed: face to face at the ward, on the phone, or on
# a signed paper form kept in the hospital record.
CONSENT_CHANNELS = ("in_person", "phone", "written")


class Consent(UUIDPrimaryKey, Base):
    """A patient's consent to one kind of processing for one enrolment, after reading a
    version of its information notice; recorded by the staff member who collected it.
    A withdrawal is a date and a person on the same row, never a deletion: the record
    shows what the patient had agreed to and until when."""

    __tablename__ = "consents"
    __table_args__ = (
        CheckConstraint("kind IN ('telesurveillance')", name="kind"),
        CheckConstraint("channel IN ('in_person', 'phone', 'written')", name="channel"),
        CheckConstraint("(withdrawn_at IS NULL) = (withdrawn_by IS NULL)", name="withdrawn"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    enrollment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enrollments.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    notice_version: Mapped[int]
    channel: Mapped[str] = mapped_column(String(16))
    given_at: Mapped[datetime]
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_users.id"))
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_users.id"))
