"""The patient app's credentials: a device token works as long as the follow-up it was
paired for (and a grace period), and an activation code pairs one phone, however many
ask at once."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import select

from backend import db
from backend.auth.models import ActivationCode, DeviceToken
from backend.enrollments.models import Enrollment
from backend.intake.models import Submission
from tests.helpers import Caller, audit_events, count, daily

# -- a device token lives as long as its follow-up ---------------------------------------

def test_a_device_token_stops_working_a_week_after_the_follow_up_ends(app, clock, world):
    patient, device = world.patient_device(world.staff("nurse"))
    # ambulatory-general plans its last task on day 30: the follow-up of a surgery on
    # 23/11 ends with 23/12 (Paris), and the app works 7 days more.
    clock.set(clock.now().replace(year=2026, month=12, day=30, hour=22, minute=59))
    assert device.get("/api/v1/me").status_code == 200
    clock.advance(minutes=2)
    refused = device.get("/api/v1/me")
    assert refused.status_code == 401
    assert refused.json["kind"] == "follow_up_ended"  # the app shows the message as it is
    assert refused.json["message"] == (
        "L'accès de ce téléphone à Suivi a pris fin avec votre suivi, le 23/12/2026. Si "
        "votre équipe de soins vous suit encore, demandez-lui un nouveau code d'activation.")
    refusals = [e for e in audit_events(app, action="me.read") if e.outcome != "success"]
    assert refusals and str(refusals[-1].patient_id) == patient["id"]


def test_a_code_whose_follow_up_is_over_pairs_no_phone(app, clock, world):
    nurse = world.staff("nurse")
    patient = world.patient(nurse)
    code = world.enrol(nurse, patient["id"], surgery_date=clock.now().date()
                       - timedelta(days=60))["activation_code"]
    refused = Caller(app).post("/api/v1/patient/activate", json={"activation_code": code})
    assert refused.status_code == 422
    assert list(refused.json["errors"]["json"]) == ["activation_code"]
    assert "follow-up has ended (on 24/10/2026)" in refused.json["message"]
    assert count(app, DeviceToken) == 0


def test_no_phone_is_paired_to_a_follow_up_that_has_ended(app, world):
    """Consent withdrawn: no new code, no SMS of an earlier one, no pairing with a code
    issued before, no reminder time to set. Each refusal names the field and stores
    nothing."""
    nurse = world.staff("nurse")
    patient = world.patient(nurse, phone="+33612345678")
    enrolled = world.enrol(nurse, patient["id"])
    path = f"/api/v1/patients/{patient['id']}/enrollments/{enrolled['enrollment']['id']}"
    earlier = enrolled["activation_code"]
    [consent] = nurse.get(f"/api/v1/patients/{patient['id']}/consents").json
    assert nurse.post(f"/api/v1/patients/{patient['id']}/consents/{consent['id']}/withdraw"
                      ).status_code == 200
    codes = count(app, ActivationCode)
    refused = nurse.post(f"{path}/activation-code")
    assert refused.status_code == 409 and "no phone can be paired" in refused.json["message"]
    assert count(app, ActivationCode) == codes
    sms = nurse.post(f"{path}/activation-code/sms", json={"activation_code": earlier})
    assert sms.status_code == 409
    paired = Caller(app).post("/api/v1/patient/activate", json={"activation_code": earlier})
    assert paired.status_code == 422 and list(paired.json["errors"]["json"]) == [
        "activation_code"]
    assert count(app, DeviceToken) == 0
    reminder = nurse.put(f"{path}/reminder-time", json={"reminder_time": "09:00"})
    assert reminder.status_code == 409 and "reminder" in reminder.json["message"]


def test_after_a_withdrawal_the_app_is_told_in_the_patients_words_and_stops(
        app, clock, world):
    """Nothing the app holds can be sent once the consent is withdrawn. A conflict would
    have it send it again every minute for the week its token lasts; instead the app is
    told why, with the kind it stops on. The patient's own data stay readable that week."""
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse)
    [consent] = nurse.get(f"/api/v1/patients/{patient['id']}/consents").json
    nurse.post(f"/api/v1/patients/{patient['id']}/consents/{consent['id']}/withdraw")
    today = clock.now().strftime("%d/%m/%Y")
    for answer in (device.get("/api/v1/me/today"),
                   device.post("/api/v1/me/submissions", json={
                       "questionnaire": "daily-postop", "answers": daily()},
                       headers={"Idempotency-Key": str(uuid.uuid4())}),
                   device.post("/api/v1/me/readings", json={"readings": [
                       {"type": "temperature", "value": 38.2, "unit": "Cel",
                        "measured_at": clock.now().isoformat()}]},
                       headers={"Idempotency-Key": str(uuid.uuid4())}),
                   device.put("/api/v1/me/reminder-time", json={"reminder_time": "09:00"})):
        assert answer.status_code == 403, answer.json
        assert answer.json["kind"] == "follow_up_ended"
        assert answer.json["message"] == (
            f"L'accès de ce téléphone à Suivi a pris fin avec votre suivi, le {today}. Si "
            "votre équipe de soins vous suit encore, demandez-lui un nouveau code "
            "d'activation.")
    assert count(app, Submission) == 0
    assert device.get("/api/v1/me/export").status_code == 200


def test_a_new_phone_is_not_paired_in_the_grace_after_the_follow_up(app, clock, world):
    """The week after the follow-up is for a phone already paired to send what it holds:
    a new phone has nothing to send."""
    nurse = world.staff("nurse")
    patient = world.patient(nurse)
    code = world.enrol(nurse, patient["id"], surgery_date=clock.now().date()
                       - timedelta(days=32))["activation_code"]
    refused = Caller(app).post("/api/v1/patient/activate", json={"activation_code": code})
    assert refused.status_code == 422 and "follow-up has ended" in refused.json["message"]
    assert count(app, DeviceToken) == 0


def test_a_token_is_tied_to_the_enrolment_it_was_paired_for(app, world):
    world.patient_device(world.staff("nurse"))
    with app.app_context():
        device = db.session().scalar(select(DeviceToken))
        enrollment = db.session().scalar(select(Enrollment))
        assert device.enrollment_id == enrollment.id


# -- one activation code, one phone -----------------------------------------------------

def test_one_activation_code_pairs_one_phone_however_many_ask_at_once(app, world):
    """Eight phones send the same code at the same moment: the code is checked and used
    up by one statement, so one of them is paired (on PostgreSQL, a read then a write let
    several through)."""
    nurse = world.staff("nurse")
    patient = world.patient(nurse)
    code = world.enrol(nurse, patient["id"])["activation_code"]
    together = threading.Barrier(8)

    def activate(_: int) -> int:
        client = app.test_client()
        together.wait(10)
        return client.post("/api/v1/patient/activate",
                           json={"activation_code": code}).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(activate, range(8)))
    assert statuses == [201] + [422] * 7, statuses
    assert count(app, DeviceToken) == 1
