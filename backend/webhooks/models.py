from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.crypto import SealedText
from backend.db import Base, UUIDPrimaryKey


class InboundEvent(UUIDPrimaryKey, Base):
    """A provider callback already processed: ``key`` (provider id + event) is unique, so
    a replayed or retried webhook is never processed twice."""

    __tablename__ = "inbound_events"

    key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # sms | status
    patient_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("patients.id"), index=True)
    # What a patient wrote to the ward or replied to an SMS questionnaire: shown to the
    # nurses in the timeline.
    body: Mapped[str | None] = mapped_column(SealedText())
    # stop | start | help | message | answer (an SMS questionnaire) | thanks (after one)
    action: Mapped[str | None] = mapped_column(String(16))
    received_at: Mapped[datetime]
