"""The follow-up tasks' periodic jobs: plan them ahead, remind the patients they are due."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from backend import db
from backend.clock import now
from backend.job_runtime import in_app_context
from backend.outbox import services as outbox
from backend.tasks.services import REMINDER_BATCH, due_for_reminder, plan, to_plan

# Tasks are planned this far ahead so reminders can go out on time.
PLANNING_HORIZON = timedelta(hours=36)


@in_app_context
def plan_tasks() -> int:
    """Plan every active enrolment's tasks at least ``PLANNING_HORIZON`` ahead.

    Each enrolment is planned up to the next UTC midnight past the horizon and remembers
    it (``planned_until``): the runs of the rest of the day find nothing to plan without
    reading any enrolment, and one run a day plans the next day of every follow-up."""
    session = db.session()
    start = now() - timedelta(hours=1)
    horizon, end = start + PLANNING_HORIZON, planned_until(start)
    created = 0
    for enrollment, patient in to_plan(horizon):
        created += plan(enrollment, patient, max(start, enrollment.planned_until or start), end)
        enrollment.planned_until = end
    session.commit()
    return created


def planned_until(start: datetime) -> datetime:
    """Until when a run starting at ``start`` plans each enrolment: the next UTC midnight
    past the horizon."""
    horizon = start + PLANNING_HORIZON
    return datetime.combine(horizon.date() + timedelta(days=1), time(), UTC)


@in_app_context
def remind_tasks() -> int:
    """One reminder per patient and due time for the tasks not answered yet (a patient
    with two questionnaires due at 10:00 gets one message, not two).

    Every due task is handled, one batch (and transaction) at a time: when thousands of
    patients are due at 10:00, the last must not wait for later runs of this job (by
    then their task may be past its grace period, and never reminded)."""
    session = db.session()
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
        session.commit()
        if len(batch) < REMINDER_BATCH:
            return reminders
