"""FHIR reads and searches over the JSON API's own records, scoped like it: a caller
sees the patients of their care teams (``patients.services``), every read is audited
naming its patient, another team's patient is not found."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from backend import db
from backend.audit import services as audit
from backend.auth.principal import StaffPrincipal
from backend.errors import NotFound
from backend.fhir.resources import INS_SYSTEM, LOINC, POSTED_CODES, READING_SYSTEM
from backend.idempotency import services as idempotency
from backend.intake import services as intake
from backend.intake.models import Reading
from backend.patients import services as patients
from backend.patients.models import Patient, nir_index

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
def read_patient(principal: StaffPrincipal, patient_id: uuid.UUID, action: str) -> Patient:
    patient = patients.get_patient(principal, patient_id, action)
    audit.record(action, patient_id=patient.id, object_type="patient", object_id=patient.id)
    return patient


def search_patients(principal: StaffPrincipal, criteria: PatientCriteria, ipp_system: str,
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


def read_observation(principal: StaffPrincipal, observation_id: str, action: str) -> Reading:
    """A reading of a visible patient; otherwise NotFound and an audited refusal naming
    the reading's patient (if it exists)."""
    try:
        reading_id = uuid.UUID(observation_id)
    except ValueError:
        raise NotFound("No such Observation.") from None
    visible = patients.visible_patient_ids(principal)
    query = select(Reading).where(Reading.id == reading_id, _not_in_a_panel())
    if visible is not None:
        query = query.where(Reading.patient_id.in_(visible))
    reading = db.session().scalar(query)
    if reading is None:
        target = db.session().scalar(select(Reading.patient_id).where(Reading.id == reading_id))
        audit.record_refusal(action, patient_id=target, object_type="reading",
                             object_id=reading_id,
                             detail={"reason": "unknown or not in the caller's teams"})
        raise NotFound("No such Observation.")
    audit.record(action, patient_id=reading.patient_id, object_type="reading",
                 object_id=reading.id)
    return reading


def search_observations(principal: StaffPrincipal, criteria: ObservationCriteria,
                        count: int, offset: int, action: str) -> Page:
    query = select(Reading).where(_not_in_a_panel())
    if criteria.patient_id is not None:
        patients.get_patient(principal, criteria.patient_id, action)  # 404 if not theirs
        query = query.where(Reading.patient_id == criteria.patient_id)
    else:
        visible = patients.visible_patient_ids(principal)
        if visible is not None:
            query = query.where(Reading.patient_id.in_(visible))
    if criteria.codes is not None:
        query = query.where(Reading.type.in_(reading_types(criteria.codes)))
    if criteria.categories is not None and not any(
            code == "vital-signs" for _, code in criteria.categories):
        query = query.where(False)  # every reading is a vital sign (or kin)
    for value in criteria.dates:
        query = query.where(_in_range(Reading.measured_at, value))
    page = _page(query, (Reading.measured_at.desc(), Reading.id.desc()), count, offset)
    audit.record_reads(action, (r.patient_id for r in page.rows))
    return page


# -- a gateway's Observation -------------------------------------------------------------------
IDEMPOTENCY_SCOPE = "fhir:Observation"


def create_observation(principal: StaffPrincipal, patient_id: uuid.UUID,
                       readings: list[dict[str, Any]], identifier: str | None,
                       body: Any, action: str) -> tuple[Reading, bool]:
    """Store an Observation's readings through the app's intake (plausibility, units,
    rules, alerts): its first reading and True, or, for an identifier already received,
    the reading stored then and False (nothing stored again)."""
    patient = patients.get_patient(principal, patient_id, action)
    claimed = None
    if identifier is not None:
        # The identifier is the gateway's, perhaps naming the patient: only its hash kept.
        key = hashlib.sha256(identifier.encode()).hexdigest()
        claimed = idempotency.claim(IDEMPOTENCY_SCOPE, key, body, patient.id)
        if isinstance(claimed, idempotency.Replay):
            reading = db.session().get(Reading, uuid.UUID(claimed.body["id"]))
            assert reading is not None
            audit.record(f"{action}.replay", patient_id=patient.id, object_type="reading",
                         object_id=reading.id)
            return reading, False
    result = intake.submit_readings(patient, readings, source="fhir")
    reading = db.session().get(Reading, result["ids"][0])
    assert reading is not None
    if claimed is not None:
        idempotency.complete(claimed, 201, {"id": str(reading.id)})
    return reading, True
