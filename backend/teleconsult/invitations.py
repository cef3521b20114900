"""Sending a patient the link of a teleconsultation: when it is booked (outbox entry
``teleconsult.invite``) and shortly before it starts (``teleconsult.remind``), only while
it is still on and its link still works."""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

from backend import db
from backend.clock import now
from backend.notifications.services import notify_patient
from backend.outbox.models import OutboxEntry
from backend.patients.models import Patient
from backend.teleconsult.models import Teleconsultation
from backend.teleconsult.texts import TEMPLATES


def send_link(entry: OutboxEntry) -> None:
    consultation = db.session().get(Teleconsultation,
                                    uuid.UUID(entry.payload["teleconsultation_id"]))
    if consultation.status != "scheduled" or consultation.expires_at <= now():
        return
    patient = db.session().get(Patient, consultation.patient_id)
    local = consultation.starts_at.astimezone(ZoneInfo(patient.timezone))
    body = TEMPLATES[entry.kind][patient.language].format(
        date=local.strftime("%d/%m"), time=local.strftime("%H:%M"), url=consultation.join_url)
    notify_patient(entry, patient, entry.kind, body)


OUTBOX_HANDLERS = {"teleconsult.invite": send_link, "teleconsult.remind": send_link}
