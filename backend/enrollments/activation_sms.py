"""Sending a patient their activation code by SMS (outbox entry
``enrollment.activation_sms``), only while the code still works; the entry then forgets
the code and the stored copy of the SMS masks it."""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

from sqlalchemy import select

from backend import db
from backend.auth.models import ActivationCode
from backend.clock import now
from backend.enrollments.models import Enrollment
from backend.enrollments.texts import ACTIVATION_SMS
from backend.notifications.services import send_sms
from backend.outbox.models import OutboxEntry
from backend.patients.models import Patient
from backend.security import code_digest


def send_code(entry: OutboxEntry) -> None:
    code = entry.payload.get("code")
    enrollment = db.session().get(Enrollment, uuid.UUID(entry.payload["enrollment_id"]))
    row = code and db.session().scalar(select(ActivationCode).where(
        ActivationCode.code_hash == code_digest(code)))
    patient = db.session().get(Patient, enrollment.patient_id)
    # Not once the follow-up has ended (consent withdrawn, erasure) since it was queued.
    if (row and row.used_at is None and row.expires_at > now() and patient.phone
            and enrollment.status == "active"):
        local = row.expires_at.astimezone(ZoneInfo(patient.timezone))
        text = ACTIVATION_SMS[patient.language]
        values = {"date": local.strftime("%d/%m"), "time": local.strftime("%H:%M")}
        send_sms(entry, patient.phone, entry.kind, text.format(code=code, **values),
                 stored_body=text.format(code="••••••••••", **values), patient_id=patient.id)
    # Sent, used or expired: the entry forgets the code.
    entry.payload = {key: value for key, value in entry.payload.items() if key != "code"}


OUTBOX_HANDLERS = {"enrollment.activation_sms": send_code}
