"""A daily check that asks some items on some days only (a protocol version with
``item_days``): the app is told which items its task of the day leaves out, a
submission without them is accepted that day, and an answer sent anyway is kept."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from backend import db
from backend.intake.models import Submission
from tests.helpers import (
    NORMAL_DAILY,
    WALKING_DAYS_1_2,
    shipped_protocol,
    submit,
    with_item_days,
)

SURGERY = date(2026, 11, 16)


def on_day(day: int) -> datetime:
    """11:00 in Paris on post-operative ``day``: that day's check (10:00) is due."""
    return datetime(2026, 11, 16 + day, 10, 0, tzinfo=UTC)


@pytest.fixture
def device(world, clock):
    clock.set(datetime(2026, 11, 17, 6, 0, tzinfo=UTC))  # discharged before the day 1 check
    published = world.staff("surgeon").post("/api/v1/protocols", json=with_item_days(
        shipped_protocol(), "daily-postop", WALKING_DAYS_1_2))
    assert published.status_code == 201, published.json
    _, device = world.patient_device(world.staff("nurse"), surgery_date=SURGERY,
                                     protocol_version=3)
    clock.set(on_day(1))
    return device


def daily_task(device) -> dict:
    return next(t for t in device.get("/api/v1/me/today").json["tasks"]
                if t["questionnaire"] == "daily-postop")


WITHOUT_WALKING = {k: v for k, v in NORMAL_DAILY.items() if k != "walking"}


def test_on_days_1_and_2_walking_is_asked_and_required(device):
    assert daily_task(device)["items_not_asked"] == []
    refused = submit(device, "daily-postop", WITHOUT_WALKING)
    assert refused.status_code == 422
    assert refused.json["errors"]["json"]["answers"] == {"walking": ["walking: required"]}


def test_on_day_5_it_is_not_asked_and_the_check_is_complete_without_it(device, clock, app):
    clock.set(on_day(5))
    task = daily_task(device)
    assert task["day"] == 5 and task["items_not_asked"] == ["walking"]
    response = submit(device, "daily-postop", {**WITHOUT_WALKING, "pain_now": 8})
    assert response.status_code == 201, response.json
    assert response.json["task_done"] and response.json["task_id"] == task["id"]
    assert [card["rule_id"] for card in response.json["advice"]] == ["pain-severe"]
    with app.app_context():
        stored = db.session().scalar(select(Submission.answers))
    assert "walking" not in stored and stored["pain_now"] == 8


def test_an_answer_sent_anyway_on_day_5_is_stored(device, clock, app):
    clock.set(on_day(5))
    response = submit(device, "daily-postop", {**NORMAL_DAILY, "walking": "bedbound"})
    assert response.status_code == 201, response.json
    with app.app_context():
        stored = db.session().scalar(select(Submission.answers))
    assert stored["walking"] == "bedbound"
    # still checked like any answer
    wrong = submit(device, "daily-postop", {**NORMAL_DAILY, "walking": "running"})
    assert wrong.status_code == 422 and "walking" in wrong.json["errors"]["json"]["answers"]


def test_an_answer_before_the_days_check_is_for_that_days_task(device, clock):
    """09:00 on day 3, before the 10:00 check: it answers day 3's task, which does not ask
    walking (not day 2's, which did)."""
    clock.set(on_day(2))
    assert submit(device, "daily-postop", NORMAL_DAILY).status_code == 201
    clock.set(datetime(2026, 11, 19, 8, 0, tzinfo=UTC))
    task = daily_task(device)
    assert task["day"] == 3 and task["items_not_asked"] == ["walking"]
    response = submit(device, "daily-postop", WITHOUT_WALKING)
    assert response.status_code == 201, response.json
    assert response.json["task_done"] and response.json["task_id"] == task["id"]


def test_the_surgeons_dry_run_asks_the_days_items_of_the_day_it_is_told(world, clock):
    """A surgeon tries version 3 on a day-5 check without the walking question: complete
    that day, as for the patient; without a day every item is required, as before."""
    surgeon = world.staff("surgeon")
    published = surgeon.post("/api/v1/protocols", json=with_item_days(
        shipped_protocol(), "daily-postop", WALKING_DAYS_1_2))
    assert published.status_code == 201, published.json
    path = "/api/v1/protocols/ambulatory-general/dry-run"
    sample = {"questionnaire": "daily-postop", "submitted_at": clock.now().isoformat(),
              "answers": {**WITHOUT_WALKING, "pain_now": 9}}
    for day, status in ((5, 200), (1, 422), (None, 422)):
        body = {"version": 3, "now": clock.now().isoformat(),
                "submissions": [{**sample, **({"day": day} if day is not None else {})}]}
        response = surgeon.post(path, json=body)
        assert response.status_code == status, (day, response.json)
        if status == 200:
            assert "pain-severe" in {f["rule_id"] for f in response.json["findings"]}
        else:
            assert "submissions.0.answers" in str(response.json)
    assert surgeon.post(path, json={"version": 3, "submissions": [
        {**sample, "day": -1}]}).status_code == 422
