"""QuestionnaireResponse: a patient's answers, read and searched like the JSON API's
timeline (care teams only, audited)."""

from __future__ import annotations

import uuid

from tests.fhir.conftest import fhir_get
from tests.helpers import audit_events, daily, submit


def test_answers_as_a_questionnaire_response(world):
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse)
    answered = submit(device, "daily-postop", daily(pain_now=4, temperature=37.8,
                                                    wound_discharge="clear"))
    assert answered.status_code == 201, answered.json
    response = fhir_get(nurse, f"/fhir/R4/QuestionnaireResponse/{answered.json['id']}")
    assert response["status"] == "completed"
    assert response["subject"]["reference"] == f"Patient/{patient['id']}"
    assert response["questionnaire"].startswith("urn:suivi:questionnaire:daily-postop|")
    answers = {item["linkId"]: item["answer"] for item in response["item"]}
    assert answers["pain_now"] == [{"valueInteger": 4}]
    assert answers["calf_pain"] == [{"valueBoolean": False}]
    assert answers["wound_discharge"][0]["valueCoding"]["code"] == "clear"
    assert answers["temperature"][0]["valueQuantity"]["code"] == "Cel"
    assert audit_events(world.app, action="fhir.questionnaireresponse.read",
                        patient_id=uuid.UUID(patient["id"]))


def test_search_by_patient_questionnaire_and_date(world):
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse, protocol="heart-failure")
    vitals = submit(device, "vitals", {"weight": 71.5, "consciousness": "A"}).json
    phq = submit(device, "phq-9", {f"q{n}": "not_at_all" for n in range(1, 10)}).json

    def ids(**query):
        found = fhir_get(nurse, "/fhir/R4/QuestionnaireResponse",
                         query_string={"patient": patient["id"], **query})
        assert found["total"] == len(found.get("entry", []))
        return {e["resource"]["id"] for e in found.get("entry", [])}

    assert ids() == {vitals["id"], phq["id"]}
    assert ids(questionnaire="phq-9") == {phq["id"]}
    assert ids(questionnaire="urn:suivi:questionnaire:vitals") == {vitals["id"]}
    assert ids(authored="ge2026-11-23") == {vitals["id"], phq["id"]}
    assert ids(authored="lt2026-11-23") == set()


def test_another_teams_patient_is_not_found(world):
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse)
    answered = submit(device, "daily-postop", daily()).json
    outsider = world.staff("nurse", teams=("team-b",))
    hidden = fhir_get(outsider, f"/fhir/R4/QuestionnaireResponse/{answered['id']}", 404)
    assert hidden == fhir_get(outsider, f"/fhir/R4/QuestionnaireResponse/{uuid.uuid4()}", 404)
    fhir_get(outsider, "/fhir/R4/QuestionnaireResponse", 404,
             query_string={"patient": patient["id"]})
    assert fhir_get(outsider, "/fhir/R4/QuestionnaireResponse")["total"] == 0
    refused = audit_events(world.app, patient_id=uuid.UUID(patient["id"]), outcome="denied")
    assert {e.action for e in refused} == {"fhir.questionnaireresponse.read",
                                           "fhir.questionnaireresponse.search-type"}
