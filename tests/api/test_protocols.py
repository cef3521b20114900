"""Questionnaires and protocols over the API: read, publish, dry run, overrides."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from backend.protocols.models import ProtocolVersion, ThresholdOverride
from tests.helpers import Caller, audit_events, count, daily

PROTOCOLS = Path(__file__).resolve().parents[2] / "questionnaires" / "protocols"


@pytest.fixture
def ambulatory() -> dict:
    return yaml.safe_load((PROTOCOLS / "ambulatory-general.v2.yaml").read_text())


def test_questionnaires_for_staff_and_patients(world, app):
    nurse = world.staff("nurse")
    _, device = world.patient_device(nurse)
    listed = device.get("/api/v1/questionnaires").json
    assert {q["slug"] for q in listed} == {"daily-postop", "hf-symptoms", "pain-nrs", "qor-15",
                                           "phq-9", "vitals"}
    english = nurse.get("/api/v1/questionnaires/daily-postop?lang=en").json
    french = device.get("/api/v1/questionnaires/daily-postop").json
    pain_en = next(i for i in english["items"] if i["link_id"] == "pain_now")
    pain_fr = next(i for i in french["items"] if i["link_id"] == "pain_now")
    assert (pain_en["min"], pain_en["max"], pain_en["type"]) == (0, 10, "integer")
    assert pain_en["text"] != pain_fr["text"]
    location = next(i for i in english["items"] if i["link_id"] == "pain_location")
    assert location["enable_when"]
    assert nurse.get("/api/v1/questionnaires/nope").status_code == 404
    bad = nurse.get("/api/v1/questionnaires/qor-15?lang=de")
    assert bad.status_code == 422 and "lang" in bad.json["errors"]["query"]
    assert Caller(app).get("/api/v1/questionnaires").status_code == 401


def test_protocols_listed_and_described(world):
    nurse = world.staff("nurse")
    listed = nurse.get("/api/v1/protocols").json
    assert {p["slug"] for p in listed} >= {"ambulatory-general", "hip-knee-arthroplasty",
                                           "colorectal-eras", "heart-failure"}
    described = nurse.get("/api/v1/protocols/heart-failure?lang=en").json
    assert described["versions"] == [1, 2]
    assert described["alert_deadlines"]["high"] == {"minutes": 15}
    assert any(t["subject"].startswith("increase") or "weight" in t["subject"]
               for t in described["thresholds"])
    assert nurse.get("/api/v1/protocols/nope").status_code == 404


def test_surgeon_publishes_a_new_version_without_changing_enrolled_patients(
        world, app, ambulatory):
    surgeon = world.staff("surgeon")
    nurse = world.staff("nurse")
    patient = world.patient(nurse)
    enrollment = world.enrol(nurse, patient["id"])["enrollment"]
    v3 = copy.deepcopy(ambulatory)
    v3["version"] = 3
    fever = next(rule for rule in v3["rules"] if rule["id"] == "fever")
    fever["when"]["value"] = 38.0
    published = surgeon.post("/api/v1/protocols", json=v3)
    assert published.status_code == 201, published.json
    assert published.json["versions"] == [1, 2, 3]
    # The enrolled patient stays on version 2 until moved explicitly.
    listed = nurse.get(f"/api/v1/patients/{patient['id']}/enrollments").json
    assert listed[0]["protocol_version"] == 2
    moved = surgeon.post(f"/api/v1/patients/{patient['id']}/enrollments/{enrollment['id']}"
                         "/protocol-version", json={"protocol_version": 3})
    assert moved.status_code == 200 and moved.json["protocol_version"] == 3
    assert audit_events(app, action="enrollment.move")
    assert surgeon.post("/api/v1/protocols", json=v3).status_code == 409
    assert nurse.post("/api/v1/protocols", json={**v3, "version": 4}).status_code == 403
    assert count(app, ProtocolVersion, slug="ambulatory-general") == 3


def test_a_surgeon_without_second_factor_publishes_nothing(world, app, ambulatory):
    """A protocol decides which answers raise alerts: the password alone must not be
    enough to loosen a threshold or drop the fever rule for every new patient."""
    surgeon = world.staff("surgeon", enrol_mfa=False)
    v3 = copy.deepcopy(ambulatory)
    v3["version"] = 3
    v3["rules"] = [rule for rule in v3["rules"] if rule["id"] != "fever"]
    refused = surgeon.post("/api/v1/protocols", json=v3)
    assert refused.status_code == 403
    assert "second factor" in refused.json["message"]
    assert count(app, ProtocolVersion, slug="ambulatory-general") == 2
    assert audit_events(app, action="protocol.publish", outcome="denied")


def test_invalid_protocol_is_refused_field_by_field(world, app, ambulatory):
    surgeon = world.staff("surgeon")
    broken = copy.deepcopy(ambulatory)
    broken["version"] = 5
    fever = next(rule for rule in broken["rules"] if rule["id"] == "fever")
    fever["when"]["reading"] = "temprature"
    broken["rules"][1]["id"] = broken["rules"][0]["id"]  # duplicate id
    response = surgeon.post("/api/v1/protocols", json=broken)
    assert response.status_code == 422
    errors = response.json["errors"]["json"]
    assert any("temprature" in " ".join(messages) for messages in errors.values()), errors
    assert any(key.endswith("when.reading") for key in errors), errors
    assert "temprature" in response.json["message"]
    missing = surgeon.post("/api/v1/protocols", json={"title": {"fr": "x", "en": "x"}})
    assert missing.status_code == 422
    assert {"slug", "version"} <= set(missing.json["errors"]["json"])
    assert count(app, ProtocolVersion, slug="ambulatory-general") == 2


def test_dry_run_evaluates_and_stores_nothing(world, app):
    nurse = world.staff("nurse")
    body = {"now": "2026-11-23T10:00:00+01:00",
            "readings": [{"type": "temperature", "value": 102.6, "unit": "[degF]",
                          "measured_at": "2026-11-23T09:30:00+01:00"}]}
    response = nurse.post("/api/v1/protocols/ambulatory-general/dry-run", json=body)
    assert response.status_code == 200, response.json
    fired = {f["rule_id"]: f for f in response.json["findings"]}
    assert fired["fever-high"]["severity"] == "high"
    assert fired["fever-high"]["evidence"][0]["value"] in ("39.2", 39.2)
    # Overrides can be tried out before they are set.
    calmer = nurse.post("/api/v1/protocols/ambulatory-general/dry-run", json={
        **body, "overrides": [{"rule_id": "fever-high", "threshold": "high_fever",
                               "value": 39.5}, {"rule_id": "fever", "value": 39.5}]})
    assert "fever-high" not in {f["rule_id"] for f in calmer.json["findings"]}
    from backend.enrollments.models import Enrollment
    from backend.patients.models import Patient

    assert count(app, Patient) == 0 and count(app, Enrollment) == 0


def test_dry_run_refuses_bad_input_naming_the_field(world):
    nurse = world.staff("nurse")
    path = "/api/v1/protocols/ambulatory-general/dry-run"
    implausible = nurse.post(path, json={"readings": [{"type": "temperature", "value": 385,
                                                       "unit": "Cel",
                                                       "measured_at": "2026-11-23T09:00:00Z"}]})
    assert implausible.status_code == 422
    assert "value" in implausible.json["errors"]["json"]["readings"]["0"]
    assert "385" in implausible.json["message"]
    wrong_answer = nurse.post(path, json={"submissions": [{
        "questionnaire": "daily-postop", "submitted_at": "2026-11-23T09:00:00Z",
        "answers": {"pain_now": 11}}]})
    assert wrong_answer.status_code == 422
    assert "pain_now" in wrong_answer.json["errors"]["json"]["submissions.0.answers"]
    unknown = nurse.post(path, json={"submissions": [{
        "questionnaire": "phq-9", "submitted_at": "2026-11-23T09:00:00Z", "answers": {}}]})
    assert unknown.status_code == 422 and "submissions.0.questionnaire" in unknown.json["message"]


def test_surgeon_overrides_a_threshold_for_one_patient(world, app):
    surgeon = world.staff("surgeon")
    nurse = world.staff("nurse")
    patient = world.patient(nurse)
    path = f"/api/v1/patients/{patient['id']}/threshold-overrides"
    body = {"rule_id": "fever", "threshold": "value", "value": 38.0,
            "reason": "immunosuppressed patient: lower fever threshold"}
    assert surgeon.post(path, json=body).status_code == 409  # not enrolled yet
    world.enrol(nurse, patient["id"])
    assert nurse.post(path, json=body).status_code == 403
    created = surgeon.post(path, json=body)
    assert created.status_code == 201, created.json
    assert nurse.get(path).json[0]["value"] == 38.0
    for bad, field in (({**body, "rule_id": "nope"}, "rule_id"),
                       ({**body, "threshold": "nope"}, "threshold"),
                       ({**body, "value": "hot"}, "value"),
                       ({k: v for k, v in body.items() if k != "reason"}, "reason")):
        response = surgeon.post(path, json=bad)
        assert response.status_code == 422, bad
        assert field in response.json["errors"]["json"]
    [trace] = audit_events(app, action="override.set", outcome="success")
    assert (trace.object_id, trace.detail) == (created.json["id"], {"replaces": None})
    removed = surgeon.delete(f"{path}/{created.json['id']}")
    assert removed.status_code == 204
    assert nurse.get(path).json == []
    assert count(app, ThresholdOverride) == 1  # kept, stamped as removed
    outsider = world.staff("surgeon", teams=("team-b",))
    assert outsider.post(path, json=body).status_code == 404


def test_load_content_is_idempotent(app):
    from backend import db
    from backend.protocols.services import load_shipped_content

    with app.app_context():
        summary = load_shipped_content()
        db.session().commit()
    assert summary.startswith("0 questionnaire version(s) and 0 protocol version(s)")


def test_the_upload_body_is_documented_as_a_protocol_file(client):
    spec = client.get("/api/v1/openapi.json").json
    body = spec["paths"]["/api/v1/protocols"]["post"]["requestBody"]["content"]
    assert body["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ProtocolDocument"}
    document = spec["components"]["schemas"]["ProtocolDocument"]
    assert {"slug", "version", "schedule", "rules"} <= set(document["required"])
    rule = spec["components"]["schemas"]["ProtocolDocumentRule"]
    assert rule["properties"]["when"] == {"$ref": "#/components/schemas/ProtocolDocumentCondition"}
    # OpenAPI 3.0's dialect: no JSON Schema 2020-12 keyword is left in the document.
    text = str(spec["components"]["schemas"])
    assert "'const'" not in text and "'$defs'" not in text and "'if'" not in text


def test_dry_run_reads_the_readings_an_answer_carries(world):
    """A temperature answered in daily-postop is a reading for the fever rules, as when
    the patient sends it."""
    nurse = world.staff("nurse")
    response = nurse.post("/api/v1/protocols/ambulatory-general/dry-run", json={
        "now": "2026-11-23T10:00:00+01:00", "submissions": [{
            "questionnaire": "daily-postop", "submitted_at": "2026-11-23T09:30:00+01:00",
            "answers": daily(temperature=39.4)}]})
    assert response.status_code == 200, response.json
    assert "fever-high" in {f["rule_id"] for f in response.json["findings"]}
