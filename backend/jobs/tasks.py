"""RQ job functions. Each runs in the worker's app context and is safe to run twice."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from sqlalchemy import select

from backend import db
from backend.clock import now
from backend.jobs.runtime import in_app_context
from backend.outbox import services as outbox
from backend.outbox.models import OutboxEntry
from backend.redis_conn import get_redis

log = logging.getLogger(__name__)

# Tasks are planned this far ahead so reminders can go out on time.
PLANNING_HORIZON = timedelta(hours=36)


@in_app_context
def heartbeat() -> str:
    """Proves the scheduler → Redis → worker path works."""
    stamp = now().isoformat()
    get_redis().set("suivi:worker:heartbeat", stamp, ex=3600)
    return stamp


@in_app_context
def deliver_outbox(entry_id: str) -> str:
    """Carry out one outbox entry (notify, escalate, remind...); a done entry is skipped."""
    from backend.notifications.services import InFlight, NotNow, deliver

    session = db.session()
    entry = session.get(OutboxEntry, uuid.UUID(entry_id))
    if entry is None or entry.status == "done":
        return "skipped"
    try:
        deliver(entry)
    except InFlight:
        session.rollback()  # the worker sending it will finish the entry
        return "in flight"
    except NotNow as wait:  # quiet hours, the ward's night: the sweep brings it back
        session.rollback()
        outbox.postpone(session.get(OutboxEntry, uuid.UUID(entry_id)), wait.until)
        session.commit()
        return "postponed"
    except Exception as error:
        session.rollback()
        entry = session.get(OutboxEntry, uuid.UUID(entry_id))
        outbox.finish(entry, error=f"{type(error).__name__}: {error}")
        session.commit()
        raise
    outbox.finish(entry)
    outbox.commit(session)
    return "done"


@in_app_context
def sweep_outbox() -> int:
    """Enqueue outbox entries still pending (Redis was down, a worker died...)."""
    return outbox.sweep()


@in_app_context
def escalate_alerts() -> int:
    from backend.alerts.services import escalate_overdue

    count = escalate_overdue()
    outbox.commit()
    return count


@in_app_context
def plan_tasks() -> int:
    """Plan every active enrolment's tasks for the next hours."""
    from backend.enrollments.models import Enrollment
    from backend.patients.models import Patient
    from backend.tasks.services import plan

    session = db.session()
    start = now() - timedelta(hours=1)
    created = 0
    for enrollment in session.scalars(select(Enrollment).where(Enrollment.status == "active")):
        created += plan(enrollment, session.get(Patient, enrollment.patient_id), start,
                        start + PLANNING_HORIZON)
    session.commit()
    return created


@in_app_context
def remind_tasks() -> int:
    """One reminder per patient and due time for the tasks not answered yet (a patient
    with two questionnaires due at 10:00 gets one message, not two).

    Every due task is handled, one batch (and transaction) at a time: when thousands of
    patients are due at 10:00, the last must not wait for later runs of this job (by
    then their task may be past its grace period, and never reminded)."""
    from backend.tasks.services import REMINDER_BATCH, due_for_reminder

    reminders = 0
    while True:
        batch = due_for_reminder()
        groups: dict[tuple, list] = {}
        for task in batch:
            groups.setdefault((task.patient_id, task.due_at), []).append(task)
            task.reminded_at = now()
        reminders += outbox.add_many("task.remind", [
            ({"task_ids": [str(task.id) for task in group]},
             f"remind:{patient_id}:{due_at.isoformat()}")
            for (patient_id, due_at), group in groups.items()])
        outbox.commit()
        if len(batch) < REMINDER_BATCH:
            return reminders


@in_app_context
def check_missed_tasks(batch: int | None = None) -> int:
    """Mark tasks past their grace period as missed and evaluate those patients again, so
    missing-data rules raise their alerts.

    Every such task is handled in this run, ``batch`` at a time (one transaction each):
    after a morning when thousands did not answer, the last patient's missing-data alert
    must not wait for later runs."""
    from backend.enrollments.models import Enrollment
    from backend.intake.evaluation import evaluate_patient
    from backend.patients.models import Patient
    from backend.protocols.content import protocol_of
    from backend.tasks.services import MISSED_BATCH, mark_missed

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
        outbox.commit()
        marked += len(missed)
        if len(missed) < batch:
            return marked
