from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.crypto import SealedJSON
from backend.db import Base, UUIDPrimaryKey


class Submission(UUIDPrimaryKey, Base):
    """A patient's answers to one questionnaire, as validated and scored when received."""

    __tablename__ = "submissions"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    enrollment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enrollments.id"), index=True)
    task_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tasks.id"))
    questionnaire: Mapped[str] = mapped_column(String(64))
    questionnaire_version: Mapped[int]
    # Sealed at rest: free-text answers are the patient's own words (backend/crypto.py).
    answers: Mapped[dict[str, Any]] = mapped_column(SealedJSON())
    scores: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(16), default="app")  # app | sms | web
    submitted_at: Mapped[datetime] = mapped_column(index=True)
    received_at: Mapped[datetime]


class Reading(UUIDPrimaryKey, Base):
    """One home-device reading in its canonical UCUM unit."""

    __tablename__ = "readings"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    enrollment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enrollments.id"), index=True)
    submission_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("submissions.id"))
    type: Mapped[str] = mapped_column(String(40))
    # The exact canonical value as text ("39.2", "A", "true") and, for numbers, a numeric
    # copy for charts and SQL ranges.
    value: Mapped[str] = mapped_column(String(40))
    numeric_value: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    unit: Mapped[str] = mapped_column(String(20))
    measured_at: Mapped[datetime] = mapped_column(index=True)
    received_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(16), default="app")
