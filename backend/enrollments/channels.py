"""How a patient answers: the app, SMS, or a web form opened from an SMS link (the
enrolment's ``channel``), and the welcome SMS a patient gets on starting by SMS or web
form (outbox entry ``enrollment.welcome_sms``).

An "sms" patient is asked by SMS the questionnaires with an SMS form (backend.smsforms)
and gets the web form link of the others (backend.formlinks)."""

from __future__ import annotations

import uuid

from backend import db
from backend.audit import services as audit
from backend.clock import now
from backend.enrollments import follow_up
from backend.enrollments.models import Enrollment
from backend.enrollments.texts import WELCOME_SMS
from backend.errors import Invalid
from backend.notifications.services import send_sms
from backend.outbox import services as outbox
from backend.outbox.models import OutboxEntry
from backend.patients.models import Patient

CHANNELS = ("app", "sms", "web")
# The channels that reach the patient by SMS only.
BY_SMS = ("sms", "web")
# French numbers of mobile phones start with 06 or 07: any other French number is a
# landline (or a box), which an SMS does not reach.
FRENCH_MOBILE = ("+336", "+337")


def check_channel(patient: Patient, channel: str) -> None:
    """``channel`` can reach ``patient``, or ``Invalid`` naming ``channel`` and why not."""
    if channel not in CHANNELS:
        raise Invalid("channel", f"must be one of {', '.join(CHANNELS)}")
    if channel not in BY_SMS:
        return
    phone = (patient.phone or "").strip()
    if not phone:
        raise Invalid("channel", f"'{channel}' needs the patient's mobile phone number, and "
                                 "the record has none: add it first, or choose 'app'")
    if phone.startswith("+33") and not phone.startswith(FRENCH_MOBILE):
        raise Invalid("channel", f"'{channel}' needs a mobile phone: the patient's number is "
                                 "not a mobile (06 or 07) and cannot receive SMS")
    if patient.sms_opt_out:
        raise Invalid("channel", f"'{channel}' needs SMS and the patient has opted out of "
                                 "SMS (STOP): choose 'app', or the patient texts START first")


def welcome(enrollment: Enrollment) -> None:
    """Queue the welcome SMS when the patient answers by SMS or web form (once per
    enrolment and channel change)."""
    if enrollment.channel in BY_SMS:
        outbox.add("enrollment.welcome_sms", {"enrollment_id": str(enrollment.id)},
                   dedupe_key=f"welcome-sms:{enrollment.id}:{now().isoformat()}", queue="high")


def change_channel(patient: Patient, enrollment: Enrollment, channel: str) -> Enrollment:
    follow_up.ensure_ongoing(enrollment, "channel", "its channel can no longer change")
    check_channel(patient, channel)
    previous = enrollment.channel
    enrollment.channel = channel
    # The channels only: how a patient answers says nothing of their health.
    audit.record("enrollment.channel", patient_id=patient.id, object_type="enrollment",
                 object_id=enrollment.id, detail={"from": previous, "to": channel})
    if channel != previous:
        welcome(enrollment)
    return enrollment


def send_welcome(entry: OutboxEntry) -> None:
    session = db.session()
    enrollment = session.get(Enrollment, uuid.UUID(entry.payload["enrollment_id"]))
    patient = session.get(Patient, enrollment.patient_id)
    # Still on SMS or web form, still followed, still reachable when the job runs.
    if (enrollment.channel in BY_SMS and enrollment.status == "active" and patient.phone
            and not patient.sms_opt_out):
        send_sms(entry, patient.phone, "enrollment.welcome", WELCOME_SMS[patient.language],
                 patient_id=patient.id)


OUTBOX_HANDLERS = {"enrollment.welcome_sms": send_welcome}
