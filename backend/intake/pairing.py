"""Pairing the patient app: an activation code in, a device token out."""

from __future__ import annotations

from backend import db
from backend.audit import services as audit
from backend.auth import patient_credentials as credentials
from backend.clock import now
from backend.enrollments import follow_up
from backend.enrollments.models import Enrollment
from backend.errors import Invalid
from backend.patients.models import Patient


def activate(code: str, label: str | None) -> tuple[str, Patient]:
    """Exchange an activation code for a device token (returned once, stored hashed)."""
    audit.throttle_address("patient.activate")
    session = db.session()
    enrollment = session.get(Enrollment, credentials.redeem_activation_code(code))
    patient = session.get(Patient, enrollment.patient_id)
    if now() >= follow_up.ends_at(enrollment, patient.timezone):
        # A new phone only while the follow-up runs: the grace after its end is for a phone
        # already paired to send what it holds; a new one has nothing to send. The code is
        # not used up (nothing is stored).
        audit.record_refusal("patient.activate", patient_id=patient.id,
                             detail={"reason": "follow-up ended"})
        raise Invalid("activation_code", "this code's follow-up has ended (on "
                      f"{follow_up.last_day(enrollment, patient.timezone):%d/%m/%Y}); ask "
                      "your care team for a new one if you are still followed")
    token, device = credentials.pair_device(enrollment.patient_id, enrollment.id, label)
    audit.record("patient.activate", actor=("patient", enrollment.patient_id),
                 patient_id=enrollment.patient_id, object_type="device_token",
                 object_id=device.id)
    return token, patient
