"""An answer completes only the task it answers: a task the patient names must be one of
their own and ask for the questionnaire they send."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from backend import db
from backend.enrollments.models import Enrollment
from backend.patients.models import Patient
from backend.tasks import services as tasks
from backend.tasks.models import Task
from backend.tasks.services import plan
from tests.helpers import count, daily, submit


def test_a_named_task_of_another_questionnaire_is_refused_and_stays_to_do(world, clock, app):
    """The daily check sent under the id of today's QoR-15 task would mark the QoR-15 as
    done, and nobody would ever ask for it again."""
    clock.set(datetime(2026, 11, 25, 7, 0, tzinfo=UTC))  # day 3, 08:00 in Paris
    _, device = world.patient_device(world.staff("nurse"), surgery_date=date(2026, 11, 22))
    tasks = device.get("/api/v1/me/today").json["tasks"]
    qor = next(t for t in tasks if t["questionnaire"] == "qor-15")
    before = count(app, Task)

    refused = submit(device, "daily-postop", daily(), task_id=qor["id"])

    assert refused.status_code == 422, refused.json
    assert "task_id" in refused.json["errors"]["json"]
    assert "qor-15" in refused.json["errors"]["json"]["task_id"][0]
    with app.app_context():
        status = db.session().scalar(select(Task.status).where(Task.id == uuid.UUID(qor["id"])))
    assert status == "pending" and count(app, Task) == before
    # Without the wrong id, the same answer completes the daily check, not the QoR-15.
    answered = submit(device, "daily-postop", daily())
    assert answered.status_code == 201 and answered.json["task_done"]
    today = {t["questionnaire"]: t["status"] for t in device.get("/api/v1/me/today").json["tasks"]
             if t["questionnaire"]}
    assert today["daily-postop"] == "done" and today["qor-15"] == "pending"


def test_the_task_found_among_the_windows_is_the_one_the_database_would_give(
        world, clock, app):
    """A submission finds its task among the window's tasks it read anyway; an answer
    older than the window is matched by a query. Every hour over ten days of a follow-up
    (tasks answered and not, questionnaires and readings), both ways give the same task."""
    start = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
    clock.set(start)
    patient, _ = world.patient_device(world.staff("nurse"), surgery_date=date(2026, 11, 19),
                                      discharge_at=start)
    with app.app_context():
        enrollment = db.session().scalar(select(Enrollment).where(
            Enrollment.patient_id == uuid.UUID(patient["id"])))
        record = db.session().get(Patient, enrollment.patient_id)
        end = start + timedelta(days=10)
        plan(enrollment, record, start, end)
        done = list(db.session().scalars(select(Task).where(
            Task.enrollment_id == enrollment.id).order_by(Task.due_at)))[::3]
        for task in done:  # one in three already answered
            task.status, task.answered_at = "done", task.due_at
        db.session().commit()
        since = start - timedelta(days=1)
        window = tasks.window(enrollment, since)
        assert window.tasks and window.covers(start + timedelta(days=1))
        checked = 0
        for hour in range(0, 10 * 24, 1):
            at = start + timedelta(hours=hour)
            for slug in ("daily-postop", "qor-15"):
                by_window = tasks.match_questionnaire(enrollment, slug, None, at, window)
                by_query = tasks.match_questionnaire(enrollment, slug, None, at)
                assert (by_window and by_window.id) == (by_query and by_query.id), (slug, at)
                checked += by_query is not None
            for reading in {t.reading for t in window.tasks if t.reading}:
                by_window = tasks.match_reading(enrollment, reading, at, window)
                by_query = tasks.match_reading(enrollment, reading, at)
                assert (by_window and by_window.id) == (by_query and by_query.id), (reading, at)
        assert checked > 100
        # Older than the window: read, not guessed from the window.
        old = since + timedelta(hours=1)
        assert not window.covers(old - timedelta(days=2))
        assert tasks.match_questionnaire(enrollment, "daily-postop", None, old, window) == \
            tasks.match_questionnaire(enrollment, "daily-postop", None, old)
