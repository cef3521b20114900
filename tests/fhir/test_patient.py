"""Patient read and search, with the IPP and the INS (FR Core), scoped like /api/v1."""

from __future__ import annotations

import uuid

from backend.fhir.resources import FR_CORE_PATIENT, FR_CORE_PATIENT_INS, INS_SYSTEM
from tests.api.test_ins import CORSICAN_NIR, NIR
from tests.fhir.conftest import fhir_get
from tests.helpers import audit_events


def test_a_patient_with_ipp_and_ins(world):
    nurse = world.staff("nurse")
    patient = world.patient(nurse, hospital_id="IPP-0042", ins_nir=NIR, ins_status="qualifie",
                            sex="female", email="jeanne@example.org")
    assert patient["ins_nir"] == "184127645108946" and patient["ins_status"] == "qualifie"
    resource = fhir_get(nurse, f"/fhir/R4/Patient/{patient['id']}")
    assert resource["id"] == patient["id"]
    assert resource["meta"]["profile"] == [FR_CORE_PATIENT_INS]
    identifiers = {i["system"]: i["value"] for i in resource["identifier"]}
    assert identifiers == {"urn:suivi:ipp": "IPP-0042", INS_SYSTEM: "184127645108946"}
    status = resource["extension"][0]["extension"][0]["valueCoding"]
    assert (status["system"], status["code"]) == (
        "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-identity-status", "QUAL")
    assert resource["name"] == [{"use": "official", "family": patient["family_name"],
                                 "given": ["Jeanne"]}]
    assert resource["birthDate"] == "1950-04-02" and resource["gender"] == "female"
    reads = audit_events(world.app, action="fhir.patient.read",
                         patient_id=uuid.UUID(patient["id"]))
    assert len(reads) == 1


def test_a_patient_without_ins_is_fr_core_patient(world):
    nurse = world.staff("nurse")
    patient = world.patient(nurse)
    resource = fhir_get(nurse, f"/fhir/R4/Patient/{patient['id']}")
    assert resource["meta"]["profile"] == [FR_CORE_PATIENT]
    assert "identifier" not in resource and "extension" not in resource


def test_another_teams_patient_is_not_found_and_the_refusal_names_them(world):
    nurse = world.staff("nurse")
    outsider = world.staff("nurse", teams=("team-b",))
    patient = world.patient(nurse)
    hidden = fhir_get(outsider, f"/fhir/R4/Patient/{patient['id']}", 404)
    unknown = fhir_get(outsider, f"/fhir/R4/Patient/{uuid.uuid4()}", 404)
    assert hidden == unknown
    refused = audit_events(world.app, patient_id=uuid.UUID(patient["id"]), outcome="denied")
    assert [e.action for e in refused] == ["fhir.patient.read"]


def test_search_by_identifier_name_and_birthdate(world):
    nurse = world.staff("nurse")
    outsider = world.staff("nurse", teams=("team-b",))
    first = world.patient(nurse, family_name="Lefebvre", hospital_id="IPP-1", ins_nir=NIR)
    world.patient(nurse, family_name="Lefort", hospital_id="IPP-2",
                  ins_nir=CORSICAN_NIR, birth_date="1962-08-15")

    def ids(caller, **query):
        found = fhir_get(caller, "/fhir/R4/Patient", query_string=query)
        assert found["type"] == "searchset"
        entries = found.get("entry", [])
        assert found["total"] == len(entries)
        return [e["resource"]["id"] for e in entries]

    assert ids(nurse, identifier=f"{INS_SYSTEM}|184127645108946") == [first["id"]]
    assert ids(nurse, identifier="urn:suivi:ipp|IPP-1") == [first["id"]]
    assert ids(nurse, identifier="IPP-1") == [first["id"]]
    assert ids(nurse, identifier="urn:other|IPP-1") == []
    assert len(ids(nurse, name="lef")) == 2
    assert ids(nurse, name="lefe") == [first["id"]]
    assert ids(nurse, birthdate="1950-04-02") == [first["id"]]
    assert len(ids(nurse, birthdate="ge1950-01-01")) == 2
    assert ids(nurse, birthdate="lt1950-04-02") == []
    assert ids(outsider, identifier=f"{INS_SYSTEM}|184127645108946") == []
    assert ids(outsider, name="lef") == []
    bad = fhir_get(nurse, "/fhir/R4/Patient", 400, query_string={"birthdate": "yesterday"})
    assert bad["issue"][0]["expression"] == ["birthdate"]
    for query in ({"name": "Lef\x00"}, {"identifier": "IPP\x00"}):
        bad = fhir_get(nurse, "/fhir/R4/Patient", 400, query_string=query)
        assert bad["issue"][0]["expression"] == list(query)


def test_pages_of_a_search(world):
    nurse = world.staff("nurse")
    for _ in range(5):
        world.patient(nurse, family_name="Page")
    first = fhir_get(nurse, "/fhir/R4/Patient", query_string={"name": "page", "_count": 2})
    assert first["total"] == 5 and len(first["entry"]) == 2
    links = {link["relation"]: link["url"] for link in first["link"]}
    assert "_offset=2" in links["next"] and "name=page" in links["self"]
    path = links["next"].split("127.0.0.1:5000", 1)[1]
    second = fhir_get(nurse, path)
    assert {e["resource"]["id"] for e in second["entry"]}.isdisjoint(
        {e["resource"]["id"] for e in first["entry"]})
    capped = fhir_get(nurse, "/fhir/R4/Patient", query_string={"_count": 100000})
    assert capped["total"] == 5
