"""Patient records: care-team scoping, validation, audit."""

from __future__ import annotations

import uuid

from backend.patients.models import Patient
from tests.helpers import Caller, audit_events, count


def test_nurse_creates_reads_updates_and_lists_patients(world):
    nurse = world.staff("nurse")
    created = world.patient(nurse, given_name="Jeanne", family_name="Martin",
                            hospital_id="IPP123")
    assert uuid.UUID(created["id"])
    assert created["timezone"] == "Europe/Paris" and created["language"] == "fr"
    read = nurse.get(f"/api/v1/patients/{created['id']}")
    assert read.status_code == 200 and read.json["family_name"] == "Martin"
    patched = nurse.patch(f"/api/v1/patients/{created['id']}",
                          json={"phone": "+33698765432", "language": "en"})
    assert patched.status_code == 200
    assert patched.json["phone"] == "+33698765432" and patched.json["language"] == "en"
    found = nurse.get("/api/v1/patients?q=mart")
    assert [p["id"] for p in found.json] == [created["id"]]
    assert nurse.get("/api/v1/patients?q=nobody").json == []


def test_another_teams_nurse_gets_404_and_the_refusal_is_audited(world, app):
    nurse_a = world.staff("nurse", teams=("team-a",))
    nurse_b = world.staff("nurse", teams=("team-b",))
    patient = world.patient(nurse_a)
    for method, body in (("GET", None), ("PATCH", {"phone": "+33611111111"})):
        response = nurse_b.request(method, f"/api/v1/patients/{patient['id']}", json=body)
        assert response.status_code == 404
        assert response.json["message"] == "No such patient."
    assert nurse_b.get("/api/v1/patients").json == []
    refusals = audit_events(app, patient_id=uuid.UUID(patient["id"]), outcome="denied")
    assert {event.action for event in refusals} == {"patient.read", "patient.update"}
    assert all(str(event.actor_id) == nurse_b.id for event in refusals)
    # Unchanged by the refused PATCH.
    assert world.admin().get(f"/api/v1/patients/{patient['id']}").json["phone"] == "+33612345678"


def test_unknown_patient_is_404(world):
    nurse = world.staff("nurse")
    assert nurse.get(f"/api/v1/patients/{uuid.uuid4()}").status_code == 404
    assert nurse.get("/api/v1/patients/not-a-uuid").status_code == 404


def test_admin_reads_any_patient_and_is_audited(world, app):
    nurse = world.staff("nurse")
    patient = world.patient(nurse)
    admin = world.admin()
    assert admin.get(f"/api/v1/patients/{patient['id']}").status_code == 200
    reads = audit_events(app, action="patient.read", patient_id=uuid.UUID(patient["id"]))
    assert [str(event.actor_id) for event in reads] == [admin.id]
    assert reads[0].ip == "127.0.0.1"


def test_surgeon_of_the_team_sees_the_patient(world):
    nurse = world.staff("nurse")
    surgeon = world.staff("surgeon")
    patient = world.patient(nurse)
    assert surgeon.get(f"/api/v1/patients/{patient['id']}").status_code == 200


def test_bad_body_names_the_field_and_stores_nothing(world, app):
    nurse = world.staff("nurse")
    cases = [
        ({"given_name": "A", "family_name": "B"}, "birth_date"),
        ({"given_name": "A", "family_name": "B", "birth_date": "1950-13-01"}, "birth_date"),
        ({"given_name": "A", "family_name": "B", "birth_date": "1950-01-01",
          "phone": "0612"}, "phone"),
        ({"given_name": "A", "family_name": "B", "birth_date": "1950-01-01",
          "timezone": "Mars/Olympus"}, "timezone"),
        ({"given_name": "A", "family_name": "B", "birth_date": "2999-01-01"}, "birth_date"),
        # A typing mistake for 1950, which no one alive was born in.
        ({"given_name": "A", "family_name": "B", "birth_date": "0950-01-01"}, "birth_date"),
        # The server's own zone and the zone of no place are no patient's.
        ({"given_name": "A", "family_name": "B", "birth_date": "1950-01-01",
          "timezone": "localtime"}, "timezone"),
        ({"given_name": "A", "family_name": "B", "birth_date": "1950-01-01",
          "timezone": "Factory"}, "timezone"),
        ({"given_name": "A", "family_name": "B", "birth_date": "1950-01-01",
          "language": "de"}, "language"),
        ({"given_name": "", "family_name": "B", "birth_date": "1950-01-01"}, "given_name"),
    ]
    for body, field in cases:
        response = nurse.post("/api/v1/patients", json=body)
        assert response.status_code == 422, body
        assert field in response.json["errors"]["json"], response.json
        assert field in response.json["message"]
    assert count(app, Patient) == 0


def test_care_team_is_required_for_members_of_several_teams(world):
    nurse = world.staff("nurse", teams=("team-a", "team-b"))
    body = {"given_name": "A", "family_name": "B", "birth_date": "1950-01-01"}
    missing = nurse.post("/api/v1/patients", json=body)
    assert missing.status_code == 422 and "care_team" in missing.json["errors"]["json"]
    assert nurse.post("/api/v1/patients", json={**body, "care_team": "team-b"}).status_code == 201
    other = world.staff("nurse", teams=("team-c",))
    refused = other.post("/api/v1/patients", json={**body, "care_team": "team-a"})
    assert refused.status_code == 422


def test_tokens_and_roles_on_patient_routes(world, app):
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse)
    path = f"/api/v1/patients/{patient['id']}"
    assert Caller(app).get(path).status_code == 401
    assert Caller(app, "sst_forged").get(path).status_code == 401
    assert device.get(path).status_code == 403
    assert device.get("/api/v1/patients").status_code == 403
    admin = world.admin()
    assert admin.post("/api/v1/patients", json={}).status_code == 403  # admin doesn't create
