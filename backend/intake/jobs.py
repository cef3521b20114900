"""The missed-data job: tasks past their grace period are missed, and their patients
evaluated again so that missing-data rules raise their alerts."""

from __future__ import annotations

from backend import db
from backend.enrollments.models import Enrollment
from backend.intake.evaluation import evaluate_patient
from backend.job_runtime import in_app_context
from backend.patients.models import Patient
from backend.protocols.content import protocol_of
from backend.tasks.services import MISSED_BATCH, mark_missed


@in_app_context
def check_missed_tasks(batch: int | None = None) -> int:
    """Mark tasks past their grace period as missed and evaluate those patients again, so
    missing-data rules raise their alerts.

    Every such task is handled in this run, ``batch`` at a time (one transaction each):
    after a morning when thousands did not answer, the last patient's missing-data alert
    must not wait for later runs."""
    session = db.session()
    batch = batch or MISSED_BATCH
    marked = 0
    while True:
        missed = mark_missed(batch)
        for enrollment_id in {task.enrollment_id for task in missed}:
            enrollment = session.get(Enrollment, enrollment_id)
            if enrollment.status != "active":
                continue
            patient = session.get(Patient, enrollment.patient_id)
            evaluate_patient(patient, enrollment, protocol_of(enrollment.protocol))
        session.commit()
        marked += len(missed)
        if len(missed) < batch:
            return marked
