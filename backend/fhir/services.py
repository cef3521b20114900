"""FHIR reads and searches over the JSON API's own records, scoped like it: a caller
sees the patients of their care teams (``patients.services``), every read is audited
naming its patient, another team's patient is not found."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from backend import db
from backend.alerts.models import Alert
from backend.audit import services as audit
from backend.audit.models import AuditEvent
from backend.auth.principal import TeamScoped
from backend.clock import now
from backend.consents import notices
from backend.consents.models import Consent
from backend.crypto import keyring
from backend.enrollments import follow_up
from backend.enrollments import services as enrollments
from backend.enrollments.models import Enrollment
from backend.errors import NotFound
from backend.fhir.resources import (
    INS_SYSTEM,
    LOINC,
    POSTED_CODES,
    READING_SYSTEM,
    SCORE_CODES,
    SCORE_SYSTEM,
    Score,
)
from backend.idempotency import services as idempotency
from backend.intake import services as intake
from backend.intake.models import Reading, Submission
from backend.limits import FHIR_SCORED_SUBMISSIONS
from backend.notifications.models import Message
from backend.patients import services as patients
from backend.patients.models import Patient, nir_index
from backend.questionnaires import services as questionnaires
from backend.schemas import SQL_INT_MAX
from backend.tasks.models import Task
from backend.text import whole_number
from backend.webhooks.models import InboundEvent

# LOINC codes that find blood pressure: the panel and its two components.
BLOOD_PRESSURE_CODES = {"85354-9", "8480-6", "8462-4"}


@dataclass(frozen=True)
class DateRange:
    """A date search value: ``prefix`` (eq, gt, lt, ge, le) over [start, end)."""

    prefix: str
    start: datetime | date
    end: datetime | date


@dataclass
class Page:
    rows: list[Any]
    total: int


@dataclass
class PatientCriteria:
    identifiers: list[tuple[str | None, str]] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    birthdates: list[DateRange] = field(default_factory=list)


@dataclass
class ObservationCriteria:
    patient_id: uuid.UUID | None = None
    codes: list[tuple[str | None, str]] | None = None  # any of them
    categories: list[tuple[str | None, str]] | None = None
    dates: list[DateRange] = field(default_factory=list)


def _in_range(column: Any, value: DateRange) -> Any:
    return {"eq": and_(column >= value.start, column < value.end),
            "ge": column >= value.start, "gt": column >= value.end,
            "le": column < value.end, "lt": column < value.start}[value.prefix]


def _starting(column: Any, text: str) -> Any:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"{escaped}%", escape="\\")


def _page(query: Select, order: Sequence[Any], count: int, offset: int) -> Page:
    session = db.session()
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = list(session.scalars(query.order_by(*order).limit(count).offset(offset)))
    return Page(rows, total or 0)


# -- Patient ---------------------------------------------------------------------------------
def read_patient(principal: TeamScoped, patient_id: uuid.UUID, action: str) -> Patient:
    patient = patients.get_patient(principal, patient_id, action)
    audit.record(action, patient_id=patient.id, object_type="patient", object_id=patient.id)
    return patient


def search_patients(principal: TeamScoped, criteria: PatientCriteria, ipp_system: str,
                    count: int, offset: int, action: str) -> Page:
    query = patients.visible_patients(principal)
    for system, value in criteria.identifiers:
        ipp = Patient.hospital_id == value
        ins = Patient.ins_nir_index == nir_index(value)
        if system is None:
            query = query.where(or_(ipp, ins))
        elif system == INS_SYSTEM:
            query = query.where(ins)
        elif system == ipp_system:
            query = query.where(ipp)
        else:  # an identifier of a system Suivi does not hold names nobody here
            query = query.where(False)
    for name in criteria.names:
        query = query.where(or_(_starting(Patient.family_name, name),
                                _starting(Patient.given_name, name)))
    for value in criteria.birthdates:
        query = query.where(_in_range(Patient.birth_date, value))
    page = _page(query, (Patient.family_name, Patient.given_name, Patient.id), count, offset)
    audit.record_reads(action, (p.id for p in page.rows))
    return page


# -- Observation -----------------------------------------------------------------------------
def reading_types(codes: Sequence[tuple[str | None, str]]) -> set[str]:
    """The reading types a ``code`` search names (LOINC or Suivi's own names)."""
    types: set[str] = set()
    for system, code in codes:
        if system in (None, LOINC):
            if code in BLOOD_PRESSURE_CODES:
                types |= {"systolic_bp", "diastolic_bp"}
            elif code in POSTED_CODES:
                types.add(POSTED_CODES[code])
        if system in (None, READING_SYSTEM):
            types.add(code)
    return types


_SYSTOLIC = aliased(Reading, name="systolic")


def _not_in_a_panel() -> Any:
    """A diastolic pressure is its own Observation only without the systolic pressure of
    the same measurement (with one, it is a component of that one's panel)."""
    return or_(Reading.type != "diastolic_bp", ~exists().where(
        _SYSTOLIC.patient_id == Reading.patient_id, _SYSTOLIC.type == "systolic_bp",
        _SYSTOLIC.measured_at == Reading.measured_at))


def diastolic_of(systolic: Sequence[Reading]) -> dict[uuid.UUID, Reading]:
    """systolic reading id → the diastolic of the same measurement, in one query."""
    wanted = [r for r in systolic if r.type == "systolic_bp"]
    if not wanted:
        return {}
    found = db.session().scalars(select(Reading).where(
        Reading.type == "diastolic_bp",
        Reading.patient_id.in_({r.patient_id for r in wanted}),
        Reading.measured_at.in_({r.measured_at for r in wanted})))
    by_moment = {(r.patient_id, r.measured_at): r for r in found}
    return {r.id: by_moment[(r.patient_id, r.measured_at)] for r in wanted
            if (r.patient_id, r.measured_at) in by_moment}


def score_names(codes: Sequence[tuple[str | None, str]]) -> set[str]:
    """The scores a ``code`` search names (LOINC or Suivi's own names)."""
    names: set[str] = set()
    for system, code in codes:
        if system in (None, LOINC):
            names |= {name for name, known in SCORE_CODES.items() if known.loinc == code}
        if system in (None, SCORE_SYSTEM):
            names.add(code.replace("-", "_"))
    return names


def _visible(query: Select, column: Any, principal: TeamScoped) -> Select:
    visible = patients.visible_patient_ids(principal)
    return query if visible is None else query.where(column.in_(visible))


def _scoped(query: Select, column: Any, principal: TeamScoped,
            patient_id: uuid.UUID | None, action: str) -> Select:
    """``query`` narrowed to one patient (NotFound and an audited refusal when not the
    caller's) or to the caller's patients."""
    if patient_id is None:
        return _visible(query, column, principal)
    patients.get_patient(principal, patient_id, action)
    return query.where(column == patient_id)


def _not_found(action: str, patient_id: uuid.UUID | None, object_type: str,
               object_id: Any, resource: str = "Observation") -> NotFound:
    """An audited refusal naming the patient the caller was after (if any), and the bare
    404 that answers it (the same as for an identifier that does not exist)."""
    audit.record_refusal(action, patient_id=patient_id, object_type=object_type,
                         object_id=object_id,
                         detail={"reason": "unknown or not in the caller's teams"})
    return NotFound(f"No such {resource}.")


_SCORED = (Submission.id, Submission.patient_id, Submission.submitted_at,
           Submission.received_at, Submission.scores)


def _scores_of(row: Any, names: set[str] | None = None) -> list[Score]:
    return [Score(row.id, row.patient_id, score["name"], score["total"], score.get("band"),
                  row.submitted_at, row.received_at)
            for score in row.scores or [] if names is None or score["name"] in names]


def read_observation(principal: TeamScoped, observation_id: str,
                     action: str) -> Reading | Score:
    """A reading, or a score of a submission (``{submission id}.{score}``), of a visible
    patient; otherwise NotFound and an audited refusal naming its patient (if it exists)."""
    text, dot, score_name = observation_id.partition(".")
    try:
        record_id = uuid.UUID(text)
    except ValueError:
        raise NotFound("No such Observation.") from None
    session = db.session()
    if dot:
        name = score_name.replace("-", "_")
        row = session.execute(_visible(select(*_SCORED).where(Submission.id == record_id),
                                       Submission.patient_id, principal)).first()
        found = _scores_of(row, {name}) if row is not None else []
        if not found:
            target = session.scalar(select(Submission.patient_id)
                                    .where(Submission.id == record_id))
            raise _not_found(action, target, "submission", record_id)
        # Not the score's name: "phq9" in the trail would tell a psychiatric follow-up.
        audit.record(action, patient_id=row.patient_id, object_type="submission",
                     object_id=record_id)
        return found[0]
    reading = session.scalar(_visible(
        select(Reading).where(Reading.id == record_id, _not_in_a_panel()),
        Reading.patient_id, principal))
    if reading is None:
        target = session.scalar(select(Reading.patient_id).where(Reading.id == record_id))
        raise _not_found(action, target, "reading", record_id)
    audit.record(action, patient_id=reading.patient_id, object_type="reading",
                 object_id=reading.id)
    return reading


def search_observations(principal: TeamScoped, criteria: ObservationCriteria,
                        count: int, offset: int, action: str) -> Page:
    """Readings (vital signs) first, newest first, then, for one patient, the scores of
    their answers (survey), newest first: a searchset's order is the server's."""
    categories = {code for _, code in criteria.categories or ()}
    readings = criteria.categories is None or "vital-signs" in categories
    scores = criteria.categories is None or "survey" in categories
    query = _scoped(select(Reading).where(_not_in_a_panel()), Reading.patient_id,
                    principal, criteria.patient_id, action)
    if criteria.codes is not None:
        query = query.where(Reading.type.in_(reading_types(criteria.codes)))
    for value in criteria.dates:
        query = query.where(_in_range(Reading.measured_at, value))
    page = (_page(query, (Reading.measured_at.desc(), Reading.id.desc()), count, offset)
            if readings else Page([], 0))
    if scores and criteria.patient_id is not None:
        found = _search_scores(criteria)
        start = max(0, offset - page.total)
        page.rows += found[start:start + count - len(page.rows)]
        page.total += len(found)
    audit.record_reads(action, (r.patient_id for r in page.rows))
    return page


def _search_scores(criteria: ObservationCriteria) -> list[Score]:
    """The patient's scores matching the criteria, newest first (from their newest
    ``FHIR_SCORED_SUBMISSIONS`` answers: a follow-up has far fewer)."""
    query = select(*_SCORED).where(Submission.patient_id == criteria.patient_id)
    for value in criteria.dates:
        query = query.where(_in_range(Submission.submitted_at, value))
    rows = db.session().execute(query.order_by(Submission.submitted_at.desc(),
                                               Submission.id.desc())
                                .limit(FHIR_SCORED_SUBMISSIONS))
    names = score_names(criteria.codes) if criteria.codes is not None else None
    return [score for row in rows for score in _scores_of(row, names)]


# -- QuestionnaireResponse -------------------------------------------------------------------
@dataclass
class ResponseCriteria:
    patient_id: uuid.UUID | None = None
    questionnaires: list[str] | None = None  # slugs, any of them
    authored: list[DateRange] = field(default_factory=list)


def read_response(principal: TeamScoped, submission_id: uuid.UUID,
                  action: str) -> Submission:
    session = db.session()
    submission = session.scalar(_visible(select(Submission).where(
        Submission.id == submission_id), Submission.patient_id, principal))
    if submission is None:
        target = session.scalar(select(Submission.patient_id)
                                .where(Submission.id == submission_id))
        raise _not_found(action, target, "submission", submission_id,
                         "QuestionnaireResponse")
    audit.record(action, patient_id=submission.patient_id, object_type="submission",
                 object_id=submission.id)
    return submission


def search_responses(principal: TeamScoped, criteria: ResponseCriteria, count: int,
                     offset: int, action: str) -> Page:
    query = _scoped(select(Submission), Submission.patient_id, principal,
                    criteria.patient_id, action)
    if criteria.questionnaires is not None:
        query = query.where(Submission.questionnaire.in_(criteria.questionnaires))
    for value in criteria.authored:
        query = query.where(_in_range(Submission.submitted_at, value))
    page = _page(query, (Submission.submitted_at.desc(), Submission.id.desc()), count, offset)
    audit.record_reads(action, (s.patient_id for s in page.rows))
    return page


def questionnaires_of(submissions: Sequence[Submission]) -> dict[tuple[str, int], Any]:
    """The questionnaire version each submission was answered with."""
    wanted = {(s.questionnaire, s.questionnaire_version) for s in submissions}
    return {key: questionnaires.version_of(*key) for key in wanted}


# -- a gateway's Observation, the EHR's QuestionnaireResponse ----------------------------------
def _once(scope: str, identifier: str | None, body: Any, patient: Patient, model: Any,
          object_type: str, action: str, create: Callable[[], Any]) -> tuple[Any, bool]:
    """``create()`` the record and True; or, for an identifier already received with
    the same body, the record stored then and False (nothing stored again)."""
    claimed = None
    if identifier is not None:
        # The identifier is the sender's, perhaps naming the patient (an IPP, a NIR): only
        # its keyed hash is kept, which no one without SUIVI_INDEX_KEY can test guesses on.
        # Per patient: an identifier another team's sender used for its own patient
        # neither blocks this one nor tells that it was used.
        claimed = (idempotency.replay_of(scope, _legacy_key(identifier), body, patient.id)
                   or idempotency.claim(f"{scope}:{patient.id}", keyring().index(identifier),
                                        body, patient.id))
        if isinstance(claimed, idempotency.Replay):
            found = db.session().get(model, uuid.UUID(claimed.body["id"]))
            assert found is not None
            audit.record(f"{action}.replay", patient_id=patient.id, object_type=object_type,
                         object_id=found.id)
            return found, False
    record = create()
    if claimed is not None:
        idempotency.complete(claimed, 201, {"id": str(record.id)})
    return record, True


def _legacy_key(identifier: str) -> str:
    """The plain SHA-256 under which versions before 2026-12-03 kept an identifier (in one
    scope for all patients): a repeat of a resource received before the upgrade is still
    recognised while its record lives (30 days, SUIVI_RETENTION_IDEMPOTENCY_DAYS). To be
    removed in 2027."""
    return hashlib.sha256(identifier.encode()).hexdigest()


IDEMPOTENCY_SCOPE = "fhir:Observation"
RESPONSE_SCOPE = "fhir:QuestionnaireResponse"


def create_observation(principal: TeamScoped, patient_id: uuid.UUID,
                       readings: list[dict[str, Any]], identifier: str | None,
                       body: Any, action: str) -> tuple[Reading, bool]:
    """Store an Observation's readings through the app's intake (plausibility, units,
    rules, alerts): its first reading and True, or, for an identifier already received,
    the reading stored then and False (nothing stored again)."""
    patient = patients.get_patient(principal, patient_id, action)

    def create() -> Reading:
        result = intake.submit_readings(patient, readings, source="fhir")
        return db.session().get(Reading, result["ids"][0])

    return _once(IDEMPOTENCY_SCOPE, identifier, body, patient, Reading, "reading", action,
                 create)


def create_response(principal: TeamScoped, patient_id: uuid.UUID, answered: dict[str, Any],
                    identifier: str | None, body: Any, action: str) -> tuple[Submission, bool]:
    """Store a QuestionnaireResponse through the app's submission service (scores,
    rules, alerts, advice), once per identifier."""
    patient = patients.get_patient(principal, patient_id, action)

    def create() -> Submission:
        result = intake.submit(patient, answered, source="fhir",
                               enrollment=enrollments.active_enrollment(patient))
        return db.session().get(Submission, result["id"])

    return _once(RESPONSE_SCOPE, identifier, body, patient, Submission, "submission", action,
                 create)


# -- the follow-up: CarePlan, Flag, Consent, Task -------------------------------------------
@dataclass(frozen=True)
class Record:
    """A table of patient records served as one FHIR resource type: its order (newest
    first) and how a FHIR ``status`` search narrows it."""

    model: Any
    resource: str
    object_type: str
    order: tuple[Any, ...]
    # FHIR status → the condition on the table that finds it (built at each search).
    statuses: dict[str, Callable[[], Any]] = field(default_factory=dict)

    def with_status(self, codes: Sequence[str]) -> Any:
        return or_(*(self.statuses[code]() for code in dict.fromkeys(codes)))


CARE_PLAN = Record(Enrollment, "CarePlan", "enrollment",
                   (Enrollment.created_at.desc(), Enrollment.id.desc()))
FLAG = Record(Alert, "Flag", "alert", (Alert.created_at.desc(), Alert.id.desc()),
              {"active": lambda: Alert.status.in_(("open", "acknowledged")),
               "inactive": lambda: Alert.status == "resolved"})
CONSENT = Record(Consent, "Consent", "consent", (Consent.given_at.desc(), Consent.id.desc()))
TASK = Record(Task, "Task", "task", (Task.due_at.desc(), Task.id.desc()),
              # (a pending task past its grace period is missed, as the app shows it)
              {"requested": lambda: and_(Task.status == "pending", Task.missed_at > now()),
               "completed": lambda: Task.status == "done",
               "failed": lambda: or_(Task.status == "missed", and_(
                   Task.status == "pending", Task.missed_at <= now()))})


def read_record(principal: TeamScoped, kind: Record, record_id: uuid.UUID,
                action: str) -> Any:
    """One record of a visible patient; otherwise NotFound and an audited refusal naming
    its patient (if it exists)."""
    session = db.session()
    model = kind.model
    row = session.scalar(_visible(select(model).where(model.id == record_id),
                                  model.patient_id, principal))
    if row is None:
        target = session.scalar(select(model.patient_id).where(model.id == record_id))
        raise _not_found(action, target, kind.object_type, record_id, kind.resource)
    audit.record(action, patient_id=row.patient_id, object_type=kind.object_type,
                 object_id=row.id)
    return row


def search_records(principal: TeamScoped, kind: Record, patient_id: uuid.UUID | None,
                   statuses: Sequence[str] | None, count: int, offset: int,
                   action: str) -> Page:
    query = _scoped(select(kind.model), kind.model.patient_id, principal, patient_id, action)
    if statuses is not None:
        query = query.where(kind.with_status(statuses))
    page = _page(query, kind.order, count, offset)
    audit.record_reads(action, (r.patient_id for r in page.rows))
    return page


def follow_up_ends(enrollments: Sequence[Enrollment]) -> dict[uuid.UUID, datetime]:
    """When each enrolment's follow-up ends (on its patient's clock)."""
    zones = dict(db.session().execute(select(Patient.id, Patient.timezone).where(
        Patient.id.in_({e.patient_id for e in enrollments}))).tuples().all())
    return {e.id: follow_up.ends_at(e, zones[e.patient_id]) for e in enrollments}


def notice_title(kind: str, version: int) -> str | None:
    found = notices.notice(kind, version)
    return found.title.get("fr") if found is not None else None


# -- Patient/{id}/$everything ---------------------------------------------------------------
@dataclass
class Everything:
    """What Suivi holds of one patient, each kind newest first and at most ``cap``
    (``truncated`` names the kinds that had more)."""

    patient: Patient
    observations: list[Reading | Score]
    responses: list[Submission]
    records: dict[str, list[Any]]
    truncated: list[str]


def everything(principal: TeamScoped, patient_id: uuid.UUID, cap: int,
               action: str) -> Everything:
    patient = patients.get_patient(principal, patient_id, action)
    session = db.session()
    truncated: list[str] = []

    def newest(query: Select, order: Sequence[Any], resource: str) -> list[Any]:
        rows = list(session.scalars(query.order_by(*order).limit(cap + 1)))
        if len(rows) > cap:
            truncated.append(resource)
        return rows[:cap]

    readings = newest(select(Reading).where(Reading.patient_id == patient.id,
                                            _not_in_a_panel()),
                      (Reading.measured_at.desc(), Reading.id.desc()), "Observation")
    scores = _search_scores(ObservationCriteria(patient_id=patient.id))
    if len(readings) + len(scores) > cap and "Observation" not in truncated:
        truncated.append("Observation")
    observations = [*readings, *scores][:cap]
    responses = newest(select(Submission).where(Submission.patient_id == patient.id),
                       (Submission.submitted_at.desc(), Submission.id.desc()),
                       "QuestionnaireResponse")
    records = {kind.resource: newest(select(kind.model).where(
        kind.model.patient_id == patient.id), kind.order, kind.resource)
        for kind in (CARE_PLAN, FLAG, CONSENT, TASK)}
    records["Communication"] = [
        *newest(select(Message).where(Message.patient_id == patient.id),
                (Message.created_at.desc(), Message.id.desc()), "Communication"),
        *newest(select(InboundEvent).where(InboundEvent.patient_id == patient.id,
                                           InboundEvent.kind == "sms"),
                (InboundEvent.received_at.desc(), InboundEvent.id.desc()), "Communication")]
    audit.record(action, patient_id=patient.id, object_type="patient", object_id=patient.id)
    return Everything(patient, observations, responses, records, truncated)


# -- Communication: messages sent and SMS received --------------------------------------------
def search_communications(principal: TeamScoped, patient_id: uuid.UUID | None, count: int,
                          offset: int, action: str) -> Page:
    """Messages sent and SMS received, newest first, merged from their two tables (an
    ``offset`` reads that many rows of each: the route bounds it)."""
    if patient_id is not None:
        patients.get_patient(principal, patient_id, action)
    sent = select(Message).where(Message.patient_id.is_not(None))
    received = select(InboundEvent).where(InboundEvent.kind == "sms",
                                          InboundEvent.patient_id.is_not(None))
    if patient_id is not None:
        sent = sent.where(Message.patient_id == patient_id)
        received = received.where(InboundEvent.patient_id == patient_id)
    else:
        sent = _visible(sent, Message.patient_id, principal)
        received = _visible(received, InboundEvent.patient_id, principal)
    first = _page(sent, (Message.created_at.desc(), Message.id.desc()), offset + count, 0)
    second = _page(received, (InboundEvent.received_at.desc(), InboundEvent.id.desc()),
                   offset + count, 0)
    rows = sorted([*first.rows, *second.rows], reverse=True, key=lambda row: (
        row.received_at if isinstance(row, InboundEvent) else row.created_at, str(row.id)))
    page = Page(rows[offset:offset + count], first.total + second.total)
    audit.record_reads(action, (r.patient_id for r in page.rows))
    return page


# -- AuditEvent: the trail, for administrators and the patient's team -------------------------
@dataclass
class AuditCriteria:
    patient_id: uuid.UUID | None = None
    agents: list[str] = field(default_factory=list)  # actor ids, any of them
    dates: list[DateRange] = field(default_factory=list)


def search_audit_events(principal: TeamScoped, criteria: AuditCriteria, count: int,
                        offset: int, action: str) -> Page:
    """The audit trail about the caller's patients (every patient for an administrator),
    newest first."""
    query = _scoped(select(AuditEvent).where(AuditEvent.patient_id.is_not(None)),
                    AuditEvent.patient_id, principal, criteria.patient_id, action)
    if criteria.agents:
        ids = []
        for agent in criteria.agents:
            try:
                ids.append(uuid.UUID(agent))
            except ValueError:
                continue  # no actor has such an id: nothing found for it
        query = query.where(AuditEvent.actor_id.in_(ids))
    for value in criteria.dates:
        query = query.where(_in_range(AuditEvent.at, value))
    page = _page(query, (AuditEvent.at.desc(), AuditEvent.id.desc()), count, offset)
    audit.record_reads(action, (e.patient_id for e in page.rows))
    return page


# -- Questionnaire: the stored versions -----------------------------------------------------
# A questionnaire's slug, as the content files name them (questionnaires/schemas).
SLUG = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")


def read_questionnaire(questionnaire_id: str) -> Any:
    """``{slug}.{version}`` (that version) or ``{slug}`` (the newest)."""
    slug, dot, version = questionnaire_id.partition(".")
    if not SLUG.fullmatch(slug):  # no such questionnaire, and nothing for a database
        raise NotFound("No such Questionnaire.")
    if not dot:
        return questionnaires.get(slug)
    number = whole_number(version, SQL_INT_MAX)
    found = questionnaires.version_of(slug, number) if number is not None else None
    if found is None:
        raise NotFound("No such Questionnaire.")
    return found


def search_questionnaires(slugs: list[str] | None) -> list[Any]:
    """The newest version of each questionnaire (of ``slugs`` only, when given)."""
    latest = questionnaires.latest()
    return [q for slug, q in sorted(latest.items()) if slugs is None or slug in slugs]
