"""Tasks: the protocol's schedule made concrete for each enrolment, in the patient's time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError

from backend import db
from backend.audit import services as audit
from backend.clock import now
from backend.enrollments import follow_up
from backend.enrollments.models import Enrollment
from backend.errors import Invalid
from backend.intake.models import Reading
from backend.patients.models import Patient
from backend.protocols.content import protocol_of
from backend.tasks.models import Task
from rules.model import TaskRecord
from rules.protocol import Protocol
from rules.schedule import planned_tasks, reminder_at
from rules.scores import OBSERVER_READINGS

Nearest = TypeVar("Nearest")
REMINDER_BATCH = 1000
MISSED_BATCH = 1000


def local_day_bounds(timezone: str, at: datetime) -> tuple[datetime, datetime]:
    """Start and end (UTC) of the patient's local calendar day containing ``at``."""
    zone = ZoneInfo(timezone)
    day = at.astimezone(zone).date()
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone)
    return start, end


def plan(enrollment: Enrollment, patient: Patient, start: datetime, end: datetime) -> int:
    """Create the tasks due in [start, end) that do not exist yet; returns how many.

    Nothing is due before the patient's discharge: a patient enrolled at 14:00 is not
    asked (nor reminded, nor marked as having missed) the questionnaire of 10:00."""
    session = db.session()
    start = max(start, enrollment.discharge_at)
    if start >= end:
        return 0
    protocol = protocol_of(enrollment.protocol)
    chosen = reminder_time_of(enrollment)
    planned = planned_tasks(protocol, enrollment.surgery_date, patient.timezone, start, end)
    if not planned:
        return 0
    existing = set(session.scalars(select(Task.key).where(
        Task.enrollment_id == enrollment.id, Task.key.in_([p.key for p in planned]))))
    created = 0
    for item in planned:
        if item.key in existing:
            continue
        task = Task(enrollment_id=enrollment.id, patient_id=patient.id,
                    care_team_id=enrollment.care_team_id, key=item.key,
                    kind=item.kind, questionnaire=item.questionnaire, reading=item.reading,
                    day=item.day, due_at=item.due_at, missed_at=item.missed_at,
                    remind_at=reminder_at(item.due_at, patient.timezone, chosen),
                    status="pending", created_at=now())
        try:
            with session.begin_nested():
                session.add(task)
        except IntegrityError:  # planned concurrently by another process
            continue
        created += 1
    return created


def to_plan(end: datetime) -> list[tuple[Enrollment, Patient]]:
    """The active enrolments whose tasks are not planned until ``end``, with their patient
    (read from a partial index: none in an hour with nothing to plan, whatever the number
    of patients)."""
    return list(db.session().execute(
        select(Enrollment, Patient).join(Patient, Patient.id == Enrollment.patient_id)
        .where(Enrollment.status == "active",
               or_(Enrollment.planned_until.is_(None), Enrollment.planned_until < end))))


def today(enrollment: Enrollment, patient: Patient) -> list[Task]:
    """The patient's tasks for their local today (planned on demand)."""
    start, end = local_day_bounds(patient.timezone, now())
    plan(enrollment, patient, start, end)
    return list(db.session().scalars(select(Task).where(
        Task.enrollment_id == enrollment.id, Task.due_at >= start, Task.due_at < end)
        .order_by(Task.due_at, Task.key)))


def task_view(task: Task, protocol: Protocol) -> dict:
    """A task as the app shows it; a pending task past its grace period reads ``missed``.
    ``remind_at`` lets the phone remind the patient by itself when no push reaches it."""
    status = task.status
    if status == "pending" and task.missed_at <= now():
        status = "missed"
    return {"id": task.id, "kind": task.kind, "questionnaire": task.questionnaire,
            "reading": task.reading, "day": task.day, "due_at": task.due_at,
            "remind_at": task.remind_at, "missed_at": task.missed_at, "status": status,
            "answered_at": task.answered_at,
            "items_not_asked": list(items_not_asked(task, protocol))}


def items_not_asked(task: Task, protocol: Protocol) -> tuple[str, ...]:
    """The items of the task's questionnaire its day does not ask (the schedule's
    ``item_days``)."""
    if task.questionnaire is None:
        return ()
    return protocol.items_not_asked(task.questionnaire, task.day)


def match_questionnaire(enrollment: Enrollment, questionnaire: str, task_id,
                        at: datetime, window: TaskWindow | None = None
                        ) -> Task | TaskRow | None:
    """The task a submission answers: the one named, else the open one due nearest to the
    answer (late answers count, up to two days; an answer at 09:00 before today's 10:00
    check is today's, not yesterday's missed one), within 24 hours ahead. Found among the
    ``window``'s tasks when they cover those two days (an answer sent now), else read."""
    if task_id is not None:
        named = window.find(task_id) if window is not None else None
        if named is not None:
            return named
        task = db.session().get(Task, task_id)
        if task is None or task.enrollment_id != enrollment.id:
            return None
        return task
    after, before = at - timedelta(days=2), at + timedelta(hours=24)
    if window is not None and window.covers(after):
        return _nearest(window.open_between(after, before, questionnaire=questionnaire), at)
    candidates = [TaskRow(*row) for row in db.execute(_OPEN_QUESTIONNAIRE_TASKS, {
        "enrollment_id": enrollment.id, "questionnaire": questionnaire,
        "after": after, "before": before})]
    return _nearest(candidates, at)


def match_reading(enrollment: Enrollment, reading_type: str, at: datetime,
                  window: TaskWindow | None = None) -> Task | TaskRow | None:
    """The open task of that reading due nearest to when it was measured (a day either
    way): the 07:00 weight is this morning's, not yesterday's missed one. Found among the
    ``window``'s tasks when they cover that day."""
    after, before = at - timedelta(days=1), at + timedelta(hours=24)
    if window is not None and window.covers(after):
        return _nearest(window.open_between(after, before, reading=reading_type), at)
    return _nearest(list(db.session().scalars(select(Task).where(
        Task.enrollment_id == enrollment.id, Task.reading == reading_type,
        Task.status != "done", Task.due_at > after, Task.due_at < before))), at)


@dataclass
class TaskRow:
    """A task as the columns a submission reads and writes (no ORM entity): a submission
    finds the task it answers among its window's, completes it by one UPDATE
    (``complete``, which keeps this copy in step) and hands the rules the window."""

    id: uuid.UUID
    enrollment_id: uuid.UUID
    key: str
    questionnaire: str | None
    reading: str | None
    day: int
    due_at: datetime
    status: str
    answered_at: datetime | None


@dataclass(frozen=True)
class TaskWindow:
    """An enrolment's tasks due from ``since`` on, read once by a submission: the tasks it
    answers are found among them, and the rules see them after their completion."""

    since: datetime
    tasks: list[TaskRow]

    def covers(self, start: datetime) -> bool:
        return start >= self.since

    def find(self, task_id: object) -> TaskRow | None:
        return next((t for t in self.tasks if t.id == task_id), None)

    def open_between(self, after: datetime, before: datetime, *,
                     questionnaire: str | None = None,
                     reading: str | None = None) -> list[TaskRow]:
        """The open tasks of that questionnaire or reading due strictly between the two
        (as the queries of ``match_questionnaire`` and ``match_reading`` select them)."""
        return [t for t in self.tasks if t.status != "done" and after < t.due_at < before
                and (questionnaire is None or t.questionnaire == questionnaire)
                and (reading is None or t.reading == reading)]

    def for_rules(self, since: datetime) -> list[TaskRecord]:
        """The tasks due from ``since`` on, as the rules engine sees them."""
        return [TaskRecord(key=t.key, questionnaire=t.questionnaire, reading=t.reading,
                           due_at=t.due_at, answered_at=t.answered_at)
                for t in self.tasks if t.due_at >= since]


# Built once, on the table's columns: every submission reads its window's tasks.
_tasks = Task.__table__
_TASK_ROW = (_tasks.c.id, _tasks.c.enrollment_id, _tasks.c.key, _tasks.c.questionnaire,
             _tasks.c.reading, _tasks.c.day, _tasks.c.due_at, _tasks.c.status,
             _tasks.c.answered_at)
_WINDOW = select(*_TASK_ROW).where(_tasks.c.enrollment_id == bindparam("enrollment_id"),
                                   _tasks.c.due_at >= bindparam("since"))
_OPEN_QUESTIONNAIRE_TASKS = select(*_TASK_ROW).where(
    _tasks.c.enrollment_id == bindparam("enrollment_id"),
    _tasks.c.questionnaire == bindparam("questionnaire"), _tasks.c.status != "done",
    _tasks.c.due_at > bindparam("after"), _tasks.c.due_at < bindparam("before")
).order_by(_tasks.c.due_at)
_COMPLETE_ROW = _tasks.update().where(_tasks.c.id == bindparam("task_id")).values(
    status="done", answered_at=bindparam("answered_at"),
    submission_id=func.coalesce(bindparam("new_submission_id", type_=_tasks.c.submission_id.type),
                                _tasks.c.submission_id))


def window(enrollment: Enrollment, since: datetime) -> TaskWindow:
    """The enrolment's tasks due from ``since`` on (the rules' window), in one query."""
    return TaskWindow(since, [TaskRow(*row) for row in db.execute(
        _WINDOW, {"enrollment_id": enrollment.id, "since": since})])


def _nearest(tasks: list[Nearest], at: datetime) -> Nearest | None:
    # Ties (exactly between two due times) go to the earlier task: it is the one missing.
    return min(tasks, key=lambda t: (abs(t.due_at - at), t.due_at), default=None)


def missing_readings(task: Task | TaskRow, protocol: Protocol, timezone: str) -> list[str]:
    """The readings the task's schedule entry requires that have not arrived on the task's
    local day (a NEWS2 set is not done with half of its readings)."""
    entry = next((e for e in protocol.schedule if e.task == (task.questionnaire or task.reading)
                  and task.day in e.days), None)
    if entry is None or not entry.requires:
        return []
    required = asked_readings(db.session().get(Enrollment, task.enrollment_id), entry.requires)
    start, end = local_day_bounds(timezone, task.due_at)
    db.session().flush()
    arrived = set(db.session().scalars(select(Reading.type).distinct().where(
        Reading.enrollment_id == task.enrollment_id, Reading.type.in_(required),
        Reading.measured_at >= start, Reading.measured_at < end)))
    return [rtype for rtype in required if rtype not in arrived]


def not_asked(enrollment: Enrollment) -> list[str]:
    """The readings this patient is not asked (no carer measures them for them)."""
    return [] if enrollment.carer_measures else list(OBSERVER_READINGS)


def asked_readings(enrollment: Enrollment, readings) -> list[str]:
    """``readings`` without those the patient is not asked: a task never waits for them."""
    skipped = set(not_asked(enrollment))
    return [rtype for rtype in readings if rtype not in skipped]


def complete_if_requirements_met(enrollment: Enrollment, protocol: Protocol, timezone: str,
                                 reading_types: set[str]) -> None:
    """Readings sent alone may complete a questionnaire task that required them."""
    slugs = {e.questionnaire for e in protocol.schedule
             if e.questionnaire and reading_types & set(e.requires)}
    if not slugs:
        return
    start, end = local_day_bounds(timezone, now())
    for task in db.session().scalars(select(Task).where(
            Task.enrollment_id == enrollment.id, Task.questionnaire.in_(slugs),
            Task.status != "done", Task.due_at >= start, Task.due_at < end)):
        if not missing_readings(task, protocol, timezone):
            complete(task, now())


def complete(task: Task | TaskRow, at: datetime, submission_id=None) -> None:
    task.status, task.answered_at = "done", at
    if isinstance(task, TaskRow):  # no entity to flush: one UPDATE, this copy kept in step
        db.execute(_COMPLETE_ROW, {"task_id": task.id, "answered_at": at,
                                   "new_submission_id": submission_id})
    elif submission_id is not None:
        task.submission_id = submission_id


def records(enrollment: Enrollment, since: datetime) -> list[TaskRecord]:
    """Tasks of the evaluation window, as the rules engine sees them."""
    return window(enrollment, since).for_rules(since)


def mark_missed(limit: int = MISSED_BATCH) -> list[Task]:
    """At most ``limit`` pending tasks past their grace period become ``missed``;
    returns them."""
    current = now()
    # Ordered as the index of pending tasks is: without the order, PostgreSQL guesses
    # that many pending tasks are past (it cannot know they are all to come) and reads
    # the whole table to find none.
    missed = list(db.session().scalars(select(Task).where(
        Task.status == "pending", Task.missed_at <= current)
        .order_by(Task.missed_at).limit(limit)))
    for task in missed:
        task.status = "missed"
    return missed


def due_for_reminder() -> list[Task]:
    """At most REMINDER_BATCH pending tasks whose reminder time has come, not reminded
    yet."""
    current = now()
    return list(db.session().scalars(select(Task).where(
        Task.status == "pending", Task.reminded_at.is_(None), Task.remind_at <= current,
        Task.missed_at > current).order_by(Task.remind_at).limit(REMINDER_BATCH)))


def reminder_time_of(enrollment: Enrollment) -> time | None:
    return time.fromisoformat(enrollment.reminder_time) if enrollment.reminder_time else None


def set_reminder_time(patient: Patient, enrollment: Enrollment, chosen: time | None) -> None:
    """The patient's own reminder time (None: at the due times), for the tasks planned
    from now on and for those still to be reminded. A reminder whose new time has passed
    today stays at its due time (it is not sent at once). An hour within the protocol's
    quiet hours is refused: no reminder would come then."""
    follow_up.ensure_ongoing(enrollment, "reminder_time", "no reminder is sent any more")
    if chosen is not None:
        quiet = protocol_of(enrollment.protocol).quiet_hours
        tz = ZoneInfo(patient.timezone)
        if quiet.ends_at(datetime.combine(now().astimezone(tz).date(), chosen, tz),
                         patient.timezone) is not None:
            raise Invalid("reminder_time", f"{chosen:%H:%M} is within the quiet hours of the "
                          f"protocol ({quiet.start:%H:%M} to {quiet.end:%H:%M}): no reminder "
                          "reaches the patient then")
    enrollment.reminder_time = chosen.strftime("%H:%M") if chosen else None
    current = now()
    for task in db.session().scalars(select(Task).where(
            Task.enrollment_id == enrollment.id, Task.status == "pending",
            Task.reminded_at.is_(None), Task.due_at > current)):
        at = reminder_at(task.due_at, patient.timezone, chosen)
        task.remind_at = at if at > current else task.due_at
    audit.record("enrollment.reminder_time", patient_id=patient.id, object_type="enrollment",
                 object_id=enrollment.id, detail={"to": enrollment.reminder_time})
