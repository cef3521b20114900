"""The loop Suivi exists for: a patient's answer reaches the nurse's queue and her phone."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from rq import Queue

from backend.alerts.models import Alert
from backend.intake.models import Reading, Submission
from backend.notifications.models import Message
from tests.helpers import count, daily, run_worker, submit


@pytest.fixture(autouse=True)
def long_sessions(app):
    """These tests move the clock by hours: keep the nurse signed in (12 h at most)."""
    app.config["SUIVI_ACCESS_TOKEN_TTL"] = 12 * 3600


def test_fever_and_pain_reach_the_nurse_queue_and_her_phone(world, app, clock, redis):
    nurse = world.staff("nurse", phone="+33611111111")
    clock.set(clock.now().replace(hour=9))  # 10:00 in Paris
    patient, device = world.patient_device(nurse, surgery_date=clock.now().date()
                                           - timedelta(days=1))
    today = device.get("/api/v1/me/today")
    assert today.status_code == 200, today.json
    tasks = {t["questionnaire"]: t for t in today.json["tasks"]}
    assert tasks["daily-postop"]["status"] == "pending"
    assert tasks["daily-postop"]["due_at"].startswith("2026-11-23T09:00:00")
    assert today.json["post_op_day"] == 1 and today.json["education"]

    response = submit(device, "daily-postop", daily(pain_now=8, pain_worst_24h=9,
                                                    temperature=39.2, breathlessness="at_rest"))
    assert response.status_code == 201, response.json
    body = response.json
    assert body["call_emergency"] is True  # breathless at rest: "call 15 now"
    # One card per cause, and "call 15 now" hides "a nurse will call you within the hour".
    assert [card["emergency"] for card in body["advice"] if card["rule_id"]] == [True]
    assert "15" in body["advice"][0]["text"]
    assert body["alerts_opened"]

    queue = nurse.get("/api/v1/alerts?status=open").json
    assert queue[0]["severity"] == "high"
    assert queue[0]["patient"]["id"] == patient["id"]
    by_cause = {alert["rule_group"]: alert for alert in queue}
    assert set(by_cause) == {"infection", "vte", "pain"}  # one alert per cause
    fever = by_cause["infection"]
    assert (fever["rule"], fever["severity"]) == ("fever-high", "high")
    assert any(item.get("value") == "39.2" for item in fever["evidence"])
    # The lower rule of the same cause is evidence, not a second alert.
    assert [item["related_rule"] for item in fever["evidence"] if "related_rule" in item] == \
        ["fever"]
    assert queue[0]["due_by"] > queue[0]["created_at"]
    severities = [alert["severity"] for alert in queue]
    assert severities == sorted(severities, key=["high", "medium", "low"].index)

    done = device.get("/api/v1/me/today").json["tasks"]
    assert {t["questionnaire"]: t["status"] for t in done}["daily-postop"] == "done"

    run_worker(app, redis)
    with app.app_context():
        from backend import db

        messages = db.session().query(Message).all()
    assert messages and all(m.status == "sent" and m.address == "+33611111111"
                            for m in messages)
    assert all("39" not in m.body and "fièvre" not in m.body.lower() for m in messages)
    # Running the worker again (a duplicated job) sends nothing more.
    for message in messages:
        Queue("high", connection=redis).enqueue(
            "backend.outbox.jobs.deliver_outbox", str(message.outbox_id))
    run_worker(app, redis)
    assert count(app, Message) == len(messages)


def test_a_repeat_updates_the_open_alert_and_a_resolved_one_rearms(world, app, clock):
    nurse = world.staff("nurse")
    _, device = world.patient_device(nurse)
    assert submit(device, "daily-postop", daily(temperature=38.6)).status_code == 201
    clock.advance(hours=3)
    assert submit(device, "daily-postop", daily(temperature=38.7)).status_code == 201
    fever = [a for a in nurse.get("/api/v1/alerts").json if a["rule"] == "fever"]
    assert len(fever) == 1
    assert fever[0]["evidence"][0]["value"] == "38.7"
    # Re-evaluating the same data (a submission without temperature) changes nothing.
    clock.advance(hours=1)
    submit(device, "pain-nrs", {"pain_now": 2, "pain_worst_24h": 3, "analgesics_taken": True})
    resolved = nurse.post(f"/api/v1/alerts/{fever[0]['id']}/resolve",
                          json={"outcome": "called_patient", "note": "paracetamol"})
    assert resolved.status_code == 200 and resolved.json["status"] == "resolved"
    clock.advance(hours=1)
    submit(device, "daily-postop", daily())  # no new temperature: stays resolved
    assert [a for a in nurse.get("/api/v1/alerts").json if a["rule"] == "fever"] == []
    clock.advance(hours=1)
    submit(device, "daily-postop", daily(temperature=38.9))
    again = [a for a in nurse.get("/api/v1/alerts").json if a["rule"] == "fever"]
    assert len(again) == 1 and again[0]["id"] != fever[0]["id"]
    assert count(app, Alert) == 2


def test_severity_rises_and_never_silently_falls(world, clock):
    nurse = world.staff("nurse")
    _, device = world.patient_device(nurse)
    submit(device, "daily-postop", daily(temperature=38.6))
    alert = next(a for a in nurse.get("/api/v1/alerts").json if a["rule"] == "fever")
    nurse.post(f"/api/v1/alerts/{alert['id']}/acknowledge")
    clock.advance(hours=1)
    submit(device, "daily-postop", daily(temperature=39.4, wound_redness=True))
    high = next(a for a in nurse.get("/api/v1/alerts").json if a["rule"] == "fever-high")
    assert high["severity"] == "high" and high["status"] == "open"


def test_an_alert_is_assigned_only_within_the_patients_care_team(world):
    nurse = world.staff("nurse")
    outsider = world.staff("nurse", teams=("team-b",))
    _, device = world.patient_device(nurse)
    submit(device, "daily-postop", daily(calf_pain=True))
    alert = nurse.get("/api/v1/alerts").json[0]
    refused = nurse.post(f"/api/v1/alerts/{alert['id']}/assign",
                         json={"staff_id": outsider.id})
    assert refused.status_code == 422
    assert "care team" in refused.json["errors"]["json"]["staff_id"][0]
    assert nurse.get(f"/api/v1/alerts/{alert['id']}").json["assigned_to"] is None


def test_alert_lifecycle_is_timestamped_attributed_and_audited(world, app, clock):
    nurse = world.staff("nurse")
    colleague = world.staff("nurse")
    _, device = world.patient_device(nurse)
    submit(device, "daily-postop", daily(calf_pain=True))
    alert = nurse.get("/api/v1/alerts").json[0]
    path = f"/api/v1/alerts/{alert['id']}"
    assert nurse.post(f"{path}/acknowledge").json["status"] == "acknowledged"
    assert nurse.post(f"{path}/acknowledge").status_code == 409
    assert nurse.post(f"{path}/assign", json={"staff_id": colleague.id}).json[
        "assigned_to"] == colleague.id
    assert nurse.post(f"{path}/notes", json={"note": "rappel à 14h"}).status_code == 200
    until = (clock.now() + timedelta(hours=2)).isoformat()
    snoozed = nurse.post(f"{path}/snooze", json={"until": until, "reason": "rappel prévu"})
    assert snoozed.status_code == 200
    assert alert["id"] not in [a["id"] for a in nurse.get("/api/v1/alerts").json]
    assert alert["id"] in [a["id"] for a in
                           nurse.get("/api/v1/alerts?include_snoozed=true").json]
    bad = nurse.post(f"{path}/resolve", json={"outcome": "cured"})
    assert bad.status_code == 422 and "outcome" in bad.json["errors"]["json"]
    past = nurse.post(f"{path}/snooze", json={"until": "2020-01-01T00:00:00Z", "reason": "x y"})
    assert past.status_code == 409
    resolved = colleague.post(f"{path}/resolve", json={"outcome": "sent_to_emergency"})
    assert resolved.json["status"] == "resolved" and resolved.json["outcome"] == "sent_to_emergency"
    kinds = [(e["kind"], e["actor_id"]) for e in resolved.json["events"]]
    assert kinds[0] == ("opened", None)
    assert ("acknowledge", nurse.id) in kinds and ("resolve", colleague.id) in kinds
    assert nurse.post(f"{path}/notes", json={"note": "après"}).status_code == 409
    outsider = world.staff("nurse", teams=("team-b",))
    assert outsider.get(path).status_code == 404
    assert outsider.post(f"{path}/acknowledge").status_code == 404
    assert device.get("/api/v1/alerts").status_code == 403


def test_submission_validation_names_fields_and_stores_nothing(world, app):
    nurse = world.staff("nurse")
    _, device = world.patient_device(nurse)
    cases = [
        (daily(pain_now=11), "pain_now"),
        (daily(wound_discharge="green"), "wound_discharge"),
        ({k: v for k, v in daily().items() if k != "nausea"}, "nausea"),
        (daily(temperature=385), "temperature"),
        (daily(temperature=3.85), "temperature"),
    ]
    for answers, field in cases:
        response = submit(device, "daily-postop", answers)
        assert response.status_code == 422, (answers, response.json)
        assert field in response.json["errors"]["json"]["answers"], response.json
        assert field in response.json["message"]
    readings = device.post("/api/v1/me/readings", json={"readings": [
        {"type": "temperature", "value": 385, "unit": "Cel",
         "measured_at": "2026-11-23T08:00:00Z"}]}, headers={"Idempotency-Key": "k-bad"})
    assert readings.status_code == 422
    assert "value" in readings.json["errors"]["json"]["readings"]["0"]
    no_key = device.post("/api/v1/me/submissions", json={"questionnaire": "daily-postop",
                                                        "answers": daily()})
    assert no_key.status_code == 400 and "Idempotency-Key" in no_key.json["message"]
    not_mine = submit(device, "phq-9", {"q1": "not_at_all"})
    assert not_mine.status_code == 422 and "questionnaire" in not_mine.json["errors"]["json"]
    assert count(app, Submission) == 0 and count(app, Reading) == 0


def test_idempotency_key_replays_and_refuses_another_body(world, app):
    nurse = world.staff("nurse")
    _, device = world.patient_device(nurse)
    key = str(uuid.uuid4())
    first = submit(device, "daily-postop", daily(temperature=38.6), key=key)
    again = submit(device, "daily-postop", daily(temperature=38.6), key=key)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    other = submit(device, "daily-postop", daily(temperature=37.0), key=key)
    assert other.status_code == 422 and "Idempotency-Key" in other.json["message"]
    assert count(app, Submission) == 1 and count(app, Reading) == 1


def test_readings_in_other_units_are_converted(world, app):
    nurse = world.staff("nurse")
    _, device = world.patient_device(nurse, protocol="heart-failure")
    response = device.post("/api/v1/me/readings", headers={"Idempotency-Key": "r1"}, json={
        "readings": [{"type": "weight", "value": 176.4, "unit": "[lb_av]",
                      "measured_at": "2026-11-23T07:00:00+01:00"},
                     {"type": "glucose", "value": 180, "unit": "mg/dL",
                      "measured_at": "2026-11-23T07:00:00+01:00"}]})
    assert response.status_code == 201, response.json
    with app.app_context():
        from backend import db

        stored = {r.type: (r.value, r.unit) for r in db.session().query(Reading)}
    assert stored["weight"] == ("80.0", "kg")
    assert stored["glucose"][1] == "mmol/L" and stored["glucose"][0].startswith("10.")


def test_timeline_shows_everything_in_order(world, clock):
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse)
    submit(device, "daily-postop", daily(temperature=38.6))
    clock.advance(minutes=30)
    alert = nurse.get("/api/v1/alerts").json[0]
    nurse.post(f"/api/v1/alerts/{alert['id']}/acknowledge")
    path = f"/api/v1/patients/{patient['id']}/timeline"
    entries = nurse.get(f"{path}?order=asc").json
    kinds = [e["kind"] for e in entries]
    assert kinds.index("submission") < kinds.index("alert.opened") < kinds.index(
        "alert.acknowledge")
    assert "reading" in kinds
    times = [e["at"] for e in entries]
    assert times == sorted(times)
    assert len(nurse.get(f"{path}?limit=2").json) == 2
    outsider = world.staff("nurse", teams=("team-b",))
    assert outsider.get(path).status_code == 404


def test_teleconsultation_link_in_today_and_by_sms(world, app, clock, redis):
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse, phone="+33622222222")
    starts = (clock.now() + timedelta(hours=2)).isoformat()
    booked = nurse.post(f"/api/v1/patients/{patient['id']}/teleconsultations",
                        json={"starts_at": starts, "reason": "contrôle cicatrice"})
    assert booked.status_code == 201, booked.json
    url = booked.json["join_url"]
    assert len(url.rsplit("-", 1)[-1]) >= 32 or len(url) > 40
    other = nurse.post(f"/api/v1/patients/{patient['id']}/teleconsultations",
                       json={"starts_at": starts, "reason": "contrôle"})
    assert other.json["join_url"] != url
    assert device.get("/api/v1/me/today").json["teleconsultation"]["join_url"] == url
    run_worker(app, redis)
    with app.app_context():
        from backend import db

        sms = [m for m in db.session().query(Message) if m.template == "teleconsult.invite"]
    assert len(sms) == 2 and all(m.address == "+33622222222" for m in sms)
    assert url in {m.body.rsplit(" ", 1)[-1] for m in sms}
    past = nurse.post(f"/api/v1/patients/{patient['id']}/teleconsultations",
                      json={"starts_at": "2020-01-01T10:00:00Z", "reason": "x y z"})
    assert past.status_code == 422 and "starts_at" in past.json["errors"]["json"]
    clock.advance(hours=3)
    assert device.get("/api/v1/me/today").json["teleconsultation"] is None
    timeline = nurse.get(f"/api/v1/patients/{patient['id']}/timeline").json
    assert "teleconsultation" in {e["kind"] for e in timeline}


def test_a_runaway_device_is_rate_limited(world, app, clock):
    app.config["SUIVI_SUBMISSION_RATE_LIMIT"] = 3
    nurse = world.staff("nurse")
    _, device = world.patient_device(nurse)
    for _ in range(3):
        assert submit(device, "daily-postop", daily()).status_code == 201
    limited = submit(device, "daily-postop", daily())
    assert limited.status_code == 429 and "Too many" in limited.json["message"]
    assert 0 < int(limited.headers["Retry-After"]) <= 600
    assert count(app, Submission) == 3
    clock.advance(minutes=10)  # the next window
    assert submit(device, "daily-postop", daily()).status_code == 201
