"""An answer completes only the task it answers: a task the patient names must be one of
their own and ask for the questionnaire they send."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import select

from backend import db
from backend.tasks.models import Task
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
