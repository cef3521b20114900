"""A patient's rights: a copy of their data (export) and the erasure of their contact data
(the medical content is kept for the legal retention, then purged: ``backend.rgpd.purge``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from backend import db
from backend.alerts.models import Alert
from backend.audit import services as audit
from backend.auth.models import ActivationCode, DeviceToken
from backend.auth.principal import StaffPrincipal
from backend.clock import now
from backend.consents import notices
from backend.consents import services as consents
from backend.enrollments.ending import end_follow_up
from backend.enrollments.models import Enrollment
from backend.errors import Conflict
from backend.formlinks.models import FormLink
from backend.intake.models import Reading, Submission
from backend.notifications.models import Message
from backend.patients.models import Patient
from backend.rgpd.models import ErasureRequest
from backend.teams.models import CareTeam
from backend.teleconsult.models import Teleconsultation
from backend.webhooks.models import InboundEvent

# At most this many rows of each kind in one export (a 90-day follow-up holds a few
# hundred): the answer stays bounded; ``truncated`` names the kinds cut, newest kept.
EXPORT_MOST = 2000


def _newest(query, column, most: int) -> tuple[list, bool]:
    rows = list(db.session().scalars(query.order_by(column.desc()).limit(most + 1)))
    return list(reversed(rows[:most])), len(rows) > most


def export_of(patient: Patient, most: int = EXPORT_MOST) -> dict[str, Any]:
    """Everything Suivi holds about the patient that is theirs to read: identity,
    enrolments, consents, answers, readings, the advice they were shown, the messages
    sent to them and their SMS replies, teleconsultations. The caller audits the read."""
    lang = patient.language
    truncated: list[str] = []

    def newest(name: str, query, column) -> list:
        rows, cut = _newest(query, column, most)
        if cut:
            truncated.append(name)
        return rows

    submissions = newest("submissions", select(Submission).where(
        Submission.patient_id == patient.id), Submission.submitted_at)
    readings = newest("readings", select(Reading).where(Reading.patient_id == patient.id),
                      Reading.measured_at)
    # The advice of each finding, as the patient was shown it (the alerts' other fields
    # are the ward's work, in the record the hospital keeps).
    alerts = newest("advice", select(Alert).where(Alert.patient_id == patient.id),
                    Alert.created_at)
    messages = newest("messages", select(Message).where(
        Message.patient_id == patient.id, Message.staff_id.is_(None)), Message.created_at)
    replies = newest("replies", select(InboundEvent).where(
        InboundEvent.patient_id == patient.id, InboundEvent.kind == "sms"),
        InboundEvent.received_at)
    visits = newest("teleconsultations", select(Teleconsultation).where(
        Teleconsultation.patient_id == patient.id), Teleconsultation.starts_at)
    enrollments = list(db.session().scalars(select(Enrollment).where(
        Enrollment.patient_id == patient.id).order_by(Enrollment.created_at)))
    teams = {t.id: t.name for t in db.session().scalars(select(CareTeam).where(
        CareTeam.id.in_({e.care_team_id for e in enrollments})))}
    return _plain({
        "exported_at": now(),
        "identity": {"id": patient.id, "given_name": patient.given_name,
                     "family_name": patient.family_name, "birth_date": patient.birth_date,
                     "sex": patient.sex, "phone": patient.phone, "email": patient.email,
                     "language": patient.language, "timezone": patient.timezone,
                     "hospital_id": patient.hospital_id, "sms_opt_out": patient.sms_opt_out},
        "enrollments": [{"id": e.id, "protocol": e.protocol.slug,
                         "protocol_version": e.protocol.version,
                         "protocol_title": e.protocol.title_en if lang == "en"
                         else e.protocol.title_fr,
                         "team": teams.get(e.care_team_id), "surgery_date": e.surgery_date,
                         "discharge_at": e.discharge_at, "channel": e.channel,
                         "status": e.status, "ended_at": e.ended_at} for e in enrollments],
        "consents": [{"id": c.id, "kind": c.kind, "notice_version": c.notice_version,
                      "channel": c.channel, "given_at": c.given_at,
                      "withdrawn_at": c.withdrawn_at, **_notice_read(c.kind, c.notice_version,
                                                                     lang)}
                     for c in consents.consents_of(patient)],
        "submissions": [{"id": s.id, "questionnaire": s.questionnaire,
                         "questionnaire_version": s.questionnaire_version,
                         "submitted_at": s.submitted_at, "source": s.source,
                         "answers": s.answers, "scores": s.scores} for s in submissions],
        "readings": [{"id": r.id, "type": r.type, "value": r.value, "unit": r.unit,
                      "measured_at": r.measured_at, "source": r.source} for r in readings],
        "advice": [{"at": a.created_at, "severity": a.severity,
                    "advice": a.advice.get(lang) or a.advice.get("fr")}
                   for a in alerts if a.advice],
        "messages": [{"at": m.created_at, "channel": m.channel, "status": m.status,
                      "body": None if m.body_erased_at else m.body} for m in messages],
        "replies": [{"at": r.received_at, "body": r.body} for r in replies],
        "teleconsultations": [{"starts_at": t.starts_at, "duration_minutes":
                               t.duration_minutes, "status": t.status} for t in visits],
        "truncated": truncated,
    })


def _notice_read(kind: str, version: int, lang: str) -> dict[str, str | None]:
    """The title and text of the information notice the patient read before consenting,
    in their language (the published version never changes)."""
    read = notices.notice(kind, version)
    if read is None:
        return {"notice_title": None, "notice_text": None}
    pick = "en" if lang == "en" else "fr"
    return {"notice_title": read.title.get(pick) or read.title["fr"],
            "notice_text": read.text.get(pick) or read.text["fr"]}


def _plain(value: Any) -> Any:
    """JSON values: timestamps and dates in ISO 8601, identifiers as text."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    return value


def erasure_of(patient: Patient) -> ErasureRequest | None:
    return db.session().scalar(select(ErasureRequest).where(
        ErasureRequest.patient_id == patient.id))


def pseudonym(patient: Patient) -> str:
    """The family name an erased record shows: stable, tells nothing."""
    return f"PSEUDO-{patient.id.hex[:8].upper()}"


def erase(principal: StaffPrincipal, patient: Patient, reason: str,
          note: str | None) -> tuple[ErasureRequest, bool]:
    """Erase the patient's contact data at their request (or at the end of their
    follow-up): every follow-up ends, every paired phone and code stops working, no
    message can reach them any more, their phone and e-mail are deleted; their names too
    when the record keeps the hospital's identifier (IPP), which still ties the medical
    content to the hospital's record for the legal retention (CSP R1112-7, 20 years;
    without it, the names are that tie and stay). Answers, readings and alerts are kept.
    The audit trail is untouched (append-only). Returns the request and whether the
    names were pseudonymised. A second erasure is a 409."""
    if erasure_of(patient) is not None:
        raise Conflict("This patient's contact data was erased already.", field="patient")
    current = now()
    session = db.session()
    for enrollment in session.scalars(select(Enrollment).where(
            Enrollment.patient_id == patient.id, Enrollment.status == "active")):
        end_follow_up(enrollment, "erasure")
    session.execute(update(DeviceToken).where(
        DeviceToken.patient_id == patient.id, DeviceToken.revoked_at.is_(None))
        .values(revoked_at=current))
    session.execute(update(DeviceToken).where(DeviceToken.patient_id == patient.id)
                    .values(push_token=None, label=None))
    session.execute(update(ActivationCode).where(
        ActivationCode.enrollment_id.in_(select(Enrollment.id).where(
            Enrollment.patient_id == patient.id)),
        ActivationCode.used_at.is_(None), ActivationCode.expires_at > current)
        .values(expires_at=current))
    session.execute(update(FormLink).where(
        FormLink.patient_id == patient.id, FormLink.used_at.is_(None),
        FormLink.expires_at > current).values(expires_at=current))
    patient.phone, patient.email, patient.sms_opt_out = None, None, True
    names = bool(patient.hospital_id)
    if names:
        patient.given_name, patient.family_name = "Patient", pseudonym(patient)
    patient.updated_at = current
    row = ErasureRequest(patient_id=patient.id, reason=reason, note=note or None,
                         requested_by=principal.user.id, erased_at=current)
    session.add(row)
    session.flush()
    audit.record("patient.erasure", patient_id=patient.id, object_type="patient",
                 object_id=patient.id, detail={"reason": reason, "names": names})
    return row, names
