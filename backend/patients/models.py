from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, query_expression, validates

from backend.crypto import SealedText, keyring
from backend.db import Base, UUIDPrimaryKey
from backend.patients.ins import normal_nir


class Patient(UUIDPrimaryKey, Base):
    __tablename__ = "patients"
    __table_args__ = (
        CheckConstraint("language IN ('fr', 'en')", name="language"),
        CheckConstraint("ins_status IN ('provisoire', 'recupere', 'valide', 'qualifie')",
                        name="ins_status"),
        CheckConstraint("(ins_nir IS NULL) = (ins_status IS NULL)", name="ins_complete"),
    )

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
    # The INS: the NIR identifies the person nationally (sealed at rest like the phone,
    # found by its keyed hash), and how far the identity was checked (patients/ins.py).
    ins_nir: Mapped[str | None] = mapped_column(SealedText())
    ins_nir_index: Mapped[str | None] = mapped_column(String(64), index=True)
    ins_status: Mapped[str | None] = mapped_column(String(16))
    sms_opt_out: Mapped[bool] = mapped_column(default=False)
    # Indexed for the retention purge: the oldest patients first, none read when none is due.
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]
    # Whether an alert of the patient's is not resolved yet, where the query that loaded
    # the patient asked (``alerts.models.unresolved_alerts_exist``): the device-token
    # lookup does, and an answer that fires no rule then looks for no alert to update or
    # close. None: not asked.
    has_unresolved_alerts: Mapped[bool | None] = query_expression()

    @validates("phone")
    def _index_phone(self, _key: str, phone: str | None) -> str | None:
        self.phone_index = phone_index(phone)
        return phone

    @validates("ins_nir")
    def _index_nir(self, _key: str, nir: str | None) -> str | None:
        nir = normal_nir(nir) if nir else None
        self.ins_nir_index = nir_index(nir)
        return nir


def nir_index(nir: str | None) -> str | None:
    """The keyed hash a patient is found by from their NIR (FHIR identifier search)."""
    return keyring().index(normal_nir(nir)) if nir else None


def phone_index(phone: str | None) -> str | None:
    """The keyed hash an inbound SMS's number is looked up by (numbers are stored in
    E.164, as the schemas normalise them)."""
    return keyring().index(phone) if phone else None
