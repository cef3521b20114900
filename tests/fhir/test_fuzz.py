"""/fhir/R4 under random input (hypothesis; schemathesis covers /api/v1 from its OpenAPI
document, which the FHIR routes are not part of): every search of every served type with
random values, unknown parameters and odd ids, and random Observation bodies. Never a
500, always FHIR JSON (a Bundle, the resource or an OperationOutcome), and a refused body
stores nothing."""

from __future__ import annotations

import json

import pytest
from fhir.resources.R4B import get_fhir_model_class
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.fhir.routes import SERVED
from backend.intake.models import Reading
from tests.helpers import count

FUZZ = settings(max_examples=30, deadline=None, derandomize=True,  # the same cases each run
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
# Text as a client may send it: printable, unicode, separators FHIR gives a meaning to.
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40) | st.sampled_from(
    ["", "|", "http://loinc.org|", "|8310-5", "ge", "ge2026-13-45", "le9999-12-31T25:00",
     "Patient/", "Patient/not-a-uuid", "2026", "2026-11", "eq2026-11-23T07:30:00+01:00",
     "a" * 500, "%00", "null", "-1", "1e309", "urn:oid:1.2.250.1.213.1.4.8|1"])
SEARCHES = [(served.type, [param.name for param in served.search]) for served in SERVED
            if "search-type" in served.views]


@pytest.fixture
def nurse(world):
    nurse = world.staff("nurse")
    world.patient_device(nurse, protocol="heart-failure")
    return nurse


def _fhir(response, allowed: set[int]) -> dict:
    assert response.status_code in allowed, (response.status_code, response.get_data(True))
    assert response.mimetype == "application/fhir+json", response.mimetype
    body = json.loads(response.get_data(as_text=True))
    get_fhir_model_class(body["resourceType"]).model_validate(body)
    return body


@pytest.mark.parametrize(("resource", "params"), SEARCHES, ids=[s[0] for s in SEARCHES])
def test_searches_with_random_values_never_fail(nurse, resource, params):
    extra = st.sampled_from(["_count", "_offset", "_sort", "unknown", "code:text", "_format"])

    @FUZZ
    @given(values=st.dictionaries(st.sampled_from(params) | extra, TEXT, max_size=4))
    def search(values):
        answer = nurse.get(f"/fhir/R4/{resource}", query_string=values,
                           headers={"Accept": "application/fhir+json"})
        body = _fhir(answer, {200, 400, 404, 422})
        assert body["resourceType"] == ("Bundle" if answer.status_code == 200
                                        else "OperationOutcome")

    search()


@pytest.mark.parametrize("resource", [served.type for served in SERVED
                                      if "read" in served.views])
def test_reads_of_random_ids_are_not_found(nurse, resource):
    @FUZZ
    @given(ident=TEXT.filter(lambda text: "/" not in text and "?" not in text and "#" not in text))
    def read(ident):
        answer = nurse.get(f"/fhir/R4/{resource}/{ident}",
                           headers={"Accept": "application/fhir+json"})
        if answer.status_code != 200:  # the search itself, for an empty id
            assert _fhir(answer, {400, 404, 405})["resourceType"] == "OperationOutcome"

    read()


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
                    | TEXT, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(TEXT, inner, max_size=3), max_leaves=12)
OBSERVATION_KEYS = st.sampled_from(["resourceType", "status", "code", "subject",
                                    "effectiveDateTime", "valueQuantity", "identifier",
                                    "component", "category", "valueString"])


def test_random_observations_are_refused_and_store_nothing(app, nurse):
    before = count(app, Reading)

    @FUZZ
    @given(body=st.dictionaries(OBSERVATION_KEYS, JSON, max_size=6)
           .map(lambda b: {"resourceType": "Observation", **b}) | JSON)
    def post(body):
        answer = nurse.post("/fhir/R4/Observation", data=json.dumps(body),
                            headers={"Content-Type": "application/fhir+json"})
        _fhir(answer, {400, 404, 409, 413, 415, 422})

    post()
    assert count(app, Reading) == before


@pytest.mark.parametrize(("path", "name"), [("/fhir/R4/Patient?birthdate=", "birthdate"),
                                            ("/fhir/R4/Patient?birthdate=%0A", "birthdate"),
                                            ("/fhir/R4/Observation?date=ge", "date")])
def test_an_empty_date_is_a_400_naming_it(nurse, path, name):
    """Found by the fuzzer above: an empty date was an assertion error (500)."""
    answer = nurse.get(path, headers={"Accept": "application/fhir+json"})
    body = _fhir(answer, {400})
    assert name in body["issue"][0]["diagnostics"]


def test_a_questionnaire_id_holding_a_nul_is_not_found(nurse):
    """Found by the fuzzer on PostgreSQL (text cannot hold NUL there): a 500, now a 404."""
    for ident in ("daily%00postop", "%00", "daily-postop.1%00", "Daily-Postop"):
        answer = nurse.get(f"/fhir/R4/Questionnaire/{ident}",
                           headers={"Accept": "application/fhir+json"})
        assert _fhir(answer, {404})["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize(("path", "status"), [
    ("/fhir/R4/Patient?_count=²", 400), ("/fhir/R4/Patient?_offset=①", 400),
    ("/fhir/R4/Patient?_count=" + "9" * 5000, 400),
    ("/fhir/R4/Questionnaire/daily-postop.²", 404),
    ("/fhir/R4/Questionnaire/daily-postop.9999999999", 404),
    ("/fhir/R4/Questionnaire/daily-postop.99999999999999999999", 404),
])
def test_numbers_beyond_digits_0_to_9_or_an_integer_are_refused(nurse, path, status):
    _fhir(nurse.get(path, headers={"Accept": "application/fhir+json"}), {status})


@pytest.mark.parametrize("path", [
    "/fhir/R4/Observation?date=lt0001-01-01T00:00:00%2B14:00",
    "/fhir/R4/AuditEvent?date=ge0001-01-01T00:30:00%2B01:00",
    "/fhir/R4/QuestionnaireResponse?authored=gt9999-12-31T23:59:59.999999-01:00",
])
def test_an_instant_outside_the_years_utc_can_hold_is_a_bad_date(nurse, path):
    body = _fhir(nurse.get(path, headers={"Accept": "application/fhir+json"}), {400})
    assert body["issue"][0]["expression"] in (["date"], ["authored"])


@pytest.mark.parametrize("resource", ["Observation", "QuestionnaireResponse"])
@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_a_body_nested_too_deep_for_the_json_decoder_is_a_400(app, nurse, resource, depth):
    """The decoder's own RecursionError escaped ``get_json(silent=True)``: a 500."""
    before = count(app, Reading)
    answer = nurse.post(f"/fhir/R4/{resource}", data="[" * depth + "]" * depth,
                        headers={"Content-Type": "application/fhir+json"})
    assert "nesting" in _fhir(answer, {400})["issue"][0]["diagnostics"]
    assert count(app, Reading) == before
