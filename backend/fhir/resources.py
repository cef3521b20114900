"""Suivi's records as FHIR R4 resources (and back, for a gateway's Observation): codes,
systems and profiles in one place."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from backend.intake.models import Reading, Submission
from backend.patients.models import Patient
from rules.model import Item, Questionnaire
from rules.units import READING_TYPES

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
# Suivi's own names of readings, beside LOINC (and alone where LOINC has none here).
READING_SYSTEM = "urn:suivi:reading-type"
INS_SYSTEM = "urn:oid:1.2.250.1.213.1.4.8"
FR_CORE = "https://hl7.fr/ig/fhir/core"
FR_CORE_PATIENT = f"{FR_CORE}/StructureDefinition/fr-core-patient"
FR_CORE_PATIENT_INS = f"{FR_CORE}/StructureDefinition/fr-core-patient-ins"
IDENTITY_RELIABILITY = f"{FR_CORE}/StructureDefinition/fr-core-identity-reliability"
# The four confidence statuses of the national identity-vigilance reference (RNIV, exigence
# EXI SI 07): FR Core's CodeSystem "fr-core-cs-identity-status" (ValueSet
# fr-core-vs-identity-status, bound to the identityStatus of the fr-core-identity-reliability
# extension; https://hl7.fr/ig/fhir/core/CodeSystem-fr-core-cs-identity-status.html, FR Core
# 2.2.0). HL7 v2 table 0445 (fr-core-cs-v2-0445, now the status *comments*: VIDE, DOUB, ...)
# has no RECUP nor QUAL.
IDENTITY_STATUS_SYSTEM = f"{FR_CORE}/CodeSystem/fr-core-cs-identity-status"
FR_IDENTIFIER_TYPE = f"{FR_CORE}/CodeSystem/fr-core-cs-v2-0203"
V2_IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
VITAL_SIGNS = "http://hl7.org/fhir/StructureDefinition/"

# ins_status → the FR Core identity status (RNIV: PROV, RECUP, VALI, QUAL).
IDENTITY_STATUS = {"provisoire": ("PROV", "Identité provisoire"),
                   "recupere": ("RECUP", "Identité récupérée"),
                   "valide": ("VALI", "Identité validée"),
                   "qualifie": ("QUAL", "Identité qualifiée")}
GENDER = {"female": "female", "male": "male", "other": "other", "unknown": "unknown"}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def patient_resource(patient: Patient, ipp_system: str) -> dict[str, Any]:
    """A Patient (FR Core Patient, FR Core Patient INS when the NIR is known)."""
    identifiers = []
    if patient.hospital_id:
        identifiers.append({"use": "usual", "type": {"coding": [{
            "system": V2_IDENTIFIER_TYPE, "code": "PI", "display": "Patient internal identifier"}]},
            "system": ipp_system, "value": patient.hospital_id})
    resource: dict[str, Any] = {
        "resourceType": "Patient", "id": str(patient.id),
        "meta": {"lastUpdated": iso(patient.updated_at),
                 "profile": [FR_CORE_PATIENT_INS if patient.ins_nir else FR_CORE_PATIENT]},
    }
    if patient.ins_nir and patient.ins_status:
        code, display = IDENTITY_STATUS[patient.ins_status]
        resource["extension"] = [{"url": IDENTITY_RELIABILITY, "extension": [{
            "url": "identityStatus", "valueCoding": {
                "system": IDENTITY_STATUS_SYSTEM, "code": code, "display": display}}]}]
        identifiers.append({"use": "official", "type": {"coding": [{
            "system": FR_IDENTIFIER_TYPE, "code": "INS-NIR", "display": "NIR définitif"}]},
            "system": INS_SYSTEM, "value": patient.ins_nir})
    if identifiers:
        resource["identifier"] = identifiers
    resource["name"] = [{"use": "official", "family": patient.family_name,
                         "given": [patient.given_name]}]
    telecom = []
    if patient.phone:
        telecom.append({"system": "phone", "value": patient.phone, "use": "mobile"})
    if patient.email:
        telecom.append({"system": "email", "value": patient.email})
    if telecom:
        resource["telecom"] = telecom
    if patient.sex in GENDER:
        resource["gender"] = GENDER[patient.sex]
    resource["birthDate"] = patient.birth_date.isoformat()
    resource["communication"] = [{"language": {"coding": [{
        "system": "urn:ietf:bcp:47", "code": patient.language}]}, "preferred": True}]
    return resource


@dataclass(frozen=True)
class Code:
    """How one reading type is coded: LOINC code and display, UCUM unit, profile."""

    loinc: str | None
    display: str
    profile: str | None = None
    also: tuple[tuple[str, str], ...] = ()  # further LOINC codings the profile asks for


READING_CODES: dict[str, Code] = {
    "temperature": Code("8310-5", "Body temperature", "bodytemp"),
    "heart_rate": Code("8867-4", "Heart rate", "heartrate"),
    "respiratory_rate": Code("9279-1", "Respiratory rate", "resprate"),
    "spo2": Code("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry",
                 "oxygensat", also=(("2708-6", "Oxygen saturation in Arterial blood"),)),
    "weight": Code("29463-7", "Body weight", "bodyweight"),
    "glucose": Code("15074-8", "Glucose [Moles/volume] in Blood"),
    "pain": Code("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported"),
    "systolic_bp": Code("8480-6", "Systolic blood pressure"),
    "diastolic_bp": Code("8462-4", "Diastolic blood pressure"),
    "consciousness": Code(None, "Niveau de conscience (ACVPU)"),
    "supplemental_oxygen": Code(None, "Oxygénothérapie"),
}
BP_PANEL = Code("85354-9", "Blood pressure panel with all children optional", "bp")
# Codes a gateway may post and the reading they are: the readings' own, and glucose in
# mass concentration, converted to mmol/L on the way in.
POSTED_CODES = {**{c.loinc: t for t, c in READING_CODES.items() if c.loinc},
                "2339-0": "glucose"}
# A questionnaire's scores (rules/scores.py), each a derived Observation: LOINC where it
# codes the score, Suivi's own name always.
SCORE_SYSTEM = "urn:suivi:score"
SCORE_CODES: dict[str, Code] = {
    "phq9": Code("44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score "
                            "[Reported]"),
    "pain_nrs": Code("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - "
                                "Reported"),
    "news2": Code(None, "NEWS2 (National Early Warning Score 2)"),
    "qor15": Code(None, "QoR-15 (Quality of Recovery-15)"),
}
SURVEY_CATEGORY = {"coding": [{"system": CATEGORY, "code": "survey", "display": "Survey"}]}
VITAL_SIGNS_CATEGORY = {"coding": [{"system": CATEGORY, "code": "vital-signs",
                                    "display": "Vital Signs"}]}


def concept(own_code: str | None, code: Code, system: str = READING_SYSTEM
             ) -> dict[str, Any]:
    codings = []
    if code.loinc:
        codings.append({"system": LOINC, "code": code.loinc, "display": code.display})
    codings += [{"system": LOINC, "code": c, "display": d} for c, d in code.also]
    if own_code:
        codings.append({"system": system, "code": own_code})
    return {"coding": codings, "text": code.display}


def number(value: Decimal) -> int | float:
    """A JSON number of the stored value (exact as written: 39.2, 72)."""
    return int(value) if value == value.to_integral_value() else float(value)


def _value(reading: Reading) -> dict[str, Any]:
    if reading.numeric_value is not None:
        return {"valueQuantity": {"value": number(reading.numeric_value), "unit": reading.unit,
                                  "system": UCUM, "code": reading.unit}}
    if reading.value in ("true", "false"):
        return {"valueBoolean": reading.value == "true"}
    return {"valueCodeableConcept": {"text": reading.value}}


def observation_resource(reading: Reading, diastolic: Reading | None = None
                         ) -> dict[str, Any]:
    """A reading as an Observation (vital signs); a systolic pressure with the diastolic
    of the same measurement as one blood pressure panel."""
    blood_pressure = reading.type in ("systolic_bp", "diastolic_bp")
    code = BP_PANEL if blood_pressure else READING_CODES.get(
        reading.type, Code(None, reading.type))
    resource: dict[str, Any] = {
        "resourceType": "Observation", "id": str(reading.id),
        "meta": {"lastUpdated": iso(reading.received_at),
                 **({"profile": [VITAL_SIGNS + code.profile]} if code.profile else {})},
        "status": "final",
        "category": [VITAL_SIGNS_CATEGORY],
        "code": concept(None if blood_pressure else reading.type, code),
        "subject": {"reference": f"Patient/{reading.patient_id}"},
        "effectiveDateTime": iso(reading.measured_at),
        "issued": iso(reading.received_at),
    }
    if blood_pressure:
        parts = [reading, diastolic] if reading.type == "systolic_bp" else [None, reading]
        resource["component"] = [_component(kind, part) for kind, part
                                 in zip(("systolic_bp", "diastolic_bp"), parts, strict=True)]
    else:
        resource.update(_value(reading))
    return resource


def _component(reading_type: str, reading: Reading | None) -> dict[str, Any]:
    component: dict[str, Any] = {"code": concept(None, READING_CODES[reading_type])}
    if reading is None:
        component["dataAbsentReason"] = {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
            "code": "not-performed"}]}
    else:
        component.update(_value(reading))
    return component


@dataclass(frozen=True)
class Score:
    """One score of a submission, as stored with it."""

    submission_id: Any
    patient_id: Any
    name: str
    total: Any
    band: str | None
    submitted_at: datetime
    received_at: datetime

    @property
    def id(self) -> str:
        """``{submission id}.{score}``: FHIR ids allow no underscore."""
        return f"{self.submission_id}.{self.name.replace('_', '-')}"


def score_resource(score: Score) -> dict[str, Any]:
    """A score as an Observation derived from the patient's answers (category survey)."""
    code = SCORE_CODES.get(score.name, Code(None, score.name))
    resource: dict[str, Any] = {
        "resourceType": "Observation", "id": score.id,
        "meta": {"lastUpdated": iso(score.received_at)},
        "status": "final",
        "category": [SURVEY_CATEGORY],
        "code": concept(score.name, code, SCORE_SYSTEM),
        "subject": {"reference": f"Patient/{score.patient_id}"},
        "effectiveDateTime": iso(score.submitted_at),
        "issued": iso(score.received_at),
        "valueQuantity": {"value": number(Decimal(str(score.total))), "unit": "{score}",
                          "system": UCUM, "code": "{score}"},
    }
    if score.band:
        resource["interpretation"] = [{"text": score.band}]
    return resource


def questionnaire_response(submission: Submission, questionnaire: Questionnaire | None
                           ) -> dict[str, Any]:
    """A submission as a completed QuestionnaireResponse, its answers in item order
    (typed by the questionnaire version it was answered with)."""
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse", "id": str(submission.id),
        "meta": {"lastUpdated": iso(submission.received_at)},
        "questionnaire": (f"urn:suivi:questionnaire:{submission.questionnaire}"
                          f"|{submission.questionnaire_version}"),
        "status": "completed",
        "subject": {"reference": f"Patient/{submission.patient_id}"},
        "authored": iso(submission.submitted_at),
    }
    answers = submission.answers or {}
    items = []
    for item in questionnaire.items if questionnaire is not None else ():
        answer = _answers(item, answers.get(item.link_id))
        if answer:
            items.append({"linkId": item.link_id, "text": item.text.get("fr"),
                          "answer": answer})
    if items:
        resource["item"] = items
    return resource


def _answers(item: Item, value: Any) -> list[dict[str, Any]]:
    if value is None or value == "" or value == []:
        return []
    if isinstance(value, bool):
        return [{"valueBoolean": value}]
    if item.type in ("choice", "multi_choice"):
        codes = value if isinstance(value, list) else [value]
        return [{"valueCoding": {"code": code, **(
            {"display": choice.text.get("fr")} if (choice := item.choice(code)) else {})}}
                for code in codes]
    if item.type == "integer" and isinstance(value, int | float):
        return [{"valueInteger": int(value)}]
    if item.type == "decimal" and isinstance(value, int | float):
        return [{"valueDecimal": value}]
    if item.type == "date":
        return [{"valueDate": str(value)}]
    if item.type == "reading" and isinstance(value, int | float):
        unit = item.unit or (READING_TYPES[item.reading].unit if item.reading in READING_TYPES
                             else None)
        return [{"valueQuantity": {"value": value, **(
            {"unit": unit, "system": UCUM, "code": unit} if unit else {})}}]
    if item.type == "reading":
        return [{"valueCoding": {"code": str(value)}}]
    return [{"valueString": str(value)}]


def bundle(entries: Sequence[dict[str, Any]], total: int, links: dict[str, str],
           base_url: str) -> dict[str, Any]:
    """A searchset Bundle."""
    found: dict[str, Any] = {
        "resourceType": "Bundle", "type": "searchset", "total": total,
        "link": [{"relation": relation, "url": url} for relation, url in links.items()]}
    if entries:  # (FHIR has no empty lists)
        found["entry"] = [{"fullUrl": f"{base_url}/{e['resourceType']}/{e['id']}",
                           "resource": e, "search": {"mode": "match"}} for e in entries]
    return found


QUESTIONNAIRE_URL = "urn:suivi:questionnaire:"
# An item's type → the Questionnaire item type (a reading is a quantity, in its unit).
ITEM_TYPES = {"boolean": "boolean", "choice": "choice", "multi_choice": "choice",
              "integer": "integer", "decimal": "decimal", "date": "date", "text": "text",
              "string": "string", "reading": "quantity"}
NOT_A_QUANTITY = {"consciousness": "string", "supplemental_oxygen": "boolean"}


def questionnaire_resource(questionnaire: Questionnaire) -> dict[str, Any]:
    """A stored questionnaire version (id ``{slug}.{version}``), in French."""
    items = []
    for item in questionnaire.items:
        kind = ITEM_TYPES.get(item.type, "string")
        if item.type == "reading":
            kind = NOT_A_QUANTITY.get(item.reading or "", kind)
        entry: dict[str, Any] = {"linkId": item.link_id, "text": item.text.fr, "type": kind,
                                 "required": item.required}
        if item.type == "multi_choice":
            entry["repeats"] = True
        if item.choices:
            entry["answerOption"] = [{"valueCoding": {"code": c.code, "display": c.text.fr}}
                                     for c in item.choices]
        items.append(entry)
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire", "id": f"{questionnaire.slug}.{questionnaire.version}",
        "url": QUESTIONNAIRE_URL + questionnaire.slug, "version": str(questionnaire.version),
        "title": questionnaire.title.fr, "status": "active", "subjectType": ["Patient"]}
    if questionnaire.description is not None:
        resource["description"] = questionnaire.description.fr
    if items:
        resource["item"] = items
    return resource
