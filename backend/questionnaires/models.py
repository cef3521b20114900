from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UUIDPrimaryKey


class QuestionnaireVersion(UUIDPrimaryKey, Base):
    """A questionnaire definition as loaded from ``questionnaires/instruments``.

    Protocol versions keep their own copy of the questionnaires they use, so a newer
    questionnaire never changes how an enrolled patient is scored.
    """

    __tablename__ = "questionnaire_versions"
    __table_args__ = (UniqueConstraint("slug", "version"),)

    slug: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int]
    # Loaded on first access only (parsed once per process, questionnaires/services.py).
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    created_at: Mapped[datetime]
