"""Reminding a patient of tasks due (outbox entry ``task.remind``), outside the quiet
hours of the patient's protocol and only while the tasks still wait for an answer: a
push for the app, the questions by SMS for a questionnaire with an SMS form on the
``sms`` channel (backend.smsforms), else an SMS with a web form link."""

from __future__ import annotations

import uuid

from backend import db
from backend.clock import now
from backend.enrollments.channels import BY_SMS
from backend.enrollments.models import Enrollment
from backend.formlinks.reminders import send_form_links
from backend.notifications.services import notify_patient
from backend.outbox.models import OutboxEntry
from backend.outbox.services import NotNow
from backend.patients.models import Patient
from backend.protocols.content import protocol_of
from backend.smsforms import services as smsforms
from backend.tasks.models import Task
from backend.tasks.texts import REMINDER


def remind(entry: OutboxEntry) -> None:
    session = db.session()
    current = now()
    tasks = [session.get(Task, uuid.UUID(task_id)) for task_id in entry.payload["task_ids"]]
    # Still relevant: not answered, and not past its grace period (missed by now).
    pending = [task for task in tasks if task.status == "pending" and task.missed_at > current]
    if not pending:
        return
    patient = session.get(Patient, pending[0].patient_id)
    enrollment = session.get(Enrollment, pending[0].enrollment_id)
    if enrollment.status != "active":  # ended since (consent withdrawn, erasure): no more
        return
    quiet_until = protocol_of(enrollment.protocol).quiet_hours.ends_at(current,
                                                                        patient.timezone)
    if quiet_until is not None:
        raise NotNow(quiet_until)
    if enrollment.channel == "sms":
        # Questionnaires with an SMS form are asked by SMS; the others by web form link.
        pending = smsforms.ask(patient, enrollment, pending)
    if enrollment.channel in BY_SMS:
        send_form_links(entry, patient, pending)
    else:
        notify_patient(entry, patient, "task.reminder", REMINDER[patient.language])


OUTBOX_HANDLERS = {"task.remind": remind}
