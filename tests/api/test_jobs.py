"""Periodic jobs: reminders, missed tasks and missing-data alerts, escalation."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from backend import db
from backend.alerts.jobs import escalate_alerts
from backend.alerts.models import Alert
from backend.intake.jobs import check_missed_tasks
from backend.job_runtime import set_worker_app
from backend.notifications.models import Message
from backend.outbox.jobs import sweep_outbox
from backend.tasks.jobs import plan_tasks, remind_tasks
from tests.helpers import daily, run_worker, submit


@pytest.fixture(autouse=True)
def worker_app(app):
    app.config["SUIVI_ACCESS_TOKEN_TTL"] = 12 * 3600
    set_worker_app(app)


def _messages(app, template):
    with app.app_context():
        return [m for m in db.session().query(Message) if m.template == template]


def test_reminder_then_missed_task_raises_a_low_alert(world, app, clock, redis):
    clock.set(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))  # 09:00 in Paris
    nurse = world.staff("nurse")
    _, device = world.patient_device(nurse, surgery_date=date(2026, 11, 22),
                                     phone="+33633333333")
    assert plan_tasks() >= 1
    assert remind_tasks() == 0  # not due yet (10:00 local)
    clock.set(datetime(2026, 11, 23, 9, 30, tzinfo=UTC))
    assert remind_tasks() == 1
    assert remind_tasks() == 0  # once per task
    run_worker(app, redis)
    reminders = _messages(app, "task.reminder")
    assert [m.address for m in reminders] == ["+33633333333"]
    assert "questionnaire" in reminders[0].body
    clock.set(datetime(2026, 11, 23, 11, 1, tzinfo=UTC))  # due + 2 h grace
    assert check_missed_tasks() == 1
    tasks = {t["questionnaire"]: t for t in device.get("/api/v1/me/today").json["tasks"]}
    assert tasks["daily-postop"]["status"] == "missed"
    missing = [a for a in nurse.get("/api/v1/alerts").json if a["severity"] == "low"]
    assert [a["rule"] for a in missing] == ["daily-check-missing"]
    # Answered late, it still counts.
    assert submit(device, "daily-postop", daily()).status_code == 201
    tasks = {t["questionnaire"]: t for t in device.get("/api/v1/me/today").json["tasks"]}
    assert tasks["daily-postop"]["status"] == "done"


def test_every_missed_task_is_handled_in_one_run_batch_after_batch(world, clock):
    """Five patients who did not answer, handled two at a time: one run of the job marks
    them all and raises each one's missing-data alert (none waits for the next run)."""
    clock.set(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    nurse = world.staff("nurse")
    for _ in range(5):
        world.patient_device(nurse, surgery_date=date(2026, 11, 22))
    assert plan_tasks() >= 5
    clock.set(datetime(2026, 11, 23, 11, 1, tzinfo=UTC))  # due + 2 h grace
    assert check_missed_tasks(batch=2) >= 5
    missing = [a for a in nurse.get("/api/v1/alerts").json if a["rule"] == "daily-check-missing"]
    assert len({a["patient"]["id"] for a in missing}) == 5
    assert check_missed_tasks(batch=2) == 0


def test_an_hour_with_nothing_to_plan_reads_no_enrolment(world, app, clock):
    """Planned up to the next midnight past the horizon: the hourly runs after the first
    read nothing; the day after, the next day is planned."""
    from datetime import timedelta

    from backend.tasks.models import Task
    from tests.helpers import count, rows_read

    clock.set(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    nurse = world.staff("nurse")
    patients = [world.patient_device(nurse, surgery_date=date(2026, 11, 22))[0]
                for _ in range(3)]
    assert plan_tasks() >= 3
    planned = count(app, Task)
    for _ in range(5):
        clock.advance(hours=1)
        with app.app_context(), rows_read() as rows:
            assert plan_tasks() == 0
        assert sum(rows) == 0
    clock.advance(days=1)
    assert plan_tasks() > 0 and count(app, Task) > planned
    with app.app_context():
        from sqlalchemy import select

        from backend.enrollments.models import Enrollment

        ends = db.session().scalars(select(Enrollment.planned_until)).all()
    assert len(ends) == len(patients)
    assert all(end >= clock.now() + timedelta(hours=35) for end in ends)


def test_unacknowledged_alert_escalates_to_the_team_then_on_call(world, app, clock, redis):
    admin = world.admin()
    admin.post("/api/v1/teams", json={"slug": "team-a", "name": "A",
                                      "on_call_phone": "+33140000000"})
    nurse = world.staff("nurse", phone="+33611111111")
    surgeon = world.staff("surgeon", phone="+33655555555")
    _, device = world.patient_device(nurse)
    submit(device, "daily-postop", daily(breathlessness="at_rest"))
    run_worker(app, redis)
    alert = nurse.get("/api/v1/alerts").json[0]
    assert alert["severity"] == "high"
    assert escalate_alerts() == 0
    clock.advance(minutes=16)
    assert escalate_alerts() == 1
    run_worker(app, redis)
    level1 = {m.address for m in _messages(app, "alert.escalated")}
    assert level1 == {"+33611111111", "+33655555555"}
    assert escalate_alerts() == 0  # next step one deadline later
    clock.advance(minutes=16)
    assert escalate_alerts() == 1
    run_worker(app, redis)
    assert [m.address for m in _messages(app, "alert.on_call")] == ["+33140000000"]
    assert surgeon.get(f"/api/v1/alerts/{alert['id']}").json["escalation_level"] == 2
    nurse.post(f"/api/v1/alerts/{alert['id']}/acknowledge")
    clock.advance(hours=1)
    assert escalate_alerts() == 0


def test_escalation_goes_to_the_assignee_first(world, app, clock, redis):
    nurse = world.staff("nurse", phone="+33611111111")
    colleague = world.staff("nurse", phone="+33622222222")
    _, device = world.patient_device(nurse)
    submit(device, "daily-postop", daily(calf_pain=True))
    alert = nurse.get("/api/v1/alerts").json[0]
    nurse.post(f"/api/v1/alerts/{alert['id']}/assign", json={"staff_id": colleague.id})
    clock.advance(minutes=16)
    escalate_alerts()
    run_worker(app, redis)
    assert [m.address for m in _messages(app, "alert.escalated")] == ["+33622222222"]


def test_sweep_is_idempotent_and_skips_done_entries(world, app, redis):
    nurse = world.staff("nurse", phone="+33611111111")
    _, device = world.patient_device(nurse)
    submit(device, "daily-postop", daily(calf_pain=True))
    run_worker(app, redis)
    sent = _messages(app, "alert")
    assert len(sent) == 1
    sweep_outbox()
    run_worker(app, redis)
    assert len(_messages(app, "alert")) == 1
    with app.app_context():
        assert db.session().query(Alert).count() == 1
