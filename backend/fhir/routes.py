"""``/fhir/R4``: thin views over ``backend.fhir.services``; the table ``SERVED`` at the
end registers them and is the CapabilityStatement (``GET /fhir/R4/metadata``)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, request

from backend.api import abort, field_error, nul_errors, too_deep
from backend.auth.principal import current_caller
from backend.clock import now
from backend.consents.models import Consent
from backend.enrollments.models import Enrollment
from backend.errors import InvalidValues
from backend.fhir import services
from backend.fhir.access import action_of, fhir_access
from backend.fhir.capability import METHODS, SearchParam, Served, statement
from backend.fhir.care import (
    audit_event_resource,
    care_plan_resource,
    communication_resource,
    consent_resource,
    flag_resource,
    task_resource,
)
from backend.fhir.outcome import FHIR_JSON, PREFIX
from backend.fhir.posted import (
    read_posted,
    read_posted_response,
    renamed,
    renamed_answers,
)
from backend.fhir.resources import (
    BP_PANEL,
    FR_CORE_PATIENT,
    FR_CORE_PATIENT_INS,
    READING_CODES,
    VITAL_SIGNS,
    Score,
    bundle,
    observation_resource,
    patient_resource,
    questionnaire_resource,
    questionnaire_response,
    score_resource,
)
from backend.intake.models import Reading, Submission
from backend.limits import (
    FHIR_EVERYTHING_PER_TYPE,
    FHIR_MERGED_OFFSET,
    FHIR_PAGE,
    FHIR_PAGE_MAX,
    FHIR_SEARCH_VALUES,
)
from backend.protocols.content import protocol_of
from backend.text import whole_number

bp = Blueprint("fhir", __name__, url_prefix=PREFIX)
RELEASED = date(2026, 12, 2)  # the CapabilityStatement's date: this version of the table
QUESTIONNAIRE = "urn:suivi:questionnaire:"
VITAL_SIGNS_PROFILES = tuple(sorted({VITAL_SIGNS + code.profile for code in
                                     (*READING_CODES.values(), BP_PANEL) if code.profile}))
BASE = "http://hl7.org/fhir/StructureDefinition/"
QUESTIONNAIRE_RESPONSE = BASE + "QuestionnaireResponse"


def fhir_response(resource: dict[str, Any], status: int = 200,
                  headers: dict[str, str] | None = None) -> Response:
    response = Response(json.dumps(resource, ensure_ascii=False), status=status,
                        mimetype=FHIR_JSON, headers=headers)
    return response


def base_url() -> str:
    return current_app.config["SUIVI_PUBLIC_URL"] + PREFIX


def ipp_system() -> str:
    return current_app.config["SUIVI_IPP_SYSTEM"]


# -- search parameters -----------------------------------------------------------------------
RESULT_PARAMETERS = ("_count", "_offset", "_format")
DATE_PREFIX = re.compile(r"^(eq|ge|gt|le|lt)?(.+)$")


def search_arguments(served: Served) -> tuple[dict[str, list[str]], int, int]:
    """The search parameters of the query string (each a list of values), ``_count``
    (capped) and ``_offset``; 400 naming any other parameter."""
    known = {p.name for p in served.search}
    values: dict[str, list[str]] = {}
    for name in request.args:
        if name not in known and name not in RESULT_PARAMETERS:
            field_error(name, f"unknown search parameter (supported: "
                              f"{', '.join(sorted(known))}, _count)", 400, "query")
        given = request.args.getlist(name)
        if len(given) > FHIR_SEARCH_VALUES or any(len(v) > 200 for v in given):
            field_error(name, "too many or too long values", 400, "query")
        if nul_errors(given):  # a database cannot compare such text
            field_error(name, "holds a character that is not text", 400, "query")
        values[name] = given
    fmt = request.args.get("_format")
    if fmt is not None and fmt not in ("json", FHIR_JSON, "application/json"):
        field_error("_format", "only JSON is served", 400, "query")
    count = _integer("_count", FHIR_PAGE, 0, 10**6)
    offset = _integer("_offset", 0, 0, 10**6)
    return values, min(count, FHIR_PAGE_MAX), offset


def _integer(name: str, default: int, low: int, high: int) -> int:
    text = request.args.get(name)
    if text is None:
        return default
    number = whole_number(text, high)
    if number is None or number < low:
        field_error(name, f"a whole number from {low} to {high}", 400, "query")
    return number


def token(name: str, text: str) -> tuple[str | None, str]:
    """``system|code`` (or ``code``) → (system, code)."""
    system, bar, code = text.rpartition("|")
    if not code:
        field_error(name, "a code is required (system|code or code)", 400, "query")
    return (system or None) if bar else None, code


def tokens(name: str, values: list[str]) -> list[tuple[str | None, str]]:
    return [token(name, part) for text in values for part in text.split(",")]


def date_range(name: str, text: str, with_time: bool) -> services.DateRange:
    """``ge2026-11-23``, ``lt2026-11-23T10:00:00+01:00``: a prefix over the day (or
    instant) named."""
    match = DATE_PREFIX.match(text)
    try:
        if match is None:  # empty, or a line break
            raise ValueError(text)
        return _range(match.group(1) or "eq", match.group(2), with_time)
    except (ValueError, OverflowError):
        field_error(name, "a date YYYY-MM-DD" + (" or a date and time with its offset"
                                                 if with_time else "") +
                    ", optionally after eq, ge, gt, le or lt", 400, "query")


def _range(prefix: str, value: str, with_time: bool) -> services.DateRange:
    if len(value) == 10:
        day = date.fromisoformat(value)
        if not with_time:
            return services.DateRange(prefix, day, day + timedelta(days=1))
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return services.DateRange(prefix, start, start + timedelta(days=1))
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if not with_time or moment.tzinfo is None:
        raise ValueError(value)
    moment = moment.astimezone(UTC)  # year 1 at +14:00 is before the first UTC instant
    return services.DateRange(prefix, moment, moment + timedelta(microseconds=1))


def searchset(served: Served, page: services.Page, resources: list[dict[str, Any]],
              count: int, offset: int) -> Response:
    pairs = [(k, v) for k in request.args for v in request.args.getlist(k)
             if k not in ("_count", "_offset")]
    here = f"{base_url()}/{served.type}"

    def link(at: int) -> str:
        return f"{here}?{urlencode([*pairs, ('_count', count), ('_offset', at)])}"

    links = {"self": link(offset)}
    if offset + count < page.total and count:
        links["next"] = link(offset + count)
    if offset:
        links["previous"] = link(max(0, offset - count))
    return fhir_response(bundle(resources, page.total, links, base_url()))


# -- views -----------------------------------------------------------------------------------
def capabilities():
    """The CapabilityStatement: what this server serves, from ``SERVED``."""
    return fhir_response(statement(SERVED, base_url(), RELEASED))


def read_patient(patient_id: uuid.UUID):
    patient = services.read_patient(current_caller(), patient_id,
                                    action_of("Patient", "read"))
    return fhir_response(patient_resource(patient, ipp_system()))


def search_patients():
    served = SERVED_BY_TYPE["Patient"]
    values, count, offset = search_arguments(served)
    criteria = services.PatientCriteria(
        identifiers=tokens("identifier", values.get("identifier", [])),
        names=[v for v in values.get("name", []) if v.strip()],
        birthdates=[date_range("birthdate", v, with_time=False)
                    for v in values.get("birthdate", [])])
    page = services.search_patients(current_caller(), criteria, ipp_system(), count, offset,
                                    action_of("Patient", "search-type"))
    return searchset(served, page, [patient_resource(p, ipp_system()) for p in page.rows],
                     count, offset)


def patient_of(values: dict[str, list[str]]) -> uuid.UUID | None:
    """The one patient a search names (``Patient/{id}``, ``{id}`` or its full URL)."""
    given = values.get("patient", [])
    if not given:
        return None
    if len(given) > 1:
        field_error("patient", "one patient at a time", 400, "query")
    reference = given[0].removeprefix(f"{base_url()}/").removeprefix("Patient/")
    try:
        return uuid.UUID(reference)
    except ValueError:
        field_error("patient", "a patient reference: Patient/{id}", 400, "query")


def observations(rows: list[Reading | Score]) -> list[dict[str, Any]]:
    """Readings (a blood pressure as one panel) and scores as Observations."""
    diastolic = services.diastolic_of([r for r in rows if isinstance(r, Reading)])
    return [score_resource(r) if isinstance(r, Score)
            else observation_resource(r, diastolic.get(r.id)) for r in rows]


def read_observation(observation_id: str):
    found = services.read_observation(current_caller(), observation_id,
                                      action_of("Observation", "read"))
    return fhir_response(observations([found])[0])


def search_observations():
    served = SERVED_BY_TYPE["Observation"]
    values, count, offset = search_arguments(served)
    criteria = services.ObservationCriteria(
        patient_id=patient_of(values),
        codes=tokens("code", values["code"]) if "code" in values else None,
        categories=tokens("category", values["category"]) if "category" in values else None,
        dates=[date_range("date", v, with_time=True) for v in values.get("date", [])])
    page = services.search_observations(current_caller(), criteria, count, offset,
                                        action_of("Observation", "search-type"))
    return searchset(served, page, observations(page.rows), count, offset)


def responses(rows: list[Submission]) -> list[dict[str, Any]]:
    versions = services.questionnaires_of(rows)
    return [questionnaire_response(s, versions[(s.questionnaire, s.questionnaire_version)])
            for s in rows]


def read_response(response_id: uuid.UUID):
    submission = services.read_response(current_caller(), response_id,
                                        action_of("QuestionnaireResponse", "read"))
    return fhir_response(responses([submission])[0])


def search_responses():
    served = SERVED_BY_TYPE["QuestionnaireResponse"]
    values, count, offset = search_arguments(served)
    wanted = values.get("questionnaire")
    criteria = services.ResponseCriteria(
        patient_id=patient_of(values),
        questionnaires=[text.removeprefix(QUESTIONNAIRE).partition("|")[0]
                        for value in wanted for text in value.split(",")]
        if wanted is not None else None,
        authored=[date_range("authored", v, with_time=True)
                  for v in values.get("authored", [])])
    page = services.search_responses(current_caller(), criteria, count, offset,
                                     action_of("QuestionnaireResponse", "search-type"))
    return searchset(served, page, responses(page.rows), count, offset)


def posted_body(resource: str) -> Any:
    if not request.is_json:
        abort(415, f"Send the {resource} as application/fhir+json.")
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # the JSON decoder gave up (silent= covers ValueError only)
        abort(400, "The body holds text or nesting that cannot be stored.")
    if body is None:
        abort(400, "The body is not JSON.")
    if too_deep(body) or nul_errors(body):
        abort(400, "The body holds text or nesting that cannot be stored.")
    return body


def created_response(resource: dict[str, Any], created: bool) -> Response:
    """201 and its Location the first time; 200 for a repeat of the same identifier."""
    location = f"{base_url()}/{resource['resourceType']}/{resource['id']}"
    return fhir_response(resource, 201 if created else 200, {"Location": location})


def create_observation():
    """A device gateway's reading, through the same intake as the app's."""
    body = posted_body("Observation")
    posted = read_posted(body, request.headers.get("If-None-Exist"))
    try:
        reading, created = services.create_observation(
            current_caller(), posted.patient_id, posted.readings, posted.identifier, body,
            action_of("Observation", "create"))
    except InvalidValues as error:
        raise renamed(error, posted) from None
    return created_response(observations([reading])[0], created)


def create_response():
    """The EHR's (or a client's) answers, through the app's submission service."""
    body = posted_body("QuestionnaireResponse")
    posted = read_posted_response(body, request.headers.get("If-None-Exist"))
    answered: dict[str, Any] = {"questionnaire": posted.questionnaire,
                                "answers": posted.answers}
    if posted.submitted_at is not None:
        answered["submitted_at"] = posted.submitted_at
    try:
        submission, created = services.create_response(
            current_caller(), posted.patient_id, answered, posted.identifier, body,
            action_of("QuestionnaireResponse", "create"))
    except InvalidValues as error:
        raise renamed_answers(error, posted) from None
    return created_response(responses([submission])[0], created)


def read_questionnaire(questionnaire_id: str):
    return fhir_response(questionnaire_resource(services.read_questionnaire(questionnaire_id)))


def search_questionnaires():
    served = SERVED_BY_TYPE["Questionnaire"]
    values, count, offset = search_arguments(served)
    wanted = [text.removeprefix(QUESTIONNAIRE).partition("|")[0]
              for value in values.get("url", []) for text in value.split(",")]
    found = services.search_questionnaires(wanted if "url" in values else None)
    page = services.Page(found[offset:offset + count], len(found))
    return searchset(served, page, [questionnaire_resource(q) for q in page.rows], count,
                     offset)


# -- the follow-up: CarePlan, Flag, Consent, Task ----------------------------------------------
def care_plans(rows: list[Enrollment]) -> list[dict[str, Any]]:
    ends, at = services.follow_up_ends(rows), now()
    return [care_plan_resource(e, protocol_of(e.protocol), ends[e.id], at) for e in rows]


def consents(rows: list[Consent]) -> list[dict[str, Any]]:
    return [consent_resource(c, services.notice_title(c.kind, c.notice_version))
            for c in rows]


RENDER: dict[str, Callable[[list[Any]], list[dict[str, Any]]]] = {
    "CarePlan": care_plans, "Flag": lambda rows: [flag_resource(a) for a in rows],
    "Consent": consents, "Task": lambda rows: [task_resource(t, now()) for t in rows],
    "Communication": lambda rows: [communication_resource(r) for r in rows]}


def search_communications():
    served = SERVED_BY_TYPE["Communication"]
    values, count, offset = search_arguments(served)
    if offset > FHIR_MERGED_OFFSET:
        field_error("_offset", f"at most {FHIR_MERGED_OFFSET} here: search by patient",
                    400, "query")
    page = services.search_communications(current_caller(), patient_of(values), count,
                                          offset, action_of("Communication", "search-type"))
    return searchset(served, page, RENDER["Communication"](page.rows), count, offset)


def search_audit_events():
    served = SERVED_BY_TYPE["AuditEvent"]
    values, count, offset = search_arguments(served)
    criteria = services.AuditCriteria(
        patient_id=patient_of(values),
        agents=[text.rpartition("/")[2] for value in values.get("agent", [])
                for text in value.split(",")],
        dates=[date_range("date", v, with_time=True) for v in values.get("date", [])])
    page = services.search_audit_events(current_caller(), criteria, count, offset,
                                        action_of("AuditEvent", "search-type"))
    return searchset(served, page, [audit_event_resource(e) for e in page.rows], count,
                     offset)


def record_views(kind: services.Record, reads: bool = True) -> dict[str, Callable]:
    """The read (by id) and search (by patient, status) of one kind of patient record."""
    render = RENDER[kind.resource]

    def read(**path: uuid.UUID):
        (record_id,) = path.values()
        row = services.read_record(current_caller(), kind, record_id,
                                   action_of(kind.resource, "read"))
        return fhir_response(render([row])[0])

    def search():
        served = SERVED_BY_TYPE[kind.resource]
        values, count, offset = search_arguments(served)
        statuses = None
        if "status" in values:
            statuses = [code for _, code in tokens("status", values["status"])]
            if unknown := sorted(set(statuses) - set(kind.statuses)):
                field_error("status", f"unknown status {', '.join(unknown)} (one of "
                                      f"{', '.join(kind.statuses)})", 400, "query")
        page = services.search_records(current_caller(), kind, patient_of(values), statuses,
                                       count, offset, action_of(kind.resource, "search-type"))
        return searchset(served, page, render(page.rows), count, offset)

    return {"read": read, "search-type": search} if reads else {"search-type": search}


def patient_everything(patient_id: uuid.UUID):
    """Everything Suivi holds of a patient, as one searchset Bundle (bounded: see
    ``FHIR_EVERYTHING_PER_TYPE``)."""
    for name in request.args:
        if name != "_format":
            field_error(name, "$everything takes no parameter here: every resource of the "
                              "patient is returned", 400, "query")
    found = services.everything(current_caller(), patient_id, FHIR_EVERYTHING_PER_TYPE,
                                action_of("Patient", "everything"))
    resources = [patient_resource(found.patient, ipp_system()),
                 *observations(found.observations), *responses(found.responses),
                 *(resource for name, rows in found.records.items()
                   for resource in RENDER[name](rows))]
    here = f"{base_url()}/Patient/{patient_id}/$everything"
    result = bundle(resources, len(resources), {"self": here}, base_url())
    if found.truncated:
        result.setdefault("entry", []).append({"resource": {
            "resourceType": "OperationOutcome", "issue": [{
                "severity": "warning", "code": "too-costly",
                "diagnostics": f"Only the newest {FHIR_EVERYTHING_PER_TYPE} of each type: "
                               f"search {', '.join(found.truncated)} with patient, _count "
                               f"and _offset for the rest."}]},
            "search": {"mode": "outcome"}})
    return fhir_response(result)


# -- what is served ------------------------------------------------------------------------
SERVED: tuple[Served, ...] = (
    Served("Patient", FR_CORE_PATIENT, {"read": read_patient, "search-type": search_patients,
                                         "everything": patient_everything},
           id_rule="uuid:patient_id", supported_profiles=(FR_CORE_PATIENT_INS,), search=(
               SearchParam("identifier", "token",
                           "IPP (system|value, the hospital's IPP system) or INS "
                           "(urn:oid:1.2.250.1.213.1.4.8|NIR)"),
               SearchParam("name", "string", "family or given name, starting with"),
               SearchParam("birthdate", "date", "YYYY-MM-DD, with eq, ge, gt, le or lt"))),
    Served("Observation", VITAL_SIGNS + "vitalsigns",
           {"read": read_observation, "search-type": search_observations,
            "create": create_observation},
           id_rule="observation_id", supported_profiles=VITAL_SIGNS_PROFILES, search=(
               SearchParam("patient", "reference",
                           "Patient/{id} (one patient; the scores of answers, category "
                           "survey, are searched with it)"),
               SearchParam("code", "token", "LOINC (http://loinc.org|8310-5), reading type "
                                            "(urn:suivi:reading-type|temperature) or score "
                                            "(urn:suivi:score|qor15)"),
               SearchParam("date", "date", "when measured or answered, with eq, ge, gt, "
                                           "le or lt"),
               SearchParam("category", "token", "vital-signs (readings), survey (scores)"))),
)
SERVED += (
    Served("QuestionnaireResponse", QUESTIONNAIRE_RESPONSE,
           {"read": read_response, "search-type": search_responses,
            "create": create_response},
           id_rule="uuid:response_id", search=(
               SearchParam("patient", "reference", "Patient/{id} (one patient)"),
               SearchParam("questionnaire", "reference",
                           "urn:suivi:questionnaire:{slug} (e.g. phq-9), or the slug"),
               SearchParam("authored", "date", "when answered, with eq, ge, gt, le or lt"))),
)
BY_PATIENT = SearchParam("patient", "reference", "Patient/{id} (one patient)")
SERVED += (
    Served("Questionnaire", BASE + "Questionnaire",
           {"read": read_questionnaire, "search-type": search_questionnaires},
           id_rule="questionnaire_id", search=(SearchParam(
               "url", "uri", "urn:suivi:questionnaire:{slug} (the newest version of each)"),)),
)
SERVED += (
    Served("CarePlan", BASE + "CarePlan", record_views(services.CARE_PLAN),
           id_rule="uuid:enrollment_id", search=(BY_PATIENT,)),
    Served("Flag", BASE + "Flag", record_views(services.FLAG),
           id_rule="uuid:alert_id", search=(BY_PATIENT, SearchParam(
               "status", "token", "active (open or acknowledged alerts), inactive (resolved)"))),
    Served("Consent", BASE + "Consent", record_views(services.CONSENT),
           id_rule="uuid:consent_id", search=(BY_PATIENT,)),
    Served("Task", BASE + "Task", record_views(services.TASK, reads=False),
           id_rule="uuid:task_id", search=(BY_PATIENT, SearchParam(
               "status", "token", "requested (due), completed (done), failed (missed)"))),
)
SERVED += (
    Served("Communication", BASE + "Communication",
           {"search-type": search_communications}, id_rule="uuid:communication_id",
           search=(BY_PATIENT,)),
    Served("AuditEvent", BASE + "AuditEvent", {"search-type": search_audit_events},
           id_rule="uuid:event_id", search=(
               BY_PATIENT,
               SearchParam("agent", "reference", "who acted: its id (a staff member, a "
                                                 "patient, an integration client)"),
               SearchParam("date", "date", "when, with eq, ge, gt, le or lt"))),
)
SERVED_BY_TYPE = {served.type: served for served in SERVED}


def _register() -> None:
    bp.add_url_rule("/metadata", "metadata", capabilities, methods=["GET"])
    for served in SERVED:
        for interaction, view in served.views.items():
            bp.add_url_rule(served.rule(interaction), f"{served.type}-{interaction}",
                            fhir_access(served.type, interaction)(view),
                            methods=[METHODS[interaction]])


_register()
