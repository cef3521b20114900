"""Communication (messages sent and received, never their text) and AuditEvent (the
trail about a patient, for their team and administrators)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from backend import db
from backend.notifications.models import Message
from tests.clients.support import client_caller, new_client
from tests.fhir.conftest import fhir_get
from tests.helpers import audit_events, run_worker


def test_messages_without_their_text(world, app, redis):
    nurse = world.staff("nurse")
    patient = world.patient(nurse, phone="+33687654321")
    enrolled = world.enrol(nurse, patient["id"])
    sent = nurse.post(f"/api/v1/patients/{patient['id']}/enrollments/"
                      f"{enrolled['enrollment']['id']}/activation-code/sms",
                      json={"activation_code": enrolled["activation_code"]})
    assert sent.status_code == 202, sent.json
    run_worker(app, redis)
    with app.app_context():
        (sms,) = db.session().scalars(select(Message).where(
            Message.patient_id == uuid.UUID(patient["id"])))
        body = sms.body
    found = fhir_get(nurse, "/fhir/R4/Communication",
                     query_string={"patient": patient["id"]})
    assert found["total"] == 1
    message = found["entry"][0]["resource"]
    assert (message["status"], message["medium"][0]["text"]) == ("completed", "SMS")
    assert message["recipient"] == [{"reference": f"Patient/{patient['id']}"}]
    assert "payload" not in message and body not in str(found)
    everything = fhir_get(nurse, f"/fhir/R4/Patient/{patient['id']}/$everything")
    assert "Communication" in {e["resource"]["resourceType"] for e in everything["entry"]}
    assert body not in str(everything)
    assert fhir_get(nurse, "/fhir/R4/Communication", 400,
                    query_string={"_offset": 5000})["issue"][0]["expression"] == ["_offset"]
    outsider = world.staff("nurse", teams=("team-b",))
    fhir_get(outsider, "/fhir/R4/Communication", 404, query_string={"patient": patient["id"]})
    assert fhir_get(outsider, "/fhir/R4/Communication")["total"] == 0


def test_the_trail_for_the_team_and_administrators(world, app):
    nurse = world.staff("nurse")
    patient, _ = world.patient_device(nurse)
    fhir_get(nurse, f"/fhir/R4/Patient/{patient['id']}")
    trail = fhir_get(nurse, "/fhir/R4/AuditEvent", query_string={
        "patient": patient["id"], "agent": f"Practitioner/{nurse.id}"})
    actions = {e["resource"]["subtype"][0]["code"] for e in trail["entry"]}
    assert "fhir.patient.read" in actions
    for entry in trail["entry"]:
        event = entry["resource"]
        assert event["entity"] == [{"what": {"reference": f"Patient/{patient['id']}"}}]
        assert event["agent"][0]["who"]["identifier"]["value"] == nurse.id
    dated = fhir_get(nurse, "/fhir/R4/AuditEvent", query_string={
        "patient": patient["id"], "date": "lt2000-01-01"})
    assert dated["total"] == 0
    assert fhir_get(world.admin(), "/fhir/R4/AuditEvent",
                    query_string={"patient": patient["id"]})["total"] > 0
    outsider = world.staff("nurse", teams=("team-b",))
    fhir_get(outsider, "/fhir/R4/AuditEvent", 404, query_string={"patient": patient["id"]})
    reader = client_caller(app, new_client(world, scopes=("system/*.read",)))
    assert fhir_get(reader, "/fhir/R4/AuditEvent", 403)["issue"][0]["code"] == "forbidden"
    refused = audit_events(app, outcome="denied", patient_id=uuid.UUID(patient["id"]))
    assert {e.action for e in refused} == {"fhir.auditevent.search-type"}
