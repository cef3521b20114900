from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

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
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    published_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime]
