"""The patient's rights: a copy of their data (JSON), erasure of their contact data with
the medical content kept."""

from __future__ import annotations

import uuid

from sqlalchemy import select, text

from backend import db
from backend.audit.models import AuditEvent
from backend.intake.models import Submission
from backend.patients.models import Patient
from backend.rgpd import services as rgpd
from tests.helpers import audit_events, count, daily, submit


def _reading(device, value=37.4, minute=55):
    return device.post("/api/v1/me/readings", json={"readings": [
        {"type": "temperature", "value": value, "unit": "Cel",
         "measured_at": f"2026-11-23T08:{minute}:00+00:00"}]},
        headers={"Idempotency-Key": str(uuid.uuid4())})


def test_the_patient_exports_their_own_data(world, app):
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse, family_name="Vauquelin",
                                           email="jeanne@example.org")
    assert submit(device, "daily-postop", daily(calf_pain=True)).status_code == 201
    assert _reading(device).status_code == 201
    mine = device.get("/api/v1/me/export")
    assert mine.status_code == 200, mine.json
    data = mine.json
    assert data["identity"]["family_name"] == "Vauquelin"
    assert data["identity"]["email"] == "jeanne@example.org"
    assert data["identity"]["birth_date"] == "1950-04-02"
    [enrollment] = data["enrollments"]
    assert enrollment["protocol"] == "ambulatory-general" and enrollment["status"] == "active"
    assert enrollment["protocol_title"].startswith("Chirurgie")  # in the patient's language
    assert enrollment["team"] == "Team-A"
    [consent] = data["consents"]
    assert consent["notice_version"] == 1
    # The notice the patient read, as they read it (the app shows it under "Mes données").
    assert consent["notice_title"].startswith("Notice d'information")
    assert "Vos droits" in consent["notice_text"]
    [answered] = data["submissions"]
    assert answered["questionnaire"] == "daily-postop"
    assert answered["answers"]["calf_pain"] is True
    assert [(r["type"], r["value"], r["unit"]) for r in data["readings"]] == [
        ("temperature", "37.4", "Cel")]
    assert data["advice"] and all(a["advice"] for a in data["advice"])  # shown in French
    assert data["truncated"] == []
    assert "me.export" in [e.action for e in audit_events(app,
                                                          patient_id=uuid.UUID(patient["id"]))]


def test_staff_export_is_for_the_team_and_audited(world, app):
    nurse = world.staff("nurse")
    outsider = world.staff("nurse", teams=("team-b",))
    patient, device = world.patient_device(nurse)
    _, other_device = world.patient_device(nurse)
    path = f"/api/v1/patients/{patient['id']}/export"
    assert nurse.get(path).json["identity"]["id"] == patient["id"]
    assert world.admin().get(path).status_code == 200
    assert outsider.get(path).status_code == 404
    assert device.get(path).status_code == 403
    mine = other_device.get("/api/v1/me/export").json
    assert mine["identity"]["id"] != patient["id"]  # a patient exports only their own
    trail = audit_events(app, patient_id=uuid.UUID(patient["id"]))
    # The nurse's and the administrator's reads; the other team's and the app's refusals.
    assert [e.outcome for e in trail if e.action == "patient.export"] == [
        "success", "success", "denied", "denied"]


def test_an_export_is_bounded_and_says_what_it_cut(world, app):
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse)
    for minute, value in ((50, 37.0), (52, 37.1), (54, 37.2)):
        assert _reading(device, value, minute).status_code == 201
    with app.app_context():
        exported = rgpd.export_of(db.session().get(Patient, uuid.UUID(patient["id"])), most=2)
    assert [r["value"] for r in exported["readings"]] == ["37.1", "37.2"]
    assert exported["truncated"] == ["readings"]


def test_erasure_removes_contact_data_and_keeps_the_medical_record(world, app, clock):
    nurse = world.staff("nurse")
    admin = world.admin()
    patient, device = world.patient_device(nurse, family_name="Vauquelin",
                                           hospital_id="IPP123", email="j@example.org")
    assert submit(device, "daily-postop", daily()).status_code == 201
    path = f"/api/v1/patients/{patient['id']}/erasure"
    assert nurse.post(path, json={"reason": "patient_request"}).status_code == 403
    refused = admin.post(path, json={"reason": "because", "note": "x"})
    assert refused.status_code == 422 and "reason" in refused.json["errors"]["json"]
    too_long = admin.post(path, json={"reason": "other", "note": "x" * 501})
    assert too_long.status_code == 422 and "note" in too_long.json["errors"]["json"]
    erased = admin.post(path, json={"reason": "patient_request",
                                    "note": "demande écrite du 20/11"})
    assert erased.status_code == 201, erased.json
    assert erased.json["names_pseudonymised"] is True
    # The phone stops working, the record shows no contact data, no SMS can go.
    assert device.get("/api/v1/me/today").status_code == 401
    record = nurse.get(f"/api/v1/patients/{patient['id']}").json
    assert record["phone"] is None and record["email"] is None
    assert record["family_name"].startswith("PSEUDO-") and record["hospital_id"] == "IPP123"
    assert "Vauquelin" not in str(record)
    assert nurse.get(f"/api/v1/patients/{patient['id']}/enrollments").json[0]["status"] \
        == "ended"
    with app.app_context():
        assert db.session().get(Patient, uuid.UUID(patient["id"])).sms_opt_out is True
    assert count(app, Submission) == 1  # the medical content is kept
    assert admin.post(path, json={"reason": "patient_request"}).status_code == 409
    trail = audit_events(app, patient_id=uuid.UUID(patient["id"]))
    assert [e.detail for e in trail if e.action == "patient.erasure"
            and e.outcome == "success"] == [{"reason": "patient_request", "names": True}]
    # The nurse, the two refused bodies and the second request are traced too.
    assert len([e for e in trail if e.action == "patient.erasure"]) == 5
    assert any(e.action == "patient.create" for e in trail)  # the trail is intact


def test_erasure_keeps_the_names_without_the_hospitals_identifier(world):
    nurse = world.staff("nurse")
    patient = world.patient(nurse, family_name="Vauquelin")
    erased = world.admin().post(f"/api/v1/patients/{patient['id']}/erasure",
                                json={"reason": "end_of_follow_up"})
    assert erased.status_code == 201 and erased.json["names_pseudonymised"] is False
    record = nurse.get(f"/api/v1/patients/{patient['id']}").json
    assert record["family_name"] == "Vauquelin" and record["phone"] is None


def test_the_audit_trail_refuses_to_be_rewritten_after_an_erasure(world, app):
    nurse = world.staff("nurse")
    patient = world.patient(nurse)
    assert world.admin().post(f"/api/v1/patients/{patient['id']}/erasure",
                              json={"reason": "deceased"}).status_code == 201
    with app.app_context():
        session = db.session()
        row = session.scalar(select(AuditEvent.id).where(
            AuditEvent.patient_id == uuid.UUID(patient["id"])).limit(1))
        for statement in ("UPDATE audit_events SET action = 'x' WHERE id = :id",
                          "DELETE FROM audit_events WHERE id = :id"):
            try:
                with session.begin_nested():
                    session.execute(text(statement), {"id": row if app.extensions[
                        "suivi"].engine.dialect.name == "postgresql" else row.hex})
            except Exception as error:  # noqa: BLE001 - the driver's own error
                assert "audit" in str(error)
            else:
                raise AssertionError(f"the trail accepted: {statement}")
        session.rollback()
