from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ColumnElement, Exists, ForeignKey, String, UniqueConstraint, exists
from sqlalchemy.orm import Mapped, mapped_column

from backend.crypto import SealedText
from backend.db import Base, UUIDPrimaryKey


class ProtocolVersion(UUIDPrimaryKey, Base):
    """One published version of a follow-up protocol; never modified once stored.

    Enrolments point at a version, so publishing version 2 never changes how a patient
    enrolled on version 1 is scored.
    """

    __tablename__ = "protocol_versions"
    __table_args__ = (UniqueConstraint("slug", "version"),)

    slug: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int]
    title_fr: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    # Loaded on first access only: parsed once per process (protocols/content.py), it
    # would otherwise be decoded with every enrolment read.
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    published_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime]


class ThresholdOverride(UUIDPrimaryKey, Base):
    """A surgeon's per-patient value for one named threshold of one rule.

    Never deleted: removing an override stamps ``removed_at``, so what a patient was
    scored with stays traceable.
    """

    __tablename__ = "threshold_overrides"

    enrollment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enrollments.id"), index=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    rule_id: Mapped[str] = mapped_column(String(64))
    threshold: Mapped[str] = mapped_column(String(64))
    value: Mapped[Any] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(SealedText())  # why this patient differs: sealed
    set_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime]
    removed_at: Mapped[datetime | None]
    removed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_users.id"))


def overrides_in_force(enrollment_id: ColumnElement[uuid.UUID]) -> Exists:
    """Whether overrides are in force for the enrolment of ``enrollment_id``, as the SQL
    a query loads into ``Enrollment.has_overrides``."""
    return exists().where(ThresholdOverride.enrollment_id == enrollment_id,
                          ThresholdOverride.removed_at.is_(None))
