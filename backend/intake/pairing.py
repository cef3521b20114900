"""Pairing the patient app: an activation code in, a device token out."""

from __future__ import annotations

from backend import db
from backend.audit import services as audit
from backend.auth import patient_credentials as credentials
from backend.enrollments.models import Enrollment
from backend.patients.models import Patient


def activate(code: str, label: str | None) -> tuple[str, Patient]:
    """Exchange an activation code for a device token (returned once, stored hashed)."""
    audit.throttle_address("patient.activate")
    session = db.session()
    enrollment = session.get(Enrollment, credentials.redeem_activation_code(code))
    token, device = credentials.pair_device(enrollment.patient_id, label)
    audit.record("patient.activate", actor=("patient", enrollment.patient_id),
                 patient_id=enrollment.patient_id, object_type="device_token",
                 object_id=device.id)
    return token, session.get(Patient, enrollment.patient_id)
