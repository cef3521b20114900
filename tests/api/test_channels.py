"""How a patient answers (app, sms, web): chosen at enrolment, changed by the care team,
refused when no SMS can reach the patient, announced by a welcome SMS without health data."""

from __future__ import annotations

import pytest

from backend import db
from backend.notifications.models import Message
from tests.helpers import CONSENT, audit_events, run_worker


@pytest.fixture(autouse=True)
def worker_app(app):
    from backend.job_runtime import set_worker_app

    set_worker_app(app)


def _welcomes(app):
    with app.app_context():
        return [m for m in db.session().query(Message) if m.template == "enrollment.welcome"]


def _enrol(nurse, patient_id, **body):
    return nurse.post(f"/api/v1/patients/{patient_id}/enrollments", json={
        "protocol": "ambulatory-general", "surgery_date": "2026-11-22", "consent": CONSENT,
        **body})


def test_the_channel_defaults_to_the_app_and_sends_no_welcome(world, app, redis):
    nurse = world.staff("nurse")
    patient = world.patient(nurse)
    created = _enrol(nurse, patient["id"])
    assert created.status_code == 201, created.json
    assert created.json["enrollment"]["channel"] == "app"
    run_worker(app, redis)
    assert _welcomes(app) == []


@pytest.mark.parametrize("language, words", [
    ("fr", ("Suivi", "lien", "répondez à ce SMS", "STOP")),
    ("en", ("Suivi", "link", "reply to this text", "STOP")),
])
def test_web_enrolment_sends_a_welcome_sms_without_health_data(world, app, redis, language,
                                                                words):
    nurse = world.staff("nurse")
    patient = world.patient(nurse, phone="+33611111111", language=language)
    created = _enrol(nurse, patient["id"], channel="web")
    assert created.status_code == 201, created.json
    assert created.json["enrollment"]["channel"] == "web"
    run_worker(app, redis)
    [welcome] = _welcomes(app)
    assert welcome.address == "+33611111111" and welcome.status == "sent"
    assert all(word in welcome.body for word in words)
    for health in ("ambulatory", "ambulatoire", "chirurgie", "surgery", "opération", "team-a"):
        assert health not in welcome.body.lower()


@pytest.mark.parametrize("fields, reason", [
    ({"phone": None}, "has none"),
    ({"phone": "+33140000000"}, "not a mobile"),
])
def test_sms_and_web_need_a_mobile_phone(world, fields, reason):
    nurse = world.staff("nurse")
    patient = world.patient(nurse, **fields)
    for channel in ("sms", "web"):
        refused = _enrol(nurse, patient["id"], channel=channel)
        assert refused.status_code == 422
        assert reason in refused.json["errors"]["json"]["channel"][0]


def test_an_unknown_channel_is_refused_naming_the_field(world):
    nurse = world.staff("nurse")
    patient = world.patient(nurse)
    refused = _enrol(nurse, patient["id"], channel="pigeon")
    assert refused.status_code == 422 and "channel" in refused.json["errors"]["json"]


def test_the_care_team_changes_the_channel_audited_and_welcomed(world, app, redis):
    nurse = world.staff("nurse")
    patient = world.patient(nurse, phone="+33622222222")
    enrollment = _enrol(nurse, patient["id"]).json["enrollment"]
    path = f"/api/v1/patients/{patient['id']}/enrollments/{enrollment['id']}/channel"
    changed = nurse.request("PUT", path, json={"channel": "web"})
    assert changed.status_code == 200, changed.json
    assert changed.json["channel"] == "web"
    assert [e["channel"] for e in nurse.get(
        f"/api/v1/patients/{patient['id']}/enrollments").json] == ["web"]
    run_worker(app, redis)
    assert len(_welcomes(app)) == 1
    [event] = audit_events(app, action="enrollment.channel")
    assert str(event.patient_id) == patient["id"]
    assert event.detail == {"from": "app", "to": "web"}
    # Back to the app: no SMS.
    assert nurse.request("PUT", path, json={"channel": "app"}).status_code == 200
    run_worker(app, redis)
    assert len(_welcomes(app)) == 1


def test_a_patient_who_sent_stop_cannot_be_moved_to_sms(world, app):
    nurse = world.staff("nurse")
    patient = world.patient(nurse, phone="+33622222223")
    enrollment = _enrol(nurse, patient["id"]).json["enrollment"]
    with app.app_context():
        from backend.patients.models import Patient

        db.session().get(Patient, __import__("uuid").UUID(patient["id"])).sms_opt_out = True
        db.session().commit()
    refused = nurse.request(
        "PUT", f"/api/v1/patients/{patient['id']}/enrollments/{enrollment['id']}/channel",
        json={"channel": "sms"})
    assert refused.status_code == 422
    assert "opted out" in refused.json["errors"]["json"]["channel"][0]
