"""What an alert shows: the series of values that opened and updated it with its peak,
and missing-data alerts that close themselves when the data arrives, in local time."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from backend.intake.jobs import check_missed_tasks
from backend.job_runtime import set_worker_app
from backend.tasks.jobs import plan_tasks
from tests.helpers import daily, submit


@pytest.fixture(autouse=True)
def long_sessions(app):
    """These tests move the clock by hours: keep the nurses signed in (12 h at most)."""
    app.config["SUIVI_ACCESS_TOKEN_TTL"] = 12 * 3600
    set_worker_app(app)


def _alert(caller, patient_id: str, group: str, lang: str = "fr") -> dict:
    alerts = caller.get(f"/api/v1/alerts?patient_id={patient_id}&lang={lang}"
                        "&status=open,acknowledged,resolved").json
    found = next(a for a in alerts if a["rule_group"] == group)
    return caller.get(f"/api/v1/alerts/{found['id']}?lang={lang}").json


def _readings(device, reading_type: str, value: float, unit: str, at: datetime):
    response = device.post("/api/v1/me/readings", json={"readings": [
        {"type": reading_type, "value": value, "unit": unit, "measured_at": at.isoformat()}]},
        headers={"Idempotency-Key": str(uuid.uuid4())})
    assert response.status_code == 201, response.json
    return response


# -- the series and its peak -----------------------------------------------------------------

def test_the_peak_of_a_fever_is_never_overwritten_by_a_later_value(world, clock):
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse)
    submit(device, "daily-postop", daily(temperature=39.2))
    clock.advance(hours=4)
    submit(device, "daily-postop", daily(temperature=38.6))
    fever = _alert(nurse, patient["id"], "infection")
    assert (fever["rule"], fever["severity"]) == ("fever-high", "high")
    assert [(p["rule_id"], p["severity"], p["values"][0]["value"]) for p in fever["series"]] \
        == [("fever-high", "high", "39.2"), ("fever", "medium", "38.6")]
    [peak] = fever["peak"]
    assert (peak["reading"], peak["value"], peak["unit"]) == ("temperature", "39.2", "Cel")
    assert (peak["rule_id"], peak["severity"]) == ("fever-high", "high")
    assert any(item.get("value") == "39.2" for item in fever["evidence"])
    in_queue = next(a for a in nurse.get("/api/v1/alerts").json if a["id"] == fever["id"])
    assert [p["value"] for p in in_queue["peak"]] == ["39.2"]
    assert "series" not in in_queue  # the queue stays light: one alert has its series


def test_a_same_severity_update_shows_the_latest_value_and_keeps_the_peak(world, clock):
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse)
    for temperature in (38.9, 38.6, 38.7):
        submit(device, "daily-postop", daily(temperature=temperature))
        clock.advance(hours=3)
    fever = _alert(nurse, patient["id"], "infection")
    assert fever["evidence"][0]["value"] == "38.7"
    assert [p["values"][0]["value"] for p in fever["series"]] == ["38.9", "38.6", "38.7"]
    assert [p["value"] for p in fever["peak"]] == ["38.9"]


def test_the_peak_of_a_fall_is_the_lowest_value(world, clock):
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse, protocol="heart-failure")
    for glucose in (3.5, 3.2, 3.7):
        _readings(device, "glucose", glucose, "mmol/L", clock.now())
        clock.advance(hours=2)
    hypo = _alert(nurse, patient["id"], "glucose-low")
    assert (hypo["rule"], hypo["evidence"][0]["value"]) == ("glucose-low", "3.7")
    assert [(p["reading"], p["value"], p["op"]) for p in hypo["peak"]] == [
        ("glucose", "3.2", "<")]


# -- missing data ------------------------------------------------------------------------------

def _missed_daily_check(world, clock):
    clock.set(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))  # 09:00 in Paris
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse, surgery_date=date(2026, 11, 22))
    assert plan_tasks() >= 1
    clock.set(datetime(2026, 11, 23, 11, 1, tzinfo=UTC))  # due 10:00 Paris + 2 h grace
    assert check_missed_tasks() == 1
    return nurse, patient, device


def test_a_missing_data_alert_says_the_due_time_in_the_patients_time(world, clock):
    nurse, patient, _ = _missed_daily_check(world, clock)
    missing = _alert(nurse, patient["id"], "daily-check-missing")
    assert missing["explanation"] == ("Questionnaire quotidien non rempli 2 h après l'heure "
                                      "prévue (23/11 à 10:00, heure de Paris).")
    english = _alert(nurse, patient["id"], "daily-check-missing", lang="en")
    assert english["explanation"] == ("Daily check not answered 2 h after it was due "
                                      "(23/11 at 10:00, Paris time).")
    # The evidence keeps the instant itself, for machines.
    assert missing["evidence"][0]["due_at"] == "2026-11-23T09:00:00+00:00"


def test_a_missing_data_alert_closes_itself_when_the_task_is_answered(world, clock):
    nurse, patient, device = _missed_daily_check(world, clock)
    missing = _alert(nurse, patient["id"], "daily-check-missing")
    assert missing["status"] == "open"
    # Another questionnaire is not the data it waits for.
    clock.advance(minutes=10)
    submit(device, "pain-nrs", {"pain_now": 2, "pain_worst_24h": 3, "analgesics_taken": True})
    assert nurse.get(f"/api/v1/alerts/{missing['id']}").json["status"] == "open"
    clock.advance(minutes=10)
    assert submit(device, "daily-postop", daily()).status_code == 201
    closed = nurse.get(f"/api/v1/alerts/{missing['id']}").json
    assert (closed["status"], closed["outcome"]) == ("resolved", "data_received")
    last = closed["events"][-1]
    assert (last["kind"], last["actor_id"], last["detail"]["outcome"]) == (
        "resolve", None, "data_received")
    assert missing["id"] not in [a["id"] for a in nurse.get("/api/v1/alerts").json]


def test_a_missing_weight_closes_itself_when_the_weight_arrives(world, clock):
    clock.set(datetime(2026, 11, 23, 6, 0, tzinfo=UTC))  # 07:00 in Paris
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse, protocol="heart-failure",
                                           surgery_date=date(2026, 11, 22))
    plan_tasks()
    clock.set(datetime(2026, 11, 23, 11, 1, tzinfo=UTC))  # due 08:00 Paris + 4 h
    check_missed_tasks()
    missing = _alert(nurse, patient["id"], "weight-missing")
    assert "(23/11 à 08:00, heure de Paris)" in missing["explanation"]
    nurse.post(f"/api/v1/alerts/{missing['id']}/acknowledge")
    _readings(device, "weight", 71.4, "kg", clock.now())
    closed = nurse.get(f"/api/v1/alerts/{missing['id']}").json
    assert (closed["status"], closed["outcome"]) == ("resolved", "data_received")


def test_a_nurse_may_close_an_alert_as_data_received(world):
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse)
    submit(device, "daily-postop", daily(calf_pain=True))
    dvt = _alert(nurse, patient["id"], "vte")
    closed = nurse.post(f"/api/v1/alerts/{dvt['id']}/resolve",
                        json={"outcome": "data_received", "note": "réponse par téléphone"})
    assert closed.status_code == 200 and closed.json["outcome"] == "data_received"
