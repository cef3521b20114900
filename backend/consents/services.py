"""Consents: recorded at enrolment, listed, withdrawn (which ends the follow-up)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from backend import db
from backend.audit import services as audit
from backend.auth.principal import StaffPrincipal
from backend.clock import now
from backend.consents import notices
from backend.consents.models import Consent
from backend.enrollments.ending import end_follow_up
from backend.enrollments.models import Enrollment
from backend.errors import Conflict, Invalid, NotFound
from backend.patients.models import Patient


def check_given(consent: dict | None) -> None:
    """Refuse an enrolment whose consent is missing, not given or names a notice that was
    never published (422 naming ``consent``), before anything is stored."""
    if not consent:
        raise Invalid("consent", "the patient's consent is required: {notice_version, "
                                 "given: true} after reading the information notice")
    kind = consent.get("kind", "telesurveillance")
    if consent.get("given") is not True:
        raise Invalid("consent", "the patient must have given their consent (given: true)")
    if notices.notice(kind, consent["notice_version"]) is None:
        raise Invalid("consent", f"no {kind} information notice version "
                                 f"{consent['notice_version']} "
                                 f"(current: {notices.current(kind).version})")


def record(principal: StaffPrincipal, enrollment: Enrollment, consent: dict) -> Consent:
    """The consent given for ``enrollment`` (checked by ``check_given``), collected by
    the principal now."""
    check_given(consent)
    row = Consent(patient_id=enrollment.patient_id, enrollment_id=enrollment.id,
                  kind=consent.get("kind", "telesurveillance"),
                  notice_version=consent["notice_version"],
                  channel=consent.get("channel", "in_person"), given_at=now(),
                  recorded_by=principal.user.id)
    session = db.session()
    session.add(row)
    session.flush()
    audit.record("consent.record", patient_id=enrollment.patient_id, object_type="consent",
                 object_id=row.id, detail={"kind": row.kind, "notice_version":
                                           row.notice_version, "channel": row.channel})
    return row


def consents_of(patient: Patient) -> list[Consent]:
    return list(db.session().scalars(select(Consent).where(Consent.patient_id == patient.id)
                                     .order_by(Consent.given_at, Consent.id)))


def withdraw(principal: StaffPrincipal, patient: Patient, consent_id: uuid.UUID) -> Consent:
    """The patient withdraws a consent: recorded with who took it, and its follow-up ends
    at once (no more reminders or messages; what was answered is kept)."""
    consent = db.session().get(Consent, consent_id)
    if consent is None or consent.patient_id != patient.id:
        raise NotFound("No such consent for this patient.")
    if consent.withdrawn_at is not None:
        raise Conflict(f"This consent was withdrawn on {consent.withdrawn_at:%Y-%m-%d}.",
                       field="consent")
    consent.withdrawn_at, consent.withdrawn_by = now(), principal.user.id
    audit.record("consent.withdraw", patient_id=patient.id, object_type="consent",
                 object_id=consent.id, detail={"kind": consent.kind})
    end_follow_up(db.session().get(Enrollment, consent.enrollment_id), "consent_withdrawn")
    return consent
