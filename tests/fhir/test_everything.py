"""The follow-up as FHIR: the enrolment (CarePlan), its alerts (Flag), consents (Consent),
tasks (Task), and Patient/{id}/$everything: one Bundle of all of it, validated by both
validators, scoped and audited like every read."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from tests.fhir.conftest import fhir_get
from tests.fhir.test_observation import reading, send_readings
from tests.helpers import audit_events, daily, submit


def _followed(world):
    """A patient the day after surgery with today's tasks planned, a daily check that
    opens an alert, a reading, and the consent given at enrolment."""
    world.clock.set(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))  # 09:00 in Paris
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse, surgery_date=date(2026, 11, 22))
    assert device.get("/api/v1/me/today").status_code == 200
    answered = submit(device, "daily-postop", daily(calf_pain=True))
    assert answered.status_code == 201 and answered.json["alerts_opened"], answered.json
    send_readings(device, reading("temperature", 37.4, "Cel"))
    return nurse, patient, device, answered.json


def _search(caller, resource, patient, **query):
    return fhir_get(caller, f"/fhir/R4/{resource}",
                    query_string={"patient": f"Patient/{patient['id']}", **query})


def test_the_enrolment_alerts_consent_and_tasks(world):
    nurse, patient, _, answered = _followed(world)
    plans = _search(nurse, "CarePlan", patient)
    assert plans["total"] == 1
    plan = plans["entry"][0]["resource"]
    assert (plan["status"], plan["intent"]) == ("active", "plan")
    assert plan["instantiatesUri"][0].startswith("urn:suivi:protocol:ambulatory-general|")
    assert plan["title"] and plan["period"]["start"] < plan["period"]["end"]
    assert any(a["detail"]["code"]["coding"][0]["code"] == "daily-postop"
               for a in plan["activity"])
    assert fhir_get(nurse, f"/fhir/R4/CarePlan/{plan['id']}") == plan

    flags = _search(nurse, "Flag", patient, status="active")
    assert flags["total"] == 1
    flag = flags["entry"][0]["resource"]
    assert flag["id"] == answered["alerts_opened"][0]
    assert flag["code"]["text"] and flag["extension"][0]["valueCodeableConcept"]
    resolved = nurse.post(f"/api/v1/alerts/{flag['id']}/resolve",
                          json={"outcome": "advice_given"})
    assert resolved.status_code == 200, resolved.json
    assert _search(nurse, "Flag", patient, status="active")["total"] == 0
    inactive = fhir_get(nurse, f"/fhir/R4/Flag/{flag['id']}")
    assert inactive["status"] == "inactive" and "end" in inactive["period"]

    consent = _search(nurse, "Consent", patient)["entry"][0]["resource"]
    assert consent["status"] == "active" and "version" in consent["policyRule"]["text"]
    tasks = _search(nurse, "Task", patient)
    assert {e["resource"]["status"] for e in tasks["entry"]} >= {"completed"}
    done = _search(nurse, "Task", patient, status="completed")["entry"][0]["resource"]
    assert done["output"][0]["valueReference"]["reference"] == (
        f"QuestionnaireResponse/{answered['id']}")
    assert _search(nurse, "Task", patient, status="requested,failed")["total"] == (
        tasks["total"] - 1)

    withdrawn = nurse.post(f"/api/v1/patients/{patient['id']}/consents/{consent['id']}"
                           f"/withdraw", json={})
    assert withdrawn.status_code == 200, withdrawn.json
    assert fhir_get(nurse, f"/fhir/R4/Consent/{consent['id']}")["status"] == "inactive"
    assert fhir_get(nurse, f"/fhir/R4/CarePlan/{plan['id']}")["status"] == "revoked"

    for query in ({"status": "open"}, {"patient": "Group/1"}, {"code": "x"}):
        refused = fhir_get(nurse, "/fhir/R4/Flag", 400, query_string=query)
        assert refused["issue"][0]["expression"] == list(query)
    assert audit_events(nurse.app, action="fhir.flag.read",
                        patient_id=uuid.UUID(patient["id"]))


def test_everything_is_one_bundle_of_the_patient(world):
    nurse, patient, _, answered = _followed(world)
    found = fhir_get(nurse, f"/fhir/R4/Patient/{patient['id']}/$everything")
    assert found["type"] == "searchset"
    types = [e["resource"]["resourceType"] for e in found["entry"]]
    assert types[0] == "Patient"
    assert set(types) == {"Patient", "Observation", "QuestionnaireResponse", "CarePlan",
                          "Flag", "Consent", "Task"}
    assert found["total"] == len(types)
    ids = {e["resource"]["id"] for e in found["entry"]}
    assert {answered["id"], *answered["alerts_opened"]} <= ids
    for entry in found["entry"][1:]:
        resource = entry["resource"]
        subject = (resource.get("subject") or resource.get("patient")
                   or resource.get("for"))
        assert subject == {"reference": f"Patient/{patient['id']}"}, resource
    reads = audit_events(nurse.app, action="fhir.patient.everything",
                         patient_id=uuid.UUID(patient["id"]))
    assert len(reads) == 1
    fhir_get(nurse, f"/fhir/R4/Patient/{patient['id']}/$everything", 400,
             query_string={"_since": "2026-01-01"})


def test_another_team_finds_nothing(world):
    _, patient, _, answered = _followed(world)
    outsider = world.staff("nurse", teams=("team-b",))
    hidden = fhir_get(outsider, f"/fhir/R4/Patient/{patient['id']}/$everything", 404)
    assert hidden == fhir_get(outsider, f"/fhir/R4/Patient/{uuid.uuid4()}/$everything", 404)
    fhir_get(outsider, f"/fhir/R4/Flag/{answered['alerts_opened'][0]}", 404)
    fhir_get(outsider, "/fhir/R4/Task", 404, query_string={"patient": patient["id"]})
    assert fhir_get(outsider, "/fhir/R4/CarePlan")["total"] == 0
    refused = audit_events(outsider.app, outcome="denied", patient_id=uuid.UUID(patient["id"]))
    assert {e.action for e in refused} == {"fhir.patient.everything", "fhir.flag.read",
                                           "fhir.task.search-type"}
