"""A patient on the web-form channel whose daily questionnaire is due, and the link the
reminder SMS carried."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from sqlalchemy import select

from backend import db
from backend.formlinks.models import FormLink
from backend.job_runtime import set_worker_app
from backend.notifications.models import Message
from backend.security import token_hash
from backend.tasks.jobs import plan_tasks, remind_tasks
from backend.tasks.models import Task
from tests.helpers import CONSENT, run_worker

# 10:30 in Paris: the daily questionnaire (10:00) is due.
DUE = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
LINK = re.compile(r"http://[^ ]+/f/(f_[A-Za-z0-9_-]+)")


def link_messages(app) -> list[Message]:
    with app.app_context():
        return [m for m in db.session().query(Message) if m.template == "task.form_link"]


def web_patient(world, app, clock, redis, channel: str = "web",
                protocol: str = "ambulatory-general", reminders: int = 1,
                surgery_date: date = date(2026, 11, 22), **fields) -> tuple[dict, object]:
    """The patient's record and the nurse; the reminder is sent (``reminders``: the tasks
    due, one link each; on 23 November, day 1 after the default ``surgery_date``)."""
    set_worker_app(app)
    app.config["SUIVI_ACCESS_TOKEN_TTL"] = 12 * 3600
    clock.set(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    nurse = world.staff("nurse")
    patient = world.patient(nurse, phone="+33655555555", **fields)
    created = nurse.post(f"/api/v1/patients/{patient['id']}/enrollments", json={
        "protocol": protocol, "surgery_date": surgery_date.isoformat(),
        "channel": channel, "consent": CONSENT})
    assert created.status_code == 201, created.json
    plan_tasks()
    clock.set(DUE)
    assert remind_tasks() >= reminders
    run_worker(app, redis)
    return patient, nurse


def sent_tokens(app) -> dict[str, str]:
    """The links of the last SMS that carried some (as the phone got it), by the
    questionnaire each one opens."""
    bodies = [sms["body"] for sms in app.extensions["suivi"].sms.sent if "/f/" in sms["body"]]
    tokens = LINK.findall(bodies[-1])
    with app.app_context():
        return {db.session().get(Task, link.task_id).questionnaire: token
                for token in tokens for link in db.session().scalars(
                    select(FormLink).where(FormLink.token_hash == token_hash(token)))}


def sent_token(app) -> str:
    """The link to the daily questionnaire."""
    return sent_tokens(app)["daily-postop"]
