from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from backend.crypto import SealedJSON
from backend.db import Base, UUIDPrimaryKey

CONVERSATION_STATUSES = ("queued", "open", "done", "expired", "stopped")


class SmsConversation(UUIDPrimaryKey, Base):
    """One questionnaire task asked by SMS, one question at a time (backend.smsforms).

    ``position`` is the index of the question waiting for a reply in the questionnaire's
    SMS form, ``answers`` what was understood so far (sealed: health data), ``strikes``
    the replies to the current question that were not understood. One conversation per
    task, so a reminder job run twice opens one."""

    __tablename__ = "sms_conversations"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'open', 'done', 'expired', 'stopped')",
                        name="status"),
        # The sweep looks for the open ones only.
        Index("ix_sms_conversations_open_idle", "idle_until",
              postgresql_where=text("status = 'open'"), sqlite_where=text("status = 'open'")),
    )

    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tasks.id"), unique=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    enrollment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enrollments.id"))
    questionnaire: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(default=0)
    strikes: Mapped[int] = mapped_column(default=0)
    answers: Mapped[dict[str, Any]] = mapped_column(SealedJSON())
    created_at: Mapped[datetime]
    # When the patient has not replied by then, what was answered is submitted as it is.
    idle_until: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    submission_id: Mapped[uuid.UUID | None]
