"""Patient records, seen only by the staff of the patient's care teams."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, or_, select, union

from backend import db
from backend.audit import services as audit
from backend.auth.principal import StaffPrincipal, TeamScoped
from backend.clock import TIME_ZONES, now
from backend.enrollments.models import Enrollment
from backend.errors import Invalid, NotFound
from backend.patients.models import Patient, phone_index
from backend.teams import services as teams

# No one alive was born earlier (the oldest person ever recorded was born in 1875): an
# earlier year is a typing mistake (0950 for 1950), which would make every age wrong.
EARLIEST_BIRTH_DATE = date(1900, 1, 1)


def visible_patient_ids(principal: TeamScoped) -> Select | None:
    """The ids of the patients the principal may see: those their teams follow and those
    enrolled with their teams; None for administrators (all, audited).

    Two indexed lookups joined by a UNION: written as one ``OR`` of the two, the
    database reads every patient of the hospital to find a team's."""
    if principal.role == "admin":
        return None
    return union(
        select(Patient.id).where(Patient.care_team_id.in_(principal.team_ids)),
        select(Enrollment.patient_id).where(Enrollment.care_team_id.in_(principal.team_ids)))


def visible_patients(principal: TeamScoped) -> Select:
    """Patients the principal may see: those of their teams (administrators: all, audited)."""
    ids = visible_patient_ids(principal)
    return select(Patient) if ids is None else select(Patient).where(Patient.id.in_(ids))


def care_team_ids(patient: Patient) -> set[uuid.UUID]:
    """The patient's care teams: the one that follows the record and those of their
    enrolments (the teams whose staff see the patient)."""
    return care_teams_of([patient.id])[patient.id]


def care_teams_of(patient_ids: list[uuid.UUID]) -> dict[uuid.UUID, set[uuid.UUID]]:
    """``care_team_ids`` of several patients in one query."""
    teams: dict[uuid.UUID, set[uuid.UUID]] = {pid: set() for pid in patient_ids}
    for pid, team in db.session().execute(
            select(Patient.id, Patient.care_team_id).where(Patient.id.in_(patient_ids))
            .union(select(Enrollment.patient_id, Enrollment.care_team_id)
                   .where(Enrollment.patient_id.in_(patient_ids)))):
        teams[pid].add(team)
    return teams


def get_patient(principal: TeamScoped, patient_id: uuid.UUID, action: str) -> Patient:
    """The patient if visible to the principal (staff, or an integration client bound to a
    team); otherwise NotFound and an audited refusal.

    Not found rather than forbidden: another hospital team (or its systems) must not learn
    that the identifier exists.
    """
    patient = db.session().scalar(visible_patients(principal).where(Patient.id == patient_id))
    if patient is None:
        audit.record_refusal(action, patient_id=patient_id, object_type="patient",
                             object_id=patient_id, detail={"reason": "not in the caller's teams"})
        raise NotFound("No such patient.")
    return patient


def list_patients(principal: StaffPrincipal, search: str | None, limit: int,
                  offset: int) -> list[Patient]:
    query = visible_patients(principal)
    if search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(or_(Patient.family_name.ilike(pattern),
                                Patient.given_name.ilike(pattern),
                                Patient.hospital_id.ilike(pattern)))
    query = query.order_by(Patient.family_name, Patient.given_name, Patient.id)
    patients = list(db.session().scalars(query.limit(limit).offset(offset)))
    audit.record_reads("patient.list", (p.id for p in patients))
    return patients


def names_of(patient_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """"FAMILY Given" of each patient, for a page that names them (the caller checked
    that its reader may, and records the read)."""
    ids = list(patient_ids)
    if not ids:
        return {}
    return {row.id: f"{row.family_name.upper()} {row.given_name}" for row in db.session()
            .execute(select(Patient.id, Patient.family_name, Patient.given_name)
                     .where(Patient.id.in_(ids)))}


def age_on(birth_date: date, day: date) -> int:
    """Age in whole years on ``day``."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month,
                                                                  birth_date.day))


def _check(fields: dict[str, Any]) -> None:
    if "timezone" in fields and fields["timezone"] not in TIME_ZONES:
        raise Invalid("timezone", f"unknown time zone '{fields['timezone']}' (e.g. Europe/Paris)")
    if "birth_date" in fields and fields["birth_date"] > now().date():
        raise Invalid("birth_date", "is in the future")
    if "birth_date" in fields and fields["birth_date"] < EARLIEST_BIRTH_DATE:
        raise Invalid("birth_date", f"is before {EARLIEST_BIRTH_DATE.year}: check the year")


def _ins(fields: dict[str, Any], patient: Patient | None = None) -> None:
    """The NIR and its status go together: a NIR without a status is provisoire, a status
    without a NIR is refused, removing the NIR removes its status."""
    if "ins_nir" not in fields and "ins_status" not in fields:
        return
    nir = fields.get("ins_nir", patient.ins_nir if patient else None)
    if nir is None:
        if fields.get("ins_status") is not None:
            raise Invalid("ins_status", "requires ins_nir (the NIR of the INS)")
        fields["ins_status"] = None
    elif fields.get("ins_status", patient.ins_status if patient else None) is None:
        fields["ins_status"] = "provisoire"


def create_patient(principal: StaffPrincipal, fields: dict[str, Any]) -> Patient:
    _check(fields)
    _ins(fields)
    team_slug = fields.pop("care_team", None)
    if team_slug:
        team = teams.team_by_slug(team_slug, field="care_team")
        if principal.role != "admin" and team.id not in principal.team_ids:
            raise Invalid("care_team", "you are not a member of this care team")
        team_id = team.id
    elif len(principal.team_ids) == 1:
        (team_id,) = principal.team_ids
    else:
        raise Invalid("care_team", "required when you belong to several care teams (or none)")
    current = now()
    patient = Patient(care_team_id=team_id, created_at=current, updated_at=current, **fields)
    session = db.session()
    session.add(patient)
    session.flush()
    audit.record("patient.create", patient_id=patient.id, object_type="patient",
                 object_id=patient.id)
    _trace_shared_number(patient)
    return patient


def update_patient(patient: Patient, changes: dict[str, Any]) -> Patient:
    _check(changes)
    _ins(changes, patient)
    for name, value in changes.items():
        setattr(patient, name, value)
    patient.updated_at = now()
    audit.record("patient.update", patient_id=patient.id, object_type="patient",
                 object_id=patient.id, detail={"fields": sorted(changes)})
    if "phone" in changes:
        _trace_shared_number(patient)
    return patient


def _trace_shared_number(patient: Patient) -> None:
    """A number may be shared across wards (a couple followed by two services), and an
    SMS from it then reaches each ward, words included (never lost, never attributed by
    guess). So that no one can quietly read another ward's patient's messages by giving
    that number to a patient of their own, the other patient's trail says who did."""
    for other in with_phone(patient.phone).patients:
        if other.id != patient.id and other.care_team_id != patient.care_team_id:
            audit.record("patient.phone_shared", patient_id=other.id, object_type="patient",
                         object_id=patient.id)


@dataclass(frozen=True)
class PhoneMatch:
    """The patients whose record holds a phone number. A number is not an identity (an
    elderly couple shares one, a phone changes hands): whoever looks patients up by number
    handles each case, ``none``, ``one`` or ``shared``; there is no "first"."""

    patients: tuple[Patient, ...]

    @property
    def none(self) -> bool:
        return not self.patients

    @property
    def one(self) -> Patient | None:
        """The patient, when the number names exactly one."""
        return self.patients[0] if len(self.patients) == 1 else None

    @property
    def shared(self) -> bool:
        return len(self.patients) > 1


def with_phone(phone: str | None) -> PhoneMatch:
    """Every patient whose phone is ``phone`` (oldest record first: a stable order)."""
    if not phone:
        return PhoneMatch(())
    # Numbers are sealed at rest: found by their keyed hash (backend/crypto.py).
    return PhoneMatch(tuple(db.session().scalars(
        select(Patient).where(Patient.phone_index == phone_index(phone))
        .order_by(Patient.created_at, Patient.id))))
