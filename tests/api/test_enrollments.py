"""Enrolment, activation codes, device tokens and the patient's own record."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from backend import db
from backend.auth.models import DeviceToken
from backend.enrollments.models import Enrollment
from backend.notifications.models import Message
from tests.helpers import CONSENT, Caller, count, run_worker


def _activate(app, code):
    return Caller(app).post("/api/v1/patient/activate", json={"activation_code": code})


def test_enrolment_returns_an_activation_code_once(world, app):
    nurse = world.staff("nurse")
    patient = world.patient(nurse)
    created = world.enrol(nurse, patient["id"])
    assert len(created["activation_code"].replace("-", "")) == 10
    assert created["activation_qr_svg"].startswith("data:image/svg+xml")
    assert created["enrollment"]["protocol"] == "ambulatory-general"
    assert created["enrollment"]["protocol_version"] == 2  # the latest published
    listed = nurse.get(f"/api/v1/patients/{patient['id']}/enrollments").json
    assert [e["id"] for e in listed] == [created["enrollment"]["id"]]
    assert "activation_code" not in listed[0]


def test_activation_gives_a_device_token_that_reads_only_its_own_record(world, app):
    nurse = world.staff("nurse")
    patient = world.patient(nurse, given_name="Jeanne")
    other = world.patient(nurse, given_name="Louis")
    code = world.enrol(nurse, patient["id"])["activation_code"]
    world.enrol(nurse, other["id"])
    activated = _activate(app, code.lower())  # codes are case-insensitive
    assert activated.status_code == 201
    token = activated.json["device_token"]
    assert activated.json["patient"]["id"] == patient["id"]
    me = Caller(app, token).get("/api/v1/me")
    assert me.status_code == 200
    assert me.json["id"] == patient["id"] and me.json["given_name"] == "Jeanne"
    assert "phone" not in me.json
    # Stored hashed only.
    with app.app_context():
        from sqlalchemy import select

        from backend import db

        hashes = db.session().scalars(select(DeviceToken.token_hash)).all()
    assert token not in hashes and len(hashes) == 1


def test_activation_code_is_single_use_and_expires(world, app, clock):
    nurse = world.staff("nurse")
    patient = world.patient(nurse)
    code = world.enrol(nurse, patient["id"])["activation_code"]
    assert _activate(app, code).status_code == 201
    reused = _activate(app, code)
    assert reused.status_code == 422
    assert "activation_code" in reused.json["errors"]["json"]
    late = world.enrol(nurse, world.patient(nurse)["id"])["activation_code"]
    clock.advance(hours=73)
    assert _activate(app, late).status_code == 422
    assert count(app, DeviceToken) == 1


def test_new_code_replaces_the_previous_one(world, app):
    nurse = world.staff("nurse")
    patient = world.patient(nurse)
    created = world.enrol(nurse, patient["id"])
    path = (f"/api/v1/patients/{patient['id']}/enrollments/"
            f"{created['enrollment']['id']}/activation-code")
    renewed = nurse.post(path)
    assert renewed.status_code == 201
    assert _activate(app, created["activation_code"]).status_code == 422
    assert _activate(app, renewed.json["activation_code"]).status_code == 201


def test_revoked_device_token_stops_working(world, app):
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse)
    devices = nurse.get(f"/api/v1/patients/{patient['id']}/devices").json
    assert len(devices) == 1 and devices[0]["revoked_at"] is None
    revoked = nurse.delete(f"/api/v1/patients/{patient['id']}/devices/{devices[0]['id']}")
    assert revoked.status_code == 204
    assert device.get("/api/v1/me").status_code == 401


def test_patient_can_unpair_own_phone(world):
    nurse = world.staff("nurse")
    _, device = world.patient_device(nurse)
    assert device.delete("/api/v1/me/device").status_code == 204
    assert device.get("/api/v1/me").status_code == 401


def test_enrolment_errors(world, app):
    nurse = world.staff("nurse")
    patient = world.patient(nurse)
    path = f"/api/v1/patients/{patient['id']}/enrollments"
    unknown = nurse.post(path, json={"protocol": "no-such-protocol", "surgery_date": "2026-11-20",
                                     "consent": CONSENT})
    assert unknown.status_code == 422 and "protocol" in unknown.json["errors"]["json"]
    missing = nurse.post(path, json={"protocol": "ambulatory-general", "consent": CONSENT})
    assert missing.status_code == 422 and "surgery_date" in missing.json["errors"]["json"]
    far = nurse.post(path, json={"protocol": "ambulatory-general", "surgery_date": "2020-01-01",
                                 "consent": CONSENT})
    assert far.status_code == 422 and "surgery_date" in far.json["errors"]["json"]
    assert count(app, Enrollment) == 0


def test_enrolment_scoping_and_roles(world, app):
    nurse = world.staff("nurse", teams=("team-a",))
    outsider = world.staff("nurse", teams=("team-b",))
    patient, device = world.patient_device(nurse)
    body = {"protocol": "ambulatory-general", "surgery_date": "2026-11-20", "consent": CONSENT}
    path = f"/api/v1/patients/{patient['id']}/enrollments"
    assert outsider.post(path, json=body).status_code == 404
    assert outsider.get(path).status_code == 404
    assert device.post(path, json=body).status_code == 403
    assert nurse.get("/api/v1/me").status_code == 403
    assert Caller(app).get("/api/v1/me").status_code == 401
    assert world.admin().post(path, json=body).status_code == 403
    assert nurse.get(f"/api/v1/patients/{uuid.uuid4()}/enrollments").status_code == 404


def test_the_activation_code_goes_by_sms_once_without_health_data(world, app, redis):
    nurse = world.staff("nurse")
    outsider = world.staff("nurse", teams=("team-b",))
    patient = world.patient(nurse, phone="+33687654321")
    enrolled = world.enrol(nurse, patient["id"])
    path = (f"/api/v1/patients/{patient['id']}/enrollments/{enrolled['enrollment']['id']}"
            "/activation-code/sms")
    code = enrolled["activation_code"]

    assert nurse.post(path, json={"activation_code": "WRONG-CODE1"}).status_code == 422
    assert outsider.post(path, json={"activation_code": code}).status_code == 404
    sent = nurse.post(path, json={"activation_code": code})
    assert sent.status_code == 202, sent.json
    assert sent.json["sent_to"] == "+33******21"
    assert nurse.post(path, json={"activation_code": code}).status_code == 202  # not twice
    run_worker(app, redis)
    with app.app_context():
        (sms,) = db.session().scalars(select(Message).where(
            Message.template == "enrollment.activation_sms"))
        assert sms.address == "+33687654321" and sms.status == "sent"
        assert code not in sms.body and patient["family_name"] not in sms.body
    no_phone = world.patient(nurse, phone=None)
    other = world.enrol(nurse, no_phone["id"])
    refused = nurse.post(f"/api/v1/patients/{no_phone['id']}/enrollments/"
                         f"{other['enrollment']['id']}/activation-code/sms",
                         json={"activation_code": other["activation_code"]})
    assert refused.status_code == 409 and refused.json["message"].startswith("phone: ")


# -- discharge: the follow-up starts when the patient goes home ---------------------------

def _enrol(nurse, patient_id, **body):
    return nurse.post(f"/api/v1/patients/{patient_id}/enrollments",
                      json={"protocol": "ambulatory-general", "consent": CONSENT, **body})


def _today(app, code):
    device = Caller(app, _activate(app, code).json["device_token"])
    return {t["questionnaire"]: t for t in device.get("/api/v1/me/today").json["tasks"]}, device


def test_a_patient_enrolled_after_ten_is_not_shown_a_missed_task(world, app, clock):
    """Day 1 at 14:00: the 10:00 questionnaire was before the patient was followed; it
    is neither shown as missed nor reminded, and tomorrow's is there tomorrow."""
    from datetime import UTC, datetime

    from backend.intake.jobs import check_missed_tasks
    from backend.job_runtime import set_worker_app
    from backend.tasks.jobs import plan_tasks, remind_tasks
    from backend.tasks.models import Task

    set_worker_app(app)
    clock.set(datetime(2026, 11, 23, 13, 0, tzinfo=UTC))  # 14:00 in Paris
    nurse = world.staff("nurse")
    patient = world.patient(nurse)
    created = _enrol(nurse, patient["id"], surgery_date="2026-11-22")
    assert created.status_code == 201, created.json
    assert created.json["enrollment"]["discharge_at"] == "2026-11-23T13:00:00+00:00"
    tasks, device = _today(app, created.json["activation_code"])
    assert tasks == {}
    plan_tasks()
    assert remind_tasks() == 0
    clock.set(datetime(2026, 11, 23, 21, 0, tzinfo=UTC))  # 22:00: nothing overnight either
    assert check_missed_tasks() == 0 and remind_tasks() == 0
    clock.set(datetime(2026, 11, 24, 9, 30, tzinfo=UTC))
    tasks = {t["questionnaire"]: t for t in device.get("/api/v1/me/today").json["tasks"]}
    assert tasks["daily-postop"]["status"] == "pending"
    with app.app_context():  # planned ahead from day 2 on; nothing of day 1
        from sqlalchemy import select

        from backend import db

        due = db.session().scalars(select(Task.due_at)).all()
    assert due and min(due) >= datetime(2026, 11, 24, tzinfo=UTC)


def test_discharge_at_starts_the_schedule(world, app, clock):
    """Enrolled before going home (pre-admission): nothing is due before discharge."""
    from datetime import UTC, datetime

    nurse = world.staff("nurse")
    patient = world.patient(nurse)
    created = _enrol(nurse, patient["id"], surgery_date="2026-11-23",
                     discharge_at="2026-11-25T16:00:00+01:00")
    assert created.status_code == 201, created.json
    assert created.json["enrollment"]["discharge_at"] == "2026-11-25T15:00:00+00:00"
    code = created.json["activation_code"]
    device = Caller(app, _activate(app, code).json["device_token"])
    clock.set(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))  # day 2, still in hospital
    assert device.get("/api/v1/me/today").json["tasks"] == []
    clock.set(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))  # day 3 at home
    tasks = device.get("/api/v1/me/today").json["tasks"]
    assert sorted(t["questionnaire"] for t in tasks) == ["daily-postop", "qor-15"]


def test_discharge_at_is_checked(world, app):
    nurse = world.staff("nurse")
    patient = world.patient(nurse)
    for value, why in (("2026-11-23T16:00:00", "Not a valid aware datetime"),
                       ("2026-11-21T16:00:00+01:00", "before the surgery date"),
                       ("2029-01-01T16:00:00+01:00", "within a year")):
        response = _enrol(nurse, patient["id"], surgery_date="2026-11-22", discharge_at=value)
        assert response.status_code == 422, value
        assert why in " ".join(response.json["errors"]["json"]["discharge_at"]), response.json
    assert count(app, Enrollment) == 0


def test_a_second_active_enrolment_in_the_same_protocol_is_refused(world, app):
    nurse = world.staff("nurse")
    patient = world.patient(nurse)
    first = _enrol(nurse, patient["id"], surgery_date="2026-11-22", protocol_version=1)
    assert first.status_code == 201
    again = _enrol(nurse, patient["id"], surgery_date="2026-11-22")  # version 2: same protocol
    assert again.status_code == 409
    why = again.json["errors"]["json"]["protocol"][0]
    assert "already has an active enrolment in ambulatory-general" in why
    assert "version 1" in why and first.json["enrollment"]["id"] in why
    other = nurse.post(f"/api/v1/patients/{patient['id']}/enrollments", json={
        "protocol": "heart-failure", "surgery_date": "2026-11-22", "consent": CONSENT})
    assert other.status_code == 201  # another protocol: another follow-up
    assert count(app, Enrollment) == 2
