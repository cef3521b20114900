"""Consent at enrolment: required, recorded with the notice's version, withdrawn (which
ends the follow-up)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from backend import db
from backend.consents.models import Consent
from backend.enrollments.models import Enrollment
from backend.formlinks.models import FormLink
from backend.patients.models import Patient
from backend.tasks.jobs import plan_tasks, remind_tasks
from tests.formlinks.support import sent_token, web_patient
from tests.helpers import CONSENT, audit_events, count, run_worker


def _post(nurse, patient_id, **body):
    return nurse.post(f"/api/v1/patients/{patient_id}/enrollments", json={
        "protocol": "ambulatory-general", "surgery_date": "2026-11-22", **body})


@pytest.mark.parametrize("consent", [
    None, {"notice_version": 1, "given": False}, {"notice_version": 99, "given": True},
    {"given": True}, {"notice_version": 1, "given": True, "channel": "pigeon"}, "yes",
])
def test_enrolment_without_a_valid_consent_stores_nothing(world, app, consent):
    nurse = world.staff("nurse")
    patient = world.patient(nurse)
    body = {} if consent is None else {"consent": consent}
    refused = _post(nurse, patient["id"], **body)
    assert refused.status_code == 422, refused.json
    assert "consent" in refused.json["errors"]["json"], refused.json
    assert count(app, Enrollment) == 0 and count(app, Consent) == 0


def test_the_consent_is_recorded_with_its_notice_and_who_collected_it(world, app, clock):
    nurse = world.staff("nurse")
    patient = world.patient(nurse)
    created = _post(nurse, patient["id"], consent={**CONSENT, "channel": "written"})
    assert created.status_code == 201, created.json
    [consent] = nurse.get(f"/api/v1/patients/{patient['id']}/consents").json
    assert consent["kind"] == "telesurveillance" and consent["notice_version"] == 1
    assert consent["channel"] == "written" and consent["recorded_by"] == nurse.id
    assert consent["enrollment_id"] == created.json["enrollment"]["id"]
    assert consent["withdrawn_at"] is None
    assert consent["given_at"].startswith(clock.now().date().isoformat())
    actions = [e.action for e in audit_events(app, patient_id=uuid.UUID(patient["id"]))]
    assert "consent.record" in actions and "consent.list" in actions


def test_withdrawing_the_consent_ends_the_follow_up_and_its_messages(world, app, clock,
                                                                     redis):
    patient, nurse = web_patient(world, app, clock, redis)
    token = sent_token(app)
    sms_before = len(app.extensions["suivi"].sms.sent)
    path = f"/api/v1/patients/{patient['id']}/consents"
    [consent] = nurse.get(path).json
    withdrawn = nurse.post(f"{path}/{consent['id']}/withdraw")
    assert withdrawn.status_code == 200, withdrawn.json
    assert withdrawn.json["withdrawn_by"] == nurse.id and withdrawn.json["withdrawn_at"]
    with app.app_context():
        session = db.session()
        enrollment = session.scalar(select(Enrollment))
        assert enrollment.status == "ended" and enrollment.ended_at == clock.now()
        assert session.scalar(select(FormLink).where(FormLink.expires_at > clock.now())) \
            is None
        assert session.scalar(select(Patient.id)) is not None
    assert nurse.post(f"{path}/{consent['id']}/withdraw").status_code == 409  # once
    # The link sent this morning no longer opens the form; no reminder comes any more.
    assert app.test_client().get(f"/f/{token}").status_code in (404, 410)
    clock.advance(days=2)
    remind_tasks()
    run_worker(app, redis)
    assert len(app.extensions["suivi"].sms.sent) == sms_before
    actions = [e.action for e in audit_events(app, patient_id=uuid.UUID(patient["id"]))]
    assert "consent.withdraw" in actions and "enrollment.end" in actions


def test_withdrawal_is_for_the_patients_team_and_clinicians(world, app):
    nurse = world.staff("nurse")
    outsider = world.staff("nurse", teams=("team-b",))
    patient, device = world.patient_device(nurse)
    path = f"/api/v1/patients/{patient['id']}/consents"
    [consent] = nurse.get(path).json
    assert outsider.post(f"{path}/{consent['id']}/withdraw").status_code == 404
    assert world.admin().post(f"{path}/{consent['id']}/withdraw").status_code == 403
    assert device.get(path).status_code == 403
    other, _ = world.patient_device(nurse)
    assert nurse.post(f"/api/v1/patients/{other['id']}/consents/{consent['id']}/withdraw"
                      ).status_code == 404
    refused = [e for e in audit_events(app, patient_id=uuid.UUID(patient["id"]))
               if e.outcome != "success"]
    assert refused  # the other team's attempt names the patient


def test_what_was_queued_before_the_withdrawal_is_not_sent(world, app, clock, redis):
    """A reminder and a new activation code were queued (the worker had not run yet) when
    the patient withdrew: neither reaches the patient."""
    app.config["SUIVI_ACCESS_TOKEN_TTL"] = 12 * 3600  # one session for the morning
    # 07:00 in Paris on day 1 of ambulatory-general: the daily check is reminded at 10:00.
    clock.set(datetime(2026, 11, 23, 6, 0, tzinfo=UTC))
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse, phone="+33611112222",
                                           surgery_date=date(2026, 11, 22))
    assert device.put("/api/v1/me/push-token",
                      json={"push_token": "push-token-of-the-phone"}).status_code == 204
    run_worker(app, redis)  # what enrolment queued
    enrollment_id = nurse.get(f"/api/v1/patients/{patient['id']}/enrollments").json[0]["id"]
    code_path = f"/api/v1/patients/{patient['id']}/enrollments/{enrollment_id}/activation-code"
    code = nurse.post(code_path)
    assert code.status_code == 201, code.json
    assert nurse.post(f"{code_path}/sms", json={
        "activation_code": code.json["activation_code"]}).status_code == 202
    assert plan_tasks() >= 1
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    assert remind_tasks() >= 1
    sms, push = app.extensions["suivi"].sms.sent, app.extensions["suivi"].push.sent
    before = (len(sms), len(push))
    path = f"/api/v1/patients/{patient['id']}/consents"
    [consent] = nurse.get(path).json
    assert nurse.post(f"{path}/{consent['id']}/withdraw").status_code == 200
    run_worker(app, redis)
    assert (len(sms), len(push)) == before
    # Nor does the code, given by hand, pair a phone any more.
    refused = app.test_client().post("/api/v1/patient/activate", json={
        "activation_code": code.json["activation_code"]})
    assert refused.status_code in (401, 404, 410, 422), refused.json
    # Without the withdrawal, the same queue reaches the phone.
    _other, other_device = world.patient_device(nurse, phone="+33611113333",
                                                surgery_date=date(2026, 11, 22))
    assert other_device.put("/api/v1/me/push-token",
                            json={"push_token": "push-token-of-another"}).status_code == 204
    assert plan_tasks() >= 1 and remind_tasks() >= 1
    run_worker(app, redis)
    assert len(push) > before[1]
