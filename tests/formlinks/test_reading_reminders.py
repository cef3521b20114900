"""A patient who answers by web form has no form for a reading alone (a daily weight): the
reminder of a reading task sends nothing; the vitals questionnaire of the same hour, which
asks the weight too, gets its link."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from backend import db
from backend.job_runtime import set_worker_app
from backend.outbox import services as outbox
from backend.tasks.jobs import plan_tasks
from backend.tasks.models import Task
from tests.formlinks.support import link_messages
from tests.helpers import CONSENT, run_worker


def test_a_reading_alone_sends_no_link_and_no_reminder(world, app, clock, redis):
    set_worker_app(app)
    clock.set(datetime(2026, 11, 23, 6, 0, tzinfo=UTC))
    nurse = world.staff("nurse")
    patient = world.patient(nurse, phone="+33655555555")
    assert nurse.post(f"/api/v1/patients/{patient['id']}/enrollments", json={
        "protocol": "heart-failure", "surgery_date": date(2026, 11, 22).isoformat(),
        "channel": "web", "consent": CONSENT}).status_code == 201
    plan_tasks()
    run_worker(app, redis)  # the welcome SMS
    sent_before = len(app.extensions["suivi"].sms.sent)
    clock.set(datetime(2026, 11, 23, 7, 30, tzinfo=UTC))  # 08:30 in Paris: both are due
    with app.app_context():
        due = {task.reading or task.questionnaire: task for task in db.session().scalars(
            select(Task).where(Task.due_at <= clock.now(), Task.status == "pending"))}
        assert {"weight", "vitals"} <= set(due)
        outbox.add("task.remind", {"task_ids": [str(due["weight"].id)]}, "test:weight")
        db.session().commit()
    run_worker(app, redis)
    assert link_messages(app) == []
    assert len(app.extensions["suivi"].sms.sent) == sent_before  # no plain reminder either
    with app.app_context():
        outbox.add("task.remind", {"task_ids": [str(due["weight"].id),
                                                str(due["vitals"].id)]}, "test:both")
        db.session().commit()
    run_worker(app, redis)
    [message] = link_messages(app)
    assert message.body.count("/f/") == 1  # vitals, which asks the weight too
