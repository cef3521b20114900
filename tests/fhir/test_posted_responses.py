"""POST /fhir/R4/QuestionnaireResponse: the EHR's (or a client's) answers through the
app's submission service (scores, rules, alerts), once per identifier; Questionnaire
read and searched from the stored versions."""

from __future__ import annotations

import uuid

from backend.intake.models import Submission
from tests.clients.support import client_caller, new_client
from tests.fhir.conftest import fhir_checked, fhir_get
from tests.helpers import count, daily, submit


def _value(value):
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(value, int):
        return {"valueInteger": value}
    return {"valueCoding": {"code": value}}


def response(patient_id, answers, identifier=None, **extra):
    body = {"resourceType": "QuestionnaireResponse", "status": "completed",
            "questionnaire": "urn:suivi:questionnaire:daily-postop",
            "subject": {"reference": f"Patient/{patient_id}"},
            "item": [{"linkId": k, "answer": [_value(v)]} for k, v in answers.items()],
            **extra}
    if identifier:
        body["identifier"] = {"system": "urn:oid:1.2.3.4", "value": identifier}
    return body


def post(caller, body, status, **headers):
    answer = caller.post("/fhir/R4/QuestionnaireResponse", json=body,
                         headers={"Content-Type": "application/fhir+json", **headers})
    return answer, fhir_checked(answer, status)


def _rules(nurse, patient):
    listed = nurse.get("/api/v1/alerts", query_string={"patient_id": patient["id"]})
    return sorted((str(a["rule"]), a["severity"]) for a in listed.json)


def test_the_same_alert_as_the_apps_and_once_per_identifier(world, app):
    nurse = world.staff("nurse")
    by_app, device = world.patient_device(nurse)
    by_ehr, _ = world.patient_device(nurse)
    assert submit(device, "daily-postop", daily(calf_pain=True)).status_code == 201
    body = response(by_ehr["id"], daily(calf_pain=True), identifier="dpi-1")
    answer, created = post(nurse, body, 201)
    assert answer.headers["Location"].endswith(f"/QuestionnaireResponse/{created['id']}")
    assert _rules(nurse, by_ehr) == _rules(nurse, by_app) != []
    assert post(nurse, body, 200)[1] == created
    assert count(app, Submission, patient_id=uuid.UUID(by_ehr["id"])) == 1
    assert fhir_get(nurse, f"/fhir/R4/QuestionnaireResponse/{created['id']}") == created
    header = {"If-None-Exist": "identifier=urn:oid:1.2.3.4|dpi-2"}
    again = response(by_ehr["id"], daily())
    first = post(nurse, again, 201, **header)[1]
    assert post(nurse, again, 200, **header)[1] == first
    assert count(app, Submission, patient_id=uuid.UUID(by_ehr["id"])) == 2


def test_clients_with_the_scope_and_bad_answers(world, app):
    nurse = world.staff("nurse")
    patient, _ = world.patient_device(nurse)
    ehr = client_caller(app, new_client(world, scopes=("system/QuestionnaireResponse.write",),
                                        name="DPI"))
    post(ehr, response(patient["id"], daily()), 201)
    reader = client_caller(app, new_client(world, scopes=("system/*.read",), name="Lecteur"))
    assert post(reader, response(patient["id"], daily()), 403)[1]["issue"][0][
        "code"] == "forbidden"
    bad = post(nurse, response(patient["id"], daily(pain_now=99)), 422)[1]
    assert bad["issue"][0]["expression"] == ["item[0].answer"]
    for change, field in (({"status": "in-progress"}, "status"),
                          ({"subject": {"reference": "Group/1"}}, "subject.reference"),
                          ({"questionnaire": "urn:suivi:questionnaire:nothing"},
                           "questionnaire"),
                          ({"authored": "2026-11-23T07:30:00"}, "authored"),
                          ({"item": [{"linkId": "pain_now", "answer": [{}]}]},
                           "item[0].answer[0]")):
        refused = post(nurse, {**response(patient["id"], daily()), **change}, 422)[1]
        assert refused["issue"][0]["expression"] == [field], (change, refused)
    outsider = world.staff("nurse", teams=("team-b",))
    post(outsider, response(patient["id"], daily()), 404)
    assert count(app, Submission, patient_id=uuid.UUID(patient["id"])) == 1


def test_questionnaires_from_the_stored_versions(world):
    nurse = world.staff("nurse")
    latest = fhir_get(nurse, "/fhir/R4/Questionnaire/daily-postop")
    assert latest["url"] == "urn:suivi:questionnaire:daily-postop"
    assert fhir_get(nurse, f"/fhir/R4/Questionnaire/{latest['id']}") == latest
    items = {i["linkId"]: i for i in latest["item"]}
    assert items["pain_now"]["type"] == "integer"
    assert items["wound_discharge"]["answerOption"]
    found = fhir_get(nurse, "/fhir/R4/Questionnaire",
                     query_string={"url": "urn:suivi:questionnaire:daily-postop"})
    assert [e["resource"]["id"] for e in found["entry"]] == [latest["id"]]
    assert fhir_get(nurse, "/fhir/R4/Questionnaire")["total"] > 1
    fhir_get(nurse, "/fhir/R4/Questionnaire/daily-postop.999", 404)
