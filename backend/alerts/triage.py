"""The nurse's queue by patient: one row per patient with open work, and the steps a
nurse takes on all of one patient's alerts at once.

A nurse follows 80 to 100 patients; she calls a patient, not an alert. The row carries
what she needs to decide whom to call first (highest severity, earliest deadline,
overdue count) and what to say (post-operative day, protocol, last contact).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from backend import db
from backend.alerts import services as alerts
from backend.alerts.models import Alert
from backend.audit import services as audit
from backend.auth.principal import StaffPrincipal
from backend.clock import now
from backend.enrollments.models import Enrollment
from backend.errors import Conflict
from backend.intake.models import Reading, Submission
from backend.patients.models import Patient
from backend.patients.services import get_patient
from rules.model import SEVERITY_RANK

# What a bulk step acts on: acknowledging takes the new alerts, resolving closes them all.
BULK_STATUSES = {"acknowledge": ("open",), "resolve": ("open", "acknowledged")}


@dataclass
class TriageRow:
    patient: Patient
    enrollment: Enrollment | None
    alerts: list[Alert]
    last_contact: datetime | None
    at: datetime
    counts: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.counts = {level: sum(a.severity == level for a in self.alerts)
                       for level in ("high", "medium", "low")}

    @property
    def highest_severity(self) -> str:
        return max((a.severity for a in self.alerts), key=SEVERITY_RANK.__getitem__)

    @property
    def earliest_due(self) -> datetime:
        """The deadline to meet first: of the alerts nobody has taken yet, else of all."""
        waiting = [a.due_by for a in self.alerts if a.status == "open"]
        return min(waiting or [a.due_by for a in self.alerts])

    @property
    def overdue(self) -> int:
        return sum(a.status == "open" and a.due_by <= self.at for a in self.alerts)

    @property
    def postop_day(self) -> int | None:
        if self.enrollment is None:
            return None
        return postop_day(self.enrollment.surgery_date, self.patient.timezone, self.at)

    def sort_key(self) -> tuple:
        return (-SEVERITY_RANK[self.highest_severity], -self.overdue, self.earliest_due,
                min(a.created_at for a in self.alerts), str(self.patient.id))


def postop_day(surgery_date: date, timezone: str, at: datetime) -> int:
    """Days since the operation on the patient's own calendar (day 0: the surgery)."""
    return (at.astimezone(ZoneInfo(timezone)).date() - surgery_date).days


def triage(principal: StaffPrincipal, filters: dict[str, Any]) -> list[TriageRow]:
    """One row per visible patient with open or acknowledged alerts, the most urgent
    first: highest severity, then most overdue alerts, then earliest deadline."""
    query = alerts.team_alerts(principal).where(Alert.status.in_(["open", "acknowledged"]))
    current = now()
    if not filters.get("include_snoozed"):
        query = query.where((Alert.snoozed_until.is_(None)) | (Alert.snoozed_until <= current))
    session = db.session()
    by_patient: dict[uuid.UUID, list[Alert]] = {}
    for alert in session.scalars(query.order_by(Alert.severity_rank.desc(), Alert.created_at,
                                                Alert.id)):
        by_patient.setdefault(alert.patient_id, []).append(alert)
    if filters.get("severity"):
        wanted = set(filters["severity"])
        by_patient = {pid: rows for pid, rows in by_patient.items()
                      if any(a.severity in wanted for a in rows)}
    ids = list(by_patient)
    patients = {p.id: p for p in session.scalars(select(Patient).where(Patient.id.in_(ids)))}
    enrollments = active_enrollments(ids)
    contacts = last_contacts(ids)
    rows = sorted((TriageRow(patients[pid], enrollments.get(pid), rows, contacts.get(pid),
                             current) for pid, rows in by_patient.items()),
                  key=TriageRow.sort_key)
    audit.record_reads("triage.list", (row.patient.id for row in rows))
    return rows


def active_enrollments(patient_ids: list[uuid.UUID]) -> dict[uuid.UUID, Enrollment]:
    """The latest active enrolment of each patient, in one query."""
    out: dict[uuid.UUID, Enrollment] = {}
    for row in db.session().scalars(select(Enrollment).where(
            Enrollment.patient_id.in_(patient_ids), Enrollment.status == "active")
            .order_by(Enrollment.created_at)):
        out[row.patient_id] = row
    return out


def last_contacts(patient_ids: list[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """When each patient last sent something (answers or readings): two grouped queries."""
    session = db.session()
    out: dict[uuid.UUID, datetime] = {}
    for column, model in ((Submission.submitted_at, Submission),
                          (Reading.measured_at, Reading)):
        for patient_id, latest in session.execute(
                select(model.patient_id, func.max(column))
                .where(model.patient_id.in_(patient_ids)).group_by(model.patient_id)):
            if patient_id not in out or latest > out[patient_id]:
                out[patient_id] = latest
    return out


def act_on_patient(principal: StaffPrincipal, patient_id: uuid.UUID, event: str,
                   **args: Any) -> tuple[Patient, list[Alert]]:
    """Apply ``event`` to every alert of the patient it concerns, in the request's one
    transaction: each alert gets its own event and audit row, as if done one by one,
    and a refusal of any of them leaves all of them as they were."""
    patient = get_patient(principal, patient_id, f"alert.bulk_{event}")
    targets = list(db.session().scalars(
        alerts.visible_alerts(principal).where(Alert.patient_id == patient.id,
                                               Alert.status.in_(BULK_STATUSES[event]))
        .order_by(Alert.severity_rank.desc(), Alert.created_at, Alert.id)))
    if not targets:
        raise Conflict("The patient has no alert to acknowledge." if event == "acknowledge"
                       else "The patient has no open alert.")
    done = [alerts.act(principal, alert, event, **args) for alert in targets]
    audit.record(f"alert.bulk_{event}", patient_id=patient.id, object_type="patient",
                 object_id=patient.id, detail={"alert_ids": [str(a.id) for a in done]})
    return patient, done
