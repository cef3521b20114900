"""A gateway's Observation read into the readings the app would have sent: one reading,
or the two pressures of a blood pressure panel. Refusals name the Observation's element
(``valueQuantity.value``, ``subject.reference``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backend.errors import Invalid, InvalidValues
from backend.fhir.resources import LOINC, POSTED_CODES, READING_CODES, READING_SYSTEM

STATUSES = ("final", "amended", "corrected")  # a preliminary value raises no alert yet
BP_PANEL = "85354-9"
COMPONENTS = {READING_CODES["systolic_bp"].loinc: "systolic_bp",
              READING_CODES["diastolic_bp"].loinc: "diastolic_bp"}
# A reading's fields as the intake names them → the Observation's element.
ELEMENTS = {"value": "value", "unit": "code", "type": "code"}


@dataclass(frozen=True)
class Posted:
    patient_id: uuid.UUID
    readings: list[dict[str, Any]]
    paths: list[str]  # where each reading's value is in the Observation
    identifier: str | None  # system|value, when the Observation has one


def _object(body: dict[str, Any], name: str, path: str) -> dict[str, Any]:
    value = body.get(name)
    if not isinstance(value, dict):
        raise Invalid(path, "an object is required")
    return value


def _reading_type(concept: Any, path: str, panel: bool) -> str:
    codings = concept.get("coding") if isinstance(concept, dict) else None
    if not isinstance(codings, list) or not codings:
        raise Invalid(f"{path}.coding", "a LOINC coding is required")
    for coding in codings:
        if not isinstance(coding, dict):
            continue
        system, code = coding.get("system"), coding.get("code")
        if system == LOINC and panel and code == BP_PANEL:
            return "blood_pressure"
        if system == LOINC and code in POSTED_CODES:
            return POSTED_CODES[code]
        if system == READING_SYSTEM and code in READING_CODES:
            return code
    raise Invalid(f"{path}.coding", "no LOINC code of a reading Suivi receives (e.g. "
                                    "8310-5, 8867-4, 85354-9, 59408-5, 29463-7)")


def _value(element: dict[str, Any], reading_type: str, path: str
           ) -> tuple[Any, str | None, str]:
    if "valueQuantity" in element:
        quantity = _object(element, "valueQuantity", f"{path}valueQuantity")
        value = quantity.get("value")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Invalid(f"{path}valueQuantity.value", "a number is required")
        unit = quantity.get("code") or quantity.get("unit")
        if unit is not None and not isinstance(unit, str):
            raise Invalid(f"{path}valueQuantity.code", "a UCUM unit is required")
        return value, unit, f"{path}valueQuantity"
    if "valueBoolean" in element:
        return element["valueBoolean"], None, f"{path}valueBoolean"
    if "valueCodeableConcept" in element:
        concept = _object(element, "valueCodeableConcept", f"{path}valueCodeableConcept")
        return concept.get("text"), None, f"{path}valueCodeableConcept"
    raise Invalid(f"{path}valueQuantity", f"the value of the {reading_type} is missing")


def identifier_of(body: dict[str, Any], if_none_exist: str | None) -> str | None:
    """The resource's business identifier, ``system|value``: from ``If-None-Exist:
    identifier=system|value`` or the first identifier of the body."""
    if if_none_exist is not None:
        name, _, value = if_none_exist.partition("=")
        if name.strip() != "identifier" or "|" not in value or not value.split("|", 1)[1]:
            raise Invalid("If-None-Exist", "identifier=system|value is the only search "
                                           "supported", location="headers")
        return value.strip()
    identifiers = body.get("identifier", [])
    if isinstance(identifiers, dict):  # a QuestionnaireResponse has one
        identifiers = [identifiers]
    if not isinstance(identifiers, list):
        raise Invalid("identifier", "a list is required")
    for item in identifiers:
        if isinstance(item, dict) and isinstance(item.get("system"), str) and isinstance(
                item.get("value"), str) and item["value"]:
            return f"{item['system']}|{item['value']}"
    return None


def _subject(body: Any, resource: str, statuses: tuple[str, ...]) -> uuid.UUID:
    """The patient a posted resource is about, once its type and status are checked."""
    if not isinstance(body, dict) or body.get("resourceType") != resource:
        raise Invalid("resourceType", f"a {resource} is expected")
    if body.get("status") not in statuses:
        raise Invalid("status", f"one of {', '.join(statuses)}")
    reference = _object(body, "subject", "subject").get("reference")
    try:
        return uuid.UUID(str(reference).removeprefix("Patient/"))
    except ValueError:
        raise Invalid("subject.reference", "Patient/{id} of a Suivi patient") from None


def read_posted(body: Any, if_none_exist: str | None) -> Posted:
    patient_id = _subject(body, "Observation", STATUSES)
    measured_at = body.get("effectiveDateTime") or body.get("effectiveInstant")
    if not isinstance(measured_at, str):
        raise Invalid("effectiveDateTime", "when it was measured, with its offset, "
                                           "is required")
    reading_type = _reading_type(body.get("code"), "code", panel=True)
    readings, paths = [], []
    if reading_type == "blood_pressure":
        components = body.get("component")
        if not isinstance(components, list) or not 1 <= len(components) <= 2:
            raise Invalid("component", "the systolic and diastolic pressures (8480-6, 8462-4)")
        for index, component in enumerate(components):
            path = f"component[{index}]"
            if not isinstance(component, dict):
                raise Invalid(path, "an object is required")
            kind = _reading_type(component.get("code"), f"{path}.code", panel=False)
            if kind not in ("systolic_bp", "diastolic_bp"):
                raise Invalid(f"{path}.code", "8480-6 or 8462-4")
            value, unit, where = _value(component, kind, f"{path}.")
            readings.append({"type": kind, "value": value, "unit": unit,
                             "measured_at": measured_at})
            paths.append(where)
        if len({r["type"] for r in readings}) != len(readings):
            raise Invalid("component", "each pressure once")
        readings.sort(key=lambda r: r["type"] != "systolic_bp")  # the panel's anchor first
    else:
        value, unit, where = _value(body, reading_type, "")
        readings.append({"type": reading_type, "value": value, "unit": unit,
                         "measured_at": measured_at})
        paths.append(where)
    return Posted(patient_id, readings, paths, identifier_of(body, if_none_exist))


def renamed(error: InvalidValues, posted: Posted) -> Invalid:
    """The intake's refusal (``readings.0.value``) in the Observation's terms."""
    errors = (error.errors or {}).get("json", {}).get("readings", {})
    named: dict[str, list[str]] = {}
    for index, fields in errors.items():
        base = posted.paths[int(index)]
        for name, messages in fields.items():
            element = ("effectiveDateTime" if name == "measured_at"
                       else f"{base}.{ELEMENTS.get(name, name)}")
            named[element] = messages
    if not named:
        return error
    return InvalidValues(named, "; ".join(f"{k}: {' '.join(v)}" for k, v in named.items()))


# -- a QuestionnaireResponse from the EHR or a client --------------------------------------
RESPONSE_STATUSES = ("completed", "amended")
MAX_ITEMS = 200
MAX_ANSWERS = 50
# The answer value types the app's answers are made of.
ANSWER_VALUES = ("valueBoolean", "valueInteger", "valueDecimal", "valueString", "valueDate",
                 "valueCoding", "valueQuantity")


@dataclass(frozen=True)
class PostedResponse:
    patient_id: uuid.UUID
    questionnaire: str  # its slug
    answers: dict[str, Any]
    paths: dict[str, str]  # linkId → where its answers are (item[2].answer)
    submitted_at: datetime | None
    identifier: str | None


def _answer(answer: Any, path: str) -> Any:
    if not isinstance(answer, dict):
        raise Invalid(path, "an object is required")
    given = [name for name in ANSWER_VALUES if name in answer]
    if len(given) != 1:
        raise Invalid(path, f"one value of {', '.join(ANSWER_VALUES)}")
    value = answer[given[0]]
    if given[0] == "valueCoding":
        value = value.get("code") if isinstance(value, dict) else None
        if not isinstance(value, str):
            raise Invalid(f"{path}.valueCoding.code", "a code is required")
    elif given[0] == "valueQuantity":
        value = value.get("value") if isinstance(value, dict) else None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Invalid(f"{path}.valueQuantity.value", "a number is required")
    return value


def read_posted_response(body: Any, if_none_exist: str | None) -> PostedResponse:
    """A QuestionnaireResponse read into the answers the app would have sent
    (``{linkId: value}``, a list for several answers to one item)."""
    patient_id = _subject(body, "QuestionnaireResponse", RESPONSE_STATUSES)
    canonical = body.get("questionnaire")
    if not isinstance(canonical, str) or not canonical.strip():
        raise Invalid("questionnaire", "urn:suivi:questionnaire:{slug} is required")
    slug = canonical.removeprefix("urn:suivi:questionnaire:").partition("|")[0]
    submitted_at = None
    if body.get("authored") is not None:
        try:
            submitted_at = datetime.fromisoformat(str(body["authored"]).replace("Z", "+00:00"))
        except ValueError:
            submitted_at = None
        if submitted_at is None or submitted_at.tzinfo is None:
            raise Invalid("authored", "a date and time with its offset")
    items = body.get("item", [])
    if not isinstance(items, list) or len(items) > MAX_ITEMS:
        raise Invalid("item", f"a list of at most {MAX_ITEMS} items")
    answers: dict[str, Any] = {}
    paths: dict[str, str] = {}
    for index, item in enumerate(items):
        path = f"item[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("linkId"), str):
            raise Invalid(f"{path}.linkId", "each item names its linkId")
        if "item" in item:
            raise Invalid(f"{path}.item", "Suivi's questionnaires have no nested items")
        link_id, given = item["linkId"], item.get("answer", [])
        if link_id in answers:
            raise Invalid(f"{path}.linkId", "each item once")
        if not isinstance(given, list) or len(given) > MAX_ANSWERS:
            raise Invalid(f"{path}.answer", f"a list of at most {MAX_ANSWERS} answers")
        values = [_answer(a, f"{path}.answer[{i}]") for i, a in enumerate(given)]
        if values:
            answers[link_id] = values[0] if len(values) == 1 else values
            paths[link_id] = f"{path}.answer"
    return PostedResponse(patient_id, slug, answers, paths, submitted_at,
                          identifier_of(body, if_none_exist))


def renamed_answers(error: InvalidValues, posted: PostedResponse) -> Invalid:
    """The intake's refusal (``answers.pain_now``) in the QuestionnaireResponse's terms
    (``item[0].answer``); an unanswered required item is named by its linkId."""
    errors = (error.errors or {}).get("json", {})
    named: dict[str, Any] = {}
    for name, value in errors.items():
        if name == "answers" and isinstance(value, dict):
            for link_id, messages in value.items():
                named[posted.paths.get(link_id, f"item.where(linkId='{link_id}')")] = messages
        else:
            named[name] = value
    if not named:
        return error
    return InvalidValues(named, "; ".join(f"{k}: {v}" for k, v in named.items()))
