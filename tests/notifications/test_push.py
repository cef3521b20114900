"""Push reminders a patient can rely on: an outage is tried again with backoff, a dead
token is forgotten, and when no push can go the patient gets the SMS instead, once.

The push provider is the edge of the world: a scripted sender behind the app's own
``PushSender`` interface (FCM's errors are classified by ``fcm_error``, tested in
test_senders); everything else is real: the reminder job, the outbox, RQ on Redis, the
database and the API."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from backend import db
from backend.auth.models import DeviceToken
from backend.config import from_env
from backend.job_runtime import set_worker_app
from backend.notifications.models import Message
from backend.notifications.senders import SendError
from backend.outbox.jobs import sweep_outbox
from backend.patients.models import Patient
from backend.tasks.jobs import plan_tasks, remind_tasks
from backend.wiring import SentMessage
from tests.helpers import NORMAL_DAILY, audit_events, run_worker, submit

PHONE = "+33644444441"
# 23 November, day 2 of ambulatory-general: only the daily check is due, at 10:00 in
# Paris (09:00 UTC), and missed two hours later.
DUE = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class ScriptedPush:
    """Answers each push with the next scripted outcome: "ok", or a SendError."""

    name = "scripted"

    def __init__(self, *outcomes: str | SendError) -> None:
        self.outcomes = list(outcomes)
        self.tried: list[str] = []

    def send(self, push_token, title, body, *, reference, data=None) -> SentMessage:
        self.tried.append(push_token)
        outcome = self.outcomes.pop(0) if self.outcomes else "ok"
        if isinstance(outcome, SendError):
            raise outcome
        return SentMessage(self.name, f"push-{len(self.tried)}", "sent")


def outage() -> SendError:
    return SendError("FCM unavailable: 503", retryable=True, code="UNAVAILABLE")


def unregistered() -> SendError:
    return SendError("push token unregistered", retryable=False, code="UNREGISTERED")


@pytest.fixture
def patient(world, app, clock, redis):
    """A patient with the app, a push token and a phone; the day's tasks planned."""
    set_worker_app(app)
    clock.set(datetime(2026, 11, 23, 6, 0, tzinfo=UTC))
    nurse = world.staff("nurse")
    row, device = world.patient_device(nurse, surgery_date=date(2026, 11, 21), phone=PHONE)
    assert device.put("/api/v1/me/push-token",
                      json={"push_token": "token-of-this-phone"}).status_code == 204
    assert plan_tasks() >= 1
    return row, device


def push_with(app, sender: ScriptedPush) -> ScriptedPush:
    app.extensions["suivi"].push = sender
    return sender


def remind_at_due(app, clock, redis) -> None:
    clock.set(DUE)
    assert remind_tasks() >= 1
    run_worker(app, redis)


def later(app, clock, redis, **delta) -> None:
    clock.advance(**delta)
    sweep_outbox()
    run_worker(app, redis)


def sms_sent(app) -> list[dict]:
    return [sms for sms in app.extensions["suivi"].sms.sent if sms["to"] == PHONE]


def reminders(app) -> list[tuple[str, str, int, str | None]]:
    with app.app_context():
        return [(m.channel, m.status, m.attempts, m.error_code)
                for m in db.session().scalars(select(Message).where(
                    Message.template == "task.reminder").order_by(Message.created_at))]


def push_token(app, patient_id: str) -> str | None:
    with app.app_context():
        return db.session().scalar(select(DeviceToken.push_token).where(
            DeviceToken.patient_id == uuid.UUID(patient_id)))


def test_an_outage_is_tried_again_with_backoff_then_the_sms_goes(app, clock, redis, patient):
    sender = push_with(app, ScriptedPush(outage(), outage(), outage()))
    remind_at_due(app, clock, redis)
    assert len(sender.tried) == 1 and sms_sent(app) == []
    later(app, clock, redis, seconds=59)  # SUIVI_PUSH_RETRY_DELAYS: 60 s, then 300 s
    assert len(sender.tried) == 1
    later(app, clock, redis, seconds=1)
    assert len(sender.tried) == 2 and sms_sent(app) == []
    later(app, clock, redis, seconds=299)
    assert len(sender.tried) == 2
    later(app, clock, redis, seconds=1)
    # The third try failed too: the patient gets the reminder by SMS, once.
    assert len(sender.tried) == 3
    [sms] = sms_sent(app)
    assert "Suivi" in sms["body"]
    assert reminders(app) == [("push", "failed", 3, "UNAVAILABLE"), ("sms", "sent", 1, None)]
    later(app, clock, redis, minutes=10)
    assert len(sender.tried) == 3 and len(sms_sent(app)) == 1
    # The phone keeps its token: an outage says nothing about it.
    assert push_token(app, patient[0]["id"]) == "token-of-this-phone"


def test_a_push_that_goes_on_the_second_try_sends_no_sms(app, clock, redis, patient):
    sender = push_with(app, ScriptedPush(outage(), "ok"))
    remind_at_due(app, clock, redis)
    later(app, clock, redis, minutes=1)
    assert len(sender.tried) == 2 and sms_sent(app) == []
    assert reminders(app) == [("push", "sent", 2, None)]
    later(app, clock, redis, minutes=10)
    assert len(sender.tried) == 2


def test_no_try_once_the_task_is_answered(app, clock, redis, patient):
    """A reminder of a questionnaire answered meanwhile is not pushed again, nor texted."""
    _row, device = patient
    sender = push_with(app, ScriptedPush(outage()))
    remind_at_due(app, clock, redis)
    clock.advance(seconds=30)
    answered = submit(device, "daily-postop", NORMAL_DAILY)
    assert answered.status_code == 201 and answered.json["task_done"]
    later(app, clock, redis, minutes=1)
    assert len(sender.tried) == 1 and sms_sent(app) == []


def test_a_dead_token_is_forgotten_and_the_sms_goes_at_once(app, clock, redis, patient):
    row, device = patient
    sender = push_with(app, ScriptedPush(unregistered()))
    remind_at_due(app, clock, redis)
    assert len(sender.tried) == 1 and len(sms_sent(app)) == 1
    assert reminders(app) == [("push", "failed", 1, "UNREGISTERED"), ("sms", "sent", 1, None)]
    assert push_token(app, row["id"]) is None
    [forgotten] = audit_events(app, action="device.push_token_forgotten")
    assert str(forgotten.patient_id) == row["id"]
    assert forgotten.detail == {"error_code": "UNREGISTERED"}
    # The phone is still paired: the app works, and once it registers a new token the
    # next reminder is pushed again.
    assert device.get("/api/v1/me/today").status_code == 200
    assert device.put("/api/v1/me/push-token",
                      json={"push_token": "a-new-token"}).status_code == 204
    assert push_token(app, row["id"]) == "a-new-token"


def test_no_sms_for_a_patient_who_said_stop(world, app, clock, redis, patient):
    """STOP is respected even when the push cannot go: the message stays failed, and the
    ward sees it on the patient's page."""
    row, _device = patient
    with app.app_context():
        db.session().get(Patient, uuid.UUID(row["id"])).sms_opt_out = True
        db.session().commit()
    push_with(app, ScriptedPush(unregistered()))
    remind_at_due(app, clock, redis)
    assert sms_sent(app) == []
    assert reminders(app) == [("push", "failed", 1, "UNREGISTERED")]


@pytest.mark.parametrize(("name", "value"), [("SUIVI_PUSH_ATTEMPTS", "0"),
                                              ("SUIVI_PUSH_ATTEMPTS", "three"),
                                              ("SUIVI_PUSH_RETRY_DELAYS", "1m,5m")])
def test_push_retry_settings_are_checked_at_start_up(name, value):
    base = {"SUIVI_TESTING": "1"}
    assert from_env(base)["SUIVI_PUSH_RETRY_DELAYS"] == (60, 300)
    assert from_env(base)["SUIVI_PUSH_ATTEMPTS"] == 3
    with pytest.raises(ValueError, match=name):
        from_env({**base, name: value})
