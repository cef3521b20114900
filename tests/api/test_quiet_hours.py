"""Quiet hours: no reminder reaches a patient at night (their own clock), and a low alert
never pages the ward outside its day hours; a high alert always pages."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml

from backend import db
from backend.job_runtime import set_worker_app
from backend.notifications.models import Message
from backend.outbox.jobs import sweep_outbox
from backend.outbox.models import OutboxEntry
from backend.tasks.jobs import plan_tasks, remind_tasks
from tests.helpers import daily, run_worker, submit

PROTOCOLS = Path(__file__).resolve().parents[2] / "questionnaires" / "protocols"
# 22:44 in Paris (winter time, UTC+1): the hour a patient was reminded before.
LATE = datetime(2026, 11, 23, 21, 44, tzinfo=UTC)
PARIS_8AM = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def worker_app(app):
    app.config["SUIVI_ACCESS_TOKEN_TTL"] = 12 * 3600
    set_worker_app(app)


def sent(app, template, address=None):
    with app.app_context():
        return [m for m in db.session().query(Message)
                if m.template == template and address in (None, m.address)]


def evening_protocol(quiet_hours=None) -> dict:
    """A protocol whose daily questionnaire is due at 22:30, answerable until 10:30."""
    protocol = yaml.safe_load((PROTOCOLS / "ambulatory-general.v2.yaml").read_text())
    protocol = {**copy.deepcopy(protocol), "slug": "evening-check", "version": 1}
    daily_entry = next(e for e in protocol["schedule"] if e["questionnaire"] == "daily-postop")
    daily_entry.update(at="22:30", grace_hours=12)
    if quiet_hours is None:
        protocol.pop("quiet_hours", None)  # the default: 21:00 to 08:00
    else:
        protocol["quiet_hours"] = quiet_hours
    return protocol


def evening_patient(world, quiet_hours=None):
    surgeon = world.staff("surgeon")
    nurse = world.staff("nurse")
    published = surgeon.post("/api/v1/protocols", json=evening_protocol(quiet_hours))
    assert published.status_code == 201, published.json
    return world.patient_device(nurse, protocol="evening-check",
                                surgery_date=date(2026, 11, 22), phone="+33633333333")


def test_a_reminder_due_at_night_waits_for_the_morning(world, app, clock, redis):
    evening_patient(world)
    clock.set(LATE)
    plan_tasks()
    assert remind_tasks() == 1
    run_worker(app, redis)
    assert sent(app, "task.reminder") == []
    with app.app_context():
        [entry] = db.session().query(OutboxEntry).filter_by(kind="task.remind").all()
        assert (entry.status, entry.available_at) == ("pending", PARIS_8AM)
    clock.set(datetime(2026, 11, 24, 6, 59, tzinfo=UTC))
    assert sweep_outbox() == 0  # still night in Paris
    clock.set(PARIS_8AM)
    assert sweep_outbox() == 1
    run_worker(app, redis)
    assert [m.address for m in sent(app, "task.reminder")] == ["+33633333333"]


def test_a_reminder_answered_before_the_morning_is_not_sent(world, app, clock, redis):
    _, device = evening_patient(world)
    clock.set(LATE)
    plan_tasks()
    remind_tasks()
    run_worker(app, redis)
    clock.set(datetime(2026, 11, 24, 6, 30, tzinfo=UTC))  # 07:30 in Paris
    assert submit(device, "daily-postop", daily()).status_code == 201
    clock.set(PARIS_8AM)
    sweep_outbox()
    run_worker(app, redis)
    assert sent(app, "task.reminder") == []
    with app.app_context():
        assert {e.status for e in db.session().query(OutboxEntry)} == {"done"}


def test_quiet_hours_come_from_the_protocol(world, app, clock, redis):
    evening_patient(world, quiet_hours={"from": "23:00", "to": "07:00"})
    clock.set(LATE)  # 22:44: not quiet for this protocol
    plan_tasks()
    remind_tasks()
    run_worker(app, redis)
    assert len(sent(app, "task.reminder")) == 1


def test_the_protocol_says_its_quiet_hours(world):
    nurse = world.staff("nurse")
    described = nurse.get("/api/v1/protocols/ambulatory-general").json
    assert described["quiet_hours"] == {"from": "21:00", "to": "08:00"}


def test_a_low_alert_at_night_pages_the_ward_in_the_morning(world, app, clock, redis):
    clock.set(datetime(2026, 11, 23, 22, 0, tzinfo=UTC))  # 23:00 in Paris
    nurse = world.staff("nurse", phone="+33611111111")
    _, device = world.patient_device(nurse)
    submit(device, "daily-postop", daily(free_text="j'ai une question sur mon pansement"))
    run_worker(app, redis)
    assert sent(app, "alert") == []  # in the queue, nobody woken up
    queue = nurse.get("/api/v1/alerts").json
    assert [a["rule"] for a in queue] == ["patient-message"]
    clock.set(datetime(2026, 11, 24, 7, 0, tzinfo=UTC))  # 08:00, the ward's day begins
    sweep_outbox()
    run_worker(app, redis)
    assert [m.address for m in sent(app, "alert")] == ["+33611111111"]


def test_a_low_alert_handled_overnight_pages_no_one(world, app, clock, redis):
    clock.set(datetime(2026, 11, 23, 22, 0, tzinfo=UTC))
    nurse = world.staff("nurse", phone="+33611111111")
    _, device = world.patient_device(nurse)
    submit(device, "daily-postop", daily(free_text="tout va bien, merci"))
    run_worker(app, redis)
    [item] = nurse.get("/api/v1/alerts").json
    nurse.post(f"/api/v1/alerts/{item['id']}/acknowledge")  # the night nurse read it
    clock.set(datetime(2026, 11, 24, 7, 0, tzinfo=UTC))
    sweep_outbox()
    run_worker(app, redis)
    assert sent(app, "alert") == []


def test_a_high_alert_pages_at_any_hour(world, app, clock, redis):
    nurse = world.staff("nurse", phone="+33611111111")
    _, device = world.patient_device(nurse)
    clock.set(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))  # 03:00 in Paris
    submit(device, "daily-postop", daily(breathlessness="at_rest"))
    run_worker(app, redis)
    assert [m.address for m in sent(app, "alert")] == ["+33611111111"]


def test_the_wards_day_hours_are_its_own(world, app, clock, redis):
    """A ward that starts at 07:00 is paged at 07:00; day hours are set per team."""
    admin = world.admin()
    nurse = world.staff("nurse", phone="+33611111111")
    changed = admin.patch("/api/v1/teams/team-a", json={"day_start": "07:00",
                                                        "day_end": "21:30"})
    assert changed.status_code == 200, changed.json
    assert (changed.json["day_start"], changed.json["day_end"]) == ("07:00", "21:30")
    _, device = world.patient_device(nurse)
    clock.set(datetime(2026, 11, 23, 20, 0, tzinfo=UTC))  # 21:00 in Paris: still day
    submit(device, "daily-postop", daily(free_text="question"))
    run_worker(app, redis)
    assert len(sent(app, "alert")) == 1


def test_day_hours_are_checked(world):
    admin = world.admin()
    world.team("team-a")
    backwards = admin.patch("/api/v1/teams/team-a", json={"day_start": "18:00",
                                                          "day_end": "08:00"})
    assert backwards.status_code == 422 and "day_end" in backwards.json["errors"]["json"]
    for bad in ({"day_start": "8h"}, {"day_end": "24:00"}, {"timezone": "Mars/Olympus"}):
        response = admin.patch("/api/v1/teams/team-a", json=bad)
        assert response.status_code == 422, bad
        assert set(bad) <= set(response.json["errors"]["json"])
    created = admin.post("/api/v1/teams", json={"slug": "night-ward", "name": "Night",
                                                "day_start": "06:00", "day_end": "14:00"})
    assert created.status_code == 201
    assert (created.json["day_start"], created.json["timezone"]) == ("06:00", "Europe/Paris")
    listed = {t["slug"]: t for t in admin.get("/api/v1/teams").json}
    assert (listed["team-a"]["day_start"], listed["team-a"]["day_end"]) == ("08:00", "18:00")
    nurse = world.staff("nurse")
    assert nurse.patch("/api/v1/teams/team-a", json={"day_start": "07:00"}).status_code == 403
