from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.crypto import SealedJSON, SealedText
from backend.db import Base, UUIDPrimaryKey


class IdempotencyRecord(UUIDPrimaryKey, Base):
    """The stored answer to a request made with an ``Idempotency-Key``.

    The unique constraint (scope, key) is what makes concurrent retries safe: the
    second insert fails and that request replays the first one's response.

    Both the answer (a submission's questionnaire, scores and advice) and the hash of the
    request are sealed: the body hashed is a handful of answers with few possible values,
    which a plain hash would give back to whoever tries them all. Both are compared and
    replayed in Python, never queried.
    """

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    scope: Mapped[str] = mapped_column(String(80))  # e.g. "patient:<uuid>"
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(SealedText())
    status_code: Mapped[int]
    response: Mapped[dict[str, Any]] = mapped_column(SealedJSON())
    created_at: Mapped[datetime] = mapped_column(index=True)  # the retention purge's cut-off
    patient_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
