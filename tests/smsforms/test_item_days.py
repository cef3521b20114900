"""The SMS form asks what the task's day asks: a question the protocol asks on other
days only is left out of the conversation, and the set still answers the task."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from backend import db
from backend.intake.models import Submission
from backend.tasks.models import Task
from tests.helpers import shipped_protocol, with_item_days
from tests.smsforms.support import reply, said, sms_patient, texted

# The heart-failure symptoms by SMS after the daily check; no rule of ambulatory-general
# reads them, so the night-time breathlessness question may be asked on days 1-2 only.
ORTHOPNOEA_DAYS_1_2 = {"link_id": "orthopnoea", "days": {"from": 1, "to": 2},
                       "source": "Asked on the first days only (test)."}


def publish(world) -> None:
    protocol = shipped_protocol()
    protocol = {**protocol, "schedule": [*protocol["schedule"], {
        "questionnaire": "hf-symptoms", "days": {"from": 1, "to": 14}, "at": "10:00",
        "grace_hours": 2}]}
    published = world.staff("surgeon").post("/api/v1/protocols", json=with_item_days(
        protocol, "hf-symptoms", ORTHOPNOEA_DAYS_1_2, slug="hf-by-sms", version=1))
    assert published.status_code == 201, published.json


def answer_daily_check(client) -> str:
    for text in ("2", "non", "non", "non"):
        reply(client, text)
    return said(reply(client, "1"))


def test_on_day_5_the_night_question_is_not_asked(world, app, clock, redis, client):
    publish(world)
    sms_patient(world, app, clock, redis, protocol="hf-by-sms",
                surgery_date=date(2026, 11, 18))  # day 5
    assert answer_daily_check(client).splitlines()[-1].startswith(
        "Suivi : votre souffle aujourd'hui")
    following = said(reply(client, "1"))
    assert following.startswith("Chevilles ou jambes gonflées ?")
    said(reply(client, "1"))
    assert not any("Cette nuit" in body for body in texted(app))
    with app.app_context():
        session = db.session()
        stored = session.scalar(select(Submission).where(
            Submission.questionnaire == "hf-symptoms"))
        assert stored.answers == {"breathlessness": "none_or_usual", "ankle_swelling": "none"}
        assert session.get(Task, stored.task_id).status == "done"


def test_on_day_1_it_is(world, app, clock, redis, client):
    publish(world)
    sms_patient(world, app, clock, redis, protocol="hf-by-sms")  # day 1
    answer_daily_check(client)
    assert said(reply(client, "1")).startswith("Cette nuit")
