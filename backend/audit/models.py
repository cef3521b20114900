from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UUIDPrimaryKey

OUTCOMES = ("success", "denied", "failure")


class AuditEvent(UUIDPrimaryKey, Base):
    """Who did what to which patient, when, from where, and how it ended.

    Append-only: database triggers (see the migration) refuse UPDATE, and DELETE of
    rows younger than the legal retention. ``detail`` never holds health data.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        CheckConstraint("outcome IN ('success', 'denied', 'failure')", name="outcome"),
        CheckConstraint("actor_type IN ('staff', 'patient', 'client', 'system', 'anonymous')",
                        name="actor_type"),
        # The search by patient or by action, newest first, a page at a time.
        Index("ix_audit_events_patient_at", "patient_id", "at"),
        Index("ix_audit_events_action_at", "action", "at"),
    )

    at: Mapped[datetime] = mapped_column(index=True)
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(64))
    patient_id: Mapped[uuid.UUID | None]
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    ip: Mapped[str | None] = mapped_column(String(45))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
