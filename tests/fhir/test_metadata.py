"""GET /fhir/R4/metadata, and errors as OperationOutcome everywhere under /fhir/R4."""

from __future__ import annotations

import re

import pytest

from backend.fhir.capability import METHODS, PATHS
from backend.fhir.routes import SERVED
from tests.fhir.conftest import fhir_checked, fhir_get
from tests.helpers import Caller
from tests.reliability.test_access_matrix import plain


def test_the_capability_statement_lists_every_route_and_no_other(app):
    statement = fhir_get(Caller(app), "/fhir/R4/metadata")
    assert statement["fhirVersion"] == "4.0.1"
    declared = {("GET", "/fhir/R4/metadata")}
    for resource in statement["rest"][0]["resource"]:
        codes = [i["code"] for i in resource["interaction"]]
        codes += [o["name"] for o in resource.get("operation", [])]
        for code in codes:
            path = PATHS[code].format(type=resource["type"], id="{id}")
            declared.add((METHODS[code], f"/fhir/R4{path}"))
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/fhir/"):
            assert rule.rule.startswith("/fhir/R4/"), rule.rule
            path = re.sub(r"<[a-z_]+_id>", "{id}", plain(rule.rule))
            served |= {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert served == declared


# A status each resource searched by status has (another is a 400 naming ``status``).
STATUSES = {"Flag": "active", "Task": "requested"}


def test_search_parameters_are_the_declared_ones(app, world):
    """Each declared search parameter is accepted; any other is a 400 naming it."""
    nurse = world.staff("nurse")
    statement = fhir_get(Caller(app), "/fhir/R4/metadata")
    values = {"token": "8310-5", "string": "Mar", "date": "ge2026-01-01",
              "uri": "urn:suivi:questionnaire:daily-postop",
              "reference": "Patient/00000000-0000-4000-8000-000000000000"}
    for resource in statement["rest"][0]["resource"]:
        names = {p["name"]: p["type"] for p in resource["searchParam"]}
        assert names == {p.name: p.type for s in SERVED if s.type == resource["type"]
                         for p in s.search}
        for name, kind in names.items():
            value = STATUSES.get(resource["type"]) if name == "status" else values[kind]
            answer = nurse.get(f"/fhir/R4/{resource['type']}", query_string={name: value})
            assert answer.status_code in (200, 404), (name, answer.json)
        refused = fhir_get(nurse, f"/fhir/R4/{resource['type']}", 400,
                           query_string={"colour": "blue"})
        assert refused["issue"][0]["expression"] == ["colour"]


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/fhir/R4/Nothing", 404),
    ("GET", "/fhir/R4/Patient/not-a-uuid", 404),
    ("DELETE", "/fhir/R4/metadata", 405),
    ("GET", "/fhir/R4/Patient", 401),
    ("GET", "/fhir/R4/Patient/00000000-0000-4000-8000-000000000000", 401),
])
def test_errors_are_operation_outcomes(app, method, path, status):
    answer = Caller(app).request(method, path)
    outcome = fhir_checked(answer, status)
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["severity"] == "error"
    assert "Traceback" not in answer.get_data(as_text=True)


def test_a_patient_token_is_refused_with_an_outcome(app, world):
    nurse = world.staff("nurse")
    _, device = world.patient_device(nurse)
    outcome = fhir_get(device, "/fhir/R4/Patient", 403)
    assert outcome["issue"][0]["code"] == "forbidden"


def test_too_large_a_body_is_a_413_outcome(app, world):
    nurse = world.staff("nurse")
    app.config["MAX_CONTENT_LENGTH"] = 1000
    answer = nurse.post("/fhir/R4/Observation", data="x" * 5000,
                        headers={"Content-Type": "application/fhir+json"})
    assert fhir_checked(answer, 413)["issue"][0]["code"] == "too-costly"


def test_a_server_error_is_an_outcome_without_details(app, world, monkeypatch):
    nurse = world.staff("nurse")

    def broken(*args, **kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr("backend.fhir.services.search_patients", broken)
    answer = nurse.get("/fhir/R4/Patient")
    outcome = fhir_checked(answer, 500)
    assert "secret detail" not in answer.get_data(as_text=True)
    assert outcome["issue"][0]["code"] == "exception"
