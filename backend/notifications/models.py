from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from backend.crypto import SealedText
from backend.db import Base, UUIDPrimaryKey


class Message(UUIDPrimaryKey, Base):
    """One SMS or push sent (or to send) to a patient or a staff member.

    ``dedupe_key`` (outbox entry + channel + recipient) is unique: a retried or
    duplicated job finds the row and never sends a second message.

    ``provider_status`` is the provider's latest delivery report (Twilio: queued,
    sending, sent, delivered, undelivered, failed...), with its ``error_code`` and when
    it came (``status_at``); it only ever moves forward (``STATUS_RANK``). A patient SMS
    that failed is sent again as a new message of the same intention: ``retry_of`` is
    the first message of the chain and ``attempt`` its number (1 for the first).
    """

    __tablename__ = "messages"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'delivered', 'failed')",
                        name="status"),
        # The retention purge erases the bodies still kept, oldest first: none is read
        # when none is old enough, whatever the number of messages already erased.
        Index("ix_messages_body_kept_created", "created_at",
              postgresql_where=text("body_erased_at IS NULL"),
              sqlite_where=text("body_erased_at IS NULL")),
    )

    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    outbox_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("outbox.id"), index=True)
    patient_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("patients.id"), index=True)
    staff_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_users.id"))
    alert_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("alerts.id"), index=True)
    channel: Mapped[str] = mapped_column(String(8))  # sms | push
    address: Mapped[str] = mapped_column(SealedText())  # a phone number or push token
    template: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(SealedText())
    status: Mapped[str] = mapped_column(String(16), default="pending")
    provider: Mapped[str | None] = mapped_column(String(16))
    provider_id: Mapped[str | None] = mapped_column(String(64), index=True)
    error: Mapped[str | None] = mapped_column(String(500))
    attempts: Mapped[int] = mapped_column(default=0)
    provider_status: Mapped[str | None] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(16))
    status_at: Mapped[datetime | None]
    retry_of: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("messages.id"), index=True)
    attempt: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    # The retention purge erased ``body`` then (SUIVI_RETENTION_MESSAGE_BODY_DAYS): the
    # delivery record stays, the text does not.
    body_erased_at: Mapped[datetime | None]


def dedupe_key(outbox_id: uuid.UUID | str, channel: str, address_index: str) -> str:
    """A message's ``dedupe_key``: the recipient by its keyed hash (``Keyring.index``),
    since the key is not sealed and a phone number must not show."""
    # As text, the same however the database hands the id over (SQLite: hex, no dashes).
    return f"{uuid.UUID(str(outbox_id))}:{channel}:{address_index}"
