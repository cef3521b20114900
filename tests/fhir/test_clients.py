"""Integration clients on /fhir/R4: a gateway with ``system/Observation.write`` posts
Observations through the app's intake, reads need ``system/<Type>.read`` (or
``system/*.read``), its care team only, every call audited as the client's."""

from __future__ import annotations

import uuid

from backend.intake.models import Reading
from tests.clients.support import WRITE, client_caller, new_client
from tests.fhir.conftest import fhir_get
from tests.fhir.test_observation import observation, post, reading, send_readings
from tests.helpers import audit_events, count


def test_a_gateways_observation_raises_the_same_alert_as_the_apps(world, app):
    nurse = world.staff("nurse")
    by_app, device = world.patient_device(nurse)
    by_gateway, _ = world.patient_device(nurse)
    gateway = client_caller(app, new_client(world))
    assert send_readings(device, reading("temperature", 39.4, "Cel"))["alerts_opened"]
    created = post(gateway, observation(by_gateway["id"], "8310-5", 39.4, "Cel",
                                        identifier="gw-1"), 201)[1]
    assert post(gateway, observation(by_gateway["id"], "8310-5", 39.4, "Cel",
                                     identifier="gw-1"), 200)[1] == created
    assert count(app, Reading, patient_id=uuid.UUID(by_gateway["id"])) == 1

    def alerts(patient):
        listed = nurse.get("/api/v1/alerts", query_string={"patient_id": patient["id"]})
        return sorted((str(a["rule"]), a["severity"]) for a in listed.json)

    assert alerts(by_gateway) == alerts(by_app) != []
    done = audit_events(app, action="reading.create", outcome="success",
                        patient_id=uuid.UUID(by_gateway["id"]))
    assert [e.actor_type for e in done] == ["client"]


def test_without_the_scope_a_client_is_refused_and_audited(world, app):
    nurse = world.staff("nurse")
    patient, _ = world.patient_device(nurse)
    reader = client_caller(app, new_client(world, scopes=("system/*.read",)))
    refused = post(reader, observation(patient["id"], "8310-5", 37.0, "Cel"), 403)[1]
    assert refused["resourceType"] == "OperationOutcome"
    assert refused["issue"][0]["code"] == "forbidden"
    assert "system/Observation.write" in refused["issue"][0]["diagnostics"]
    writer = client_caller(app, new_client(world, scopes=(WRITE,), name="Passerelle 2"))
    assert fhir_get(writer, f"/fhir/R4/Patient/{patient['id']}", 403)["issue"][0][
        "code"] == "forbidden"
    assert fhir_get(writer, "/fhir/R4/Observation", 403,
                    query_string={"patient": patient["id"]})
    assert count(app, Reading) == 0
    denied = audit_events(app, outcome="denied", actor_type="client")
    assert {e.action for e in denied} == {"fhir.observation.create", "fhir.patient.read",
                                          "fhir.observation.search-type"}


def test_another_teams_patient_is_not_found(world, app):
    outsider = world.staff("nurse", teams=("team-b",))
    patient, device = world.patient_device(outsider)
    stored = send_readings(device, reading("temperature", 37.0))
    gateway = client_caller(app, new_client(world, team="team-a",
                                            scopes=(WRITE, "system/*.read")))
    hidden = post(gateway, observation(patient["id"], "8310-5", 37.0, "Cel"), 404)[1]
    unknown = post(gateway, observation(str(uuid.uuid4()), "8310-5", 37.0, "Cel"), 404)[1]
    assert hidden == unknown
    assert fhir_get(gateway, f"/fhir/R4/Patient/{patient['id']}", 404) == fhir_get(
        gateway, f"/fhir/R4/Patient/{uuid.uuid4()}", 404)
    fhir_get(gateway, f"/fhir/R4/Observation/{stored['ids'][0]}", 404)
    assert fhir_get(gateway, "/fhir/R4/Patient")["total"] == 0
    assert count(app, Reading) == 1
    refused = audit_events(app, outcome="denied", patient_id=uuid.UUID(patient["id"]))
    assert {(e.actor_type, e.action) for e in refused} == {
        ("client", "fhir.observation.create"), ("client", "fhir.patient.read"),
        ("client", "fhir.observation.read")}


def test_reads_with_the_read_scopes(world, app):
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse, protocol="heart-failure")
    send_readings(device, reading("heart_rate", 88))
    ehr = client_caller(app, new_client(world, scopes=("system/*.read",), name="DPI"))
    found = fhir_get(ehr, "/fhir/R4/Patient", query_string={"_count": 5})
    assert [e["resource"]["id"] for e in found["entry"]] == [patient["id"]]
    assert fhir_get(ehr, f"/fhir/R4/Patient/{patient['id']}")["id"] == patient["id"]
    readings = fhir_get(ehr, "/fhir/R4/Observation", query_string={"patient": patient["id"]})
    assert readings["total"] == 1
    assert fhir_get(ehr, "/fhir/R4/QuestionnaireResponse",
                    query_string={"patient": patient["id"]})["total"] == 0
    narrow = client_caller(app, new_client(world, scopes=("system/Patient.read",),
                                           name="Annuaire"))
    assert fhir_get(narrow, f"/fhir/R4/Patient/{patient['id']}")["id"] == patient["id"]
    fhir_get(narrow, "/fhir/R4/Observation", 403, query_string={"patient": patient["id"]})
    read = audit_events(app, action="fhir.patient.read", outcome="success",
                        patient_id=uuid.UUID(patient["id"]))
    assert {e.actor_type for e in read} == {"client"}
