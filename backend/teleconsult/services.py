"""Teleconsultations: an appointment with an unguessable, expiring video link."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from backend import db
from backend.audit import services as audit
from backend.auth.models import StaffUser
from backend.auth.principal import StaffPrincipal
from backend.clock import now
from backend.errors import Invalid
from backend.outbox import services as outbox
from backend.patients.models import Patient
from backend.patients.services import care_team_ids
from backend.teams.services import clinicians_of
from backend.teleconsult.models import Teleconsultation
from backend.wiring import wiring

REMINDER_BEFORE = timedelta(minutes=15)


def book(principal: StaffPrincipal, patient: Patient, starts_at: datetime,
         duration_minutes: int, reason: str, clinician_id=None, alert_id=None
         ) -> Teleconsultation:
    current = now()
    if starts_at < current - timedelta(minutes=5):
        raise Invalid("starts_at", "is in the past")
    if starts_at > current + timedelta(days=180):
        raise Invalid("starts_at", "must be within 6 months")
    clinician = db.session().get(StaffUser, clinician_id or principal.user.id)
    if clinician is None or not clinician.active:
        raise Invalid("clinician_id", "no such active staff member")
    # The patient meets someone of their own care team, who can open their record.
    if not any(member.id == clinician.id
               for members in clinicians_of(care_team_ids(patient)).values()
               for member in members):
        raise Invalid("clinician_id", "is not a nurse or surgeon of this patient's care team")
    if alert_id is not None:
        from backend.alerts.models import Alert

        alert = db.session().get(Alert, alert_id)
        if alert is None or alert.patient_id != patient.id:
            raise Invalid("alert_id", "no such alert for this patient")
    # 192 random bits: the room name is the only secret guarding the video call.
    room = wiring().random.token_urlsafe(24)
    grace = timedelta(minutes=current_app.config["SUIVI_TELECONSULT_LINK_GRACE_MINUTES"])
    consultation = Teleconsultation(
        patient_id=patient.id, clinician_id=clinician.id, alert_id=alert_id,
        starts_at=starts_at, duration_minutes=duration_minutes, reason=reason, room=room,
        join_url=current_app.config["SUIVI_VIDEO_URL_TEMPLATE"].format(room=room),
        expires_at=starts_at + timedelta(minutes=duration_minutes) + grace,
        created_by=principal.user.id, created_at=current)
    session = db.session()
    session.add(consultation)
    session.flush()
    outbox.add("teleconsult.invite", {"teleconsultation_id": str(consultation.id)},
               dedupe_key=f"teleconsult:{consultation.id}:invite")
    outbox.add("teleconsult.remind", {"teleconsultation_id": str(consultation.id)},
               dedupe_key=f"teleconsult:{consultation.id}:remind",
               available_at=max(current, starts_at - REMINDER_BEFORE))
    audit.record("teleconsultation.create", patient_id=patient.id,
                 object_type="teleconsultation", object_id=consultation.id)
    return consultation


def upcoming_for(patient: Patient) -> dict[str, Any] | None:
    """The next teleconsultation whose link still works, for the patient app."""
    row = db.session().scalar(select(Teleconsultation).where(
        Teleconsultation.patient_id == patient.id, Teleconsultation.status == "scheduled",
        Teleconsultation.expires_at > now()).order_by(Teleconsultation.starts_at).limit(1))
    if row is None:
        return None
    return {"id": row.id, "starts_at": row.starts_at, "duration_minutes": row.duration_minutes,
            "join_url": row.join_url}


def of_patient(patient: Patient) -> list[Teleconsultation]:
    return list(db.session().scalars(select(Teleconsultation)
                                     .where(Teleconsultation.patient_id == patient.id)
                                     .order_by(Teleconsultation.starts_at)))
