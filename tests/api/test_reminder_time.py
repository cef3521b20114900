"""A patient's own reminder time: chosen in the app (or set by the ward for a patient
without it), reminders go then for the tasks due later that day, never later than due."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from backend import db
from backend.job_runtime import set_worker_app
from backend.tasks.jobs import plan_tasks, remind_tasks
from backend.tasks.models import Task
from tests.helpers import audit_events

# 23 November: Paris is UTC+1. ambulatory-general: daily-postop at 10:00 (09:00 UTC),
# missed 2 h later.
EARLY = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # 07:00 in Paris


@pytest.fixture(autouse=True)
def worker_app(app):
    app.config["SUIVI_ACCESS_TOKEN_TTL"] = 12 * 3600
    set_worker_app(app)


def _patient(world, clock):
    clock.set(EARLY)
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse, surgery_date=date(2026, 11, 22),
                                           phone="+33633333334")
    return nurse, patient, device


def _daily(app) -> Task:
    """The daily check due on 23 November."""
    with app.app_context():
        task = db.session().scalar(select(Task).where(
            Task.questionnaire == "daily-postop",
            Task.due_at == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)))
        db.session().expunge(task)
        return task


def test_a_patient_is_reminded_at_the_time_they_chose(world, app, clock, redis):
    _nurse, patient, device = _patient(world, clock)
    chosen = device.put("/api/v1/me/reminder-time", json={"reminder_time": "08:30"})
    assert chosen.status_code == 200 and chosen.json == {"reminder_time": "08:30"}
    assert plan_tasks() >= 1
    task = _daily(app)
    assert task.remind_at == datetime(2026, 11, 23, 7, 30, tzinfo=UTC)  # 08:30 in Paris
    # The ward's checks keep the protocol's time.
    assert task.due_at == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert task.missed_at == datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
    clock.set(datetime(2026, 11, 23, 7, 29, tzinfo=UTC))
    assert remind_tasks() == 0
    clock.set(datetime(2026, 11, 23, 7, 31, tzinfo=UTC))
    assert remind_tasks() == 1 and remind_tasks() == 0
    today = device.get("/api/v1/me/today").json
    assert today["reminder_time"] == "08:30"
    # What the phone needs to remind the patient by itself when no push reaches it.
    [daily] = [t for t in today["tasks"] if t["questionnaire"] == "daily-postop"]
    assert daily["remind_at"] == "2026-11-23T07:30:00+00:00"
    assert today["quiet_hours"] == {"from": "21:00", "to": "08:00"}
    assert audit_events(app, action="enrollment.reminder_time",
                        patient_id=uuid.UUID(patient["id"]))


def test_a_later_time_never_delays_a_reminder(world, app, clock, redis):
    _nurse, _patient_row, device = _patient(world, clock)
    assert plan_tasks() >= 1
    # Chosen after planning: the planned tasks follow.
    assert device.put("/api/v1/me/reminder-time",
                      json={"reminder_time": "18:00"}).status_code == 200
    assert _daily(app).remind_at == _daily(app).due_at
    assert device.put("/api/v1/me/reminder-time",
                      json={"reminder_time": "08:00"}).status_code == 200
    assert _daily(app).remind_at == datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    # Back to the due times.
    assert device.put("/api/v1/me/reminder-time",
                      json={"reminder_time": None}).status_code == 200
    assert _daily(app).remind_at == _daily(app).due_at


def test_a_time_already_past_today_is_not_sent_at_once(world, app, clock, redis):
    _nurse, _patient_row, device = _patient(world, clock)
    assert plan_tasks() >= 1
    clock.set(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))  # 09:00 in Paris
    assert device.put("/api/v1/me/reminder-time",
                      json={"reminder_time": "08:30"}).status_code == 200
    assert _daily(app).remind_at == _daily(app).due_at
    assert remind_tasks() == 0


def test_an_hour_within_the_quiet_hours_is_refused(world, app, clock):
    """The protocol holds reminders from 21:00 to 08:00: a 07:00 reminder would come at
    08:00, so the patient is told rather than silently moved."""
    _nurse, _patient_row, device = _patient(world, clock)
    refused = device.put("/api/v1/me/reminder-time", json={"reminder_time": "07:00"})
    assert refused.status_code == 422
    assert "reminder_time" in str(refused.json) and "21:00 to 08:00" in refused.json["message"]
    assert device.get("/api/v1/me/today").json["reminder_time"] is None


@pytest.mark.parametrize("typed", ["25:00", "8h30", "05:30", "21:30", "", 830, "08:30:00"])
def test_a_time_out_of_bounds_is_refused_naming_the_field(world, app, clock, typed):
    _nurse, _patient_row, device = _patient(world, clock)
    refused = device.put("/api/v1/me/reminder-time", json={"reminder_time": typed})
    assert refused.status_code == 422
    assert "reminder_time" in refused.json["message"]
    assert device.get("/api/v1/me/today").json["reminder_time"] is None


def test_the_ward_sets_it_for_a_patient_without_the_app(world, app, clock, redis):
    nurse, patient, _device = _patient(world, clock)
    enrollment_id = nurse.get(f"/api/v1/patients/{patient['id']}/enrollments").json[0]["id"]
    path = f"/api/v1/patients/{patient['id']}/enrollments/{enrollment_id}/reminder-time"
    answer = nurse.put(path, json={"reminder_time": "09:00"})
    assert answer.status_code == 200 and answer.json["reminder_time"] == "09:00"
    assert plan_tasks() >= 1
    assert _daily(app).remind_at == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    other_team = world.staff("nurse", teams=("team-b",))
    assert other_team.put(path, json={"reminder_time": "07:00"}).status_code == 404
    assert audit_events(app, action="enrollment.reminder_time", outcome="denied",
                        patient_id=uuid.UUID(patient["id"]))


def test_push_tokens_are_registered_by_post_too(world, clock):
    _nurse, _patient_row, device = _patient(world, clock)
    assert device.post("/api/v1/me/push-tokens",
                       json={"push_token": "fcm-token-of-this-phone"}).status_code == 204
    assert device.post("/api/v1/me/push-tokens", json={}).status_code == 422
