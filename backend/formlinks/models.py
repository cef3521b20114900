from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UUIDPrimaryKey


class FormLink(UUIDPrimaryKey, Base):
    """A single-use, expiring link to answer one questionnaire task in the browser, sent
    by SMS; only the token's hash is kept."""

    __tablename__ = "form_links"

    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tasks.id"), index=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)  # the retention purge's cut-off
    used_at: Mapped[datetime | None]
