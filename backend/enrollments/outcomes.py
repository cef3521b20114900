"""The outcome of a follow-up, recorded by the care team at its end: a readmission, an
emergency visit or an unplanned consultation within 30 days of discharge, or none.

One outcome per enrolment, the most serious event (a readmission after an emergency
visit is a readmission) on the day it happened; a second recording replaces the first
(a correction). It feeds the indicators (backend.indicators: 30-day readmission rate).
The audit row names the patient and the enrolment, never the outcome (health data).
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from backend import db
from backend.audit import services as audit
from backend.auth.principal import StaffPrincipal
from backend.clock import now
from backend.enrollments.models import (
    FOLLOW_UP_OUTCOMES,
    OUTCOME_WINDOW_DAYS,
    Enrollment,
    FollowUpOutcome,
)
from backend.errors import Invalid
from backend.patients.models import Patient


def outcome_of(enrollment: Enrollment) -> FollowUpOutcome | None:
    return db.session().scalar(select(FollowUpOutcome).where(
        FollowUpOutcome.enrollment_id == enrollment.id))


def discharge_day(enrollment: Enrollment, timezone: str) -> date:
    return enrollment.discharge_at.astimezone(ZoneInfo(timezone)).date()


def record_outcome(principal: StaffPrincipal, patient: Patient, enrollment: Enrollment,
                   kind: str, event_date: date | None) -> FollowUpOutcome:
    """Record (or correct) the outcome; ``Invalid`` naming ``kind`` or ``date`` when the
    day is missing, needless, in the future or outside the 30 days after discharge."""
    if kind not in FOLLOW_UP_OUTCOMES:
        raise Invalid("kind", f"must be one of {', '.join(FOLLOW_UP_OUTCOMES)}")
    _check_date(patient, enrollment, kind, event_date)
    current = now()
    row = outcome_of(enrollment)
    if row is None:
        row = FollowUpOutcome(enrollment_id=enrollment.id, patient_id=patient.id,
                              created_at=current, kind=kind, recorded_by=principal.user.id,
                              updated_at=current)
        db.session().add(row)
    row.kind, row.event_date = kind, event_date
    row.recorded_by, row.updated_at = principal.user.id, current
    db.session().flush()
    audit.record("enrollment.outcome", patient_id=patient.id, object_type="enrollment",
                 object_id=enrollment.id)
    return row


def _check_date(patient: Patient, enrollment: Enrollment, kind: str,
                event_date: date | None) -> None:
    if kind == "none":
        if event_date is not None:
            raise Invalid("date", "no date with 'none' (nothing happened)")
        return
    if event_date is None:
        raise Invalid("date", f"the day of the {kind.replace('_', ' ')} is required")
    first = discharge_day(enrollment, patient.timezone)
    last = first + timedelta(days=OUTCOME_WINDOW_DAYS)
    today = now().astimezone(ZoneInfo(patient.timezone)).date()
    if event_date > today:
        raise Invalid("date", "is in the future")
    if not first <= event_date <= last:
        raise Invalid("date", f"must be within {OUTCOME_WINDOW_DAYS} days of discharge: "
                              f"from {first.isoformat()} to {last.isoformat()}")
