from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, validates

from backend.crypto import SealedText, keyring
from backend.db import Base, UUIDPrimaryKey


class Patient(UUIDPrimaryKey, Base):
    __tablename__ = "patients"
    __table_args__ = (CheckConstraint("language IN ('fr', 'en')", name="language"),)

    # The team that follows the patient; enrolments may add others.
    care_team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("care_teams.id"), index=True)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date]
    sex: Mapped[str | None] = mapped_column(String(16))
    # Sealed at rest (backend/crypto.py); an inbound SMS finds its patients by the keyed
    # hash of the number, kept in step by ``_index_phone``.
    phone: Mapped[str | None] = mapped_column(SealedText())
    phone_index: Mapped[str | None] = mapped_column(String(64), index=True)
    email: Mapped[str | None] = mapped_column(SealedText())
    language: Mapped[str] = mapped_column(String(2), default="fr")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    hospital_id: Mapped[str | None] = mapped_column(String(64))  # the EHR's identifier (IPP)
    sms_opt_out: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    @validates("phone")
    def _index_phone(self, _key: str, phone: str | None) -> str | None:
        self.phone_index = phone_index(phone)
        return phone


def phone_index(phone: str | None) -> str | None:
    """The keyed hash an inbound SMS's number is looked up by (numbers are stored in
    E.164, as the schemas normalise them)."""
    return keyring().index(phone) if phone else None
