"""Enrolment in a protocol version, activation of the patient app, device tokens."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import segno
from flask import current_app
from sqlalchemy import select, update

from backend import db
from backend.api import abort, field_error
from backend.audit import services as audit
from backend.auth.principal import DEVICE_TOKEN_PREFIX, StaffPrincipal
from backend.clock import now
from backend.enrollments.models import ActivationCode, DeviceToken, Enrollment
from backend.outbox import services as outbox
from backend.patients.models import Patient
from backend.protocols.models import ProtocolVersion
from backend.security import code_digest, new_code, new_token, token_hash
from backend.teams import services as teams

# Surgery more than this far from today is almost certainly a typing error.
MAX_SURGERY_DISTANCE = timedelta(days=365)


@dataclass(frozen=True)
class IssuedCode:
    code: str
    expires_at: object

    @property
    def qr_svg(self) -> str:
        return segno.make(self.code, error="m").svg_data_uri(scale=6)


def protocol_version(slug: str, version: int | None) -> ProtocolVersion:
    query = select(ProtocolVersion).where(ProtocolVersion.slug == slug)
    if version is not None:
        query = query.where(ProtocolVersion.version == version)
    row = db.session().scalar(query.order_by(ProtocolVersion.version.desc()).limit(1))
    if row is None:
        field_error("protocol" if version is None else "protocol_version",
                    f"no protocol '{slug}'" + (f" version {version}" if version else ""))
    return row


def enrol(principal: StaffPrincipal, patient: Patient, protocol: str, version: int | None,
          surgery_date: date, care_team: str | None,
          discharge_at: datetime | None = None) -> tuple[Enrollment, IssuedCode]:
    current = now()
    if abs(surgery_date - current.date()) > MAX_SURGERY_DISTANCE:
        field_error("surgery_date", "must be within a year of today")
    discharge_at = (discharge_at or current).astimezone(UTC)
    if abs(discharge_at - current) > MAX_SURGERY_DISTANCE:
        field_error("discharge_at", "must be within a year of now")
    if discharge_at.astimezone(ZoneInfo(patient.timezone)).date() < surgery_date:
        field_error("discharge_at", f"is before the surgery date {surgery_date.isoformat()} "
                                    "(in the patient's time zone)")
    team_id = patient.care_team_id
    if care_team:
        team = teams.team_by_slug(care_team, field="care_team")
        if principal.role != "admin" and team.id not in principal.team_ids:
            field_error("care_team", "you are not a member of this care team")
        team_id = team.id
    proto = protocol_version(protocol, version)
    session = db.session()
    _refuse_second_active(patient, proto.slug)
    enrollment = Enrollment(patient_id=patient.id, protocol_version_id=proto.id,
                            care_team_id=team_id, surgery_date=surgery_date,
                            discharge_at=discharge_at, enrolled_by=principal.user.id,
                            created_at=current)
    session.add(enrollment)
    session.flush()
    audit.record("enrollment.create", patient_id=patient.id, object_type="enrollment",
                 object_id=enrollment.id, detail={"protocol": proto.slug,
                                                  "version": proto.version})
    return enrollment, issue_activation_code(enrollment)


def _refuse_second_active(patient: Patient, slug: str) -> None:
    """Two active enrolments in one protocol would plan every task and raise every alert
    twice: a 409 that says which enrolment is already running."""
    session = db.session()
    # Two nurses enrolling the same patient at once: the second waits for the first
    # (PostgreSQL; SQLite transactions are serialised already) and then sees it.
    session.execute(select(Patient.id).where(Patient.id == patient.id).with_for_update())
    running = session.scalar(select(Enrollment).join(ProtocolVersion).where(
        Enrollment.patient_id == patient.id, Enrollment.status == "active",
        ProtocolVersion.slug == slug).limit(1))
    if running is not None:
        field_error("protocol", f"the patient already has an active enrolment in {slug} "
                                f"(version {running.protocol.version}, enrolled "
                                f"{running.created_at:%Y-%m-%d}, id {running.id}); one "
                                "active enrolment per protocol: move that one to another "
                                "version instead", code=409)


def issue_activation_code(enrollment: Enrollment) -> IssuedCode:
    """A new single-use code for the patient's phone; earlier unused codes stop working."""
    session = db.session()
    current = now()
    session.execute(update(ActivationCode)
                    .where(ActivationCode.enrollment_id == enrollment.id,
                           ActivationCode.used_at.is_(None), ActivationCode.expires_at > current)
                    .values(expires_at=current))
    code = new_code(10)
    expires_at = current + timedelta(seconds=current_app.config["SUIVI_ACTIVATION_CODE_TTL"])
    session.add(ActivationCode(enrollment_id=enrollment.id, code_hash=code_digest(code),
                               created_at=current, expires_at=expires_at))
    audit.record("enrollment.activation_code", patient_id=enrollment.patient_id,
                 object_type="enrollment", object_id=enrollment.id)
    return IssuedCode(code=code, expires_at=expires_at)


def active_enrollment(patient: Patient,
                      missing: str = "The patient has no active enrolment.") -> Enrollment:
    """The patient's current enrolment, or a 409 saying ``missing``."""
    enrollment = db.session().scalar(select(Enrollment).where(
        Enrollment.patient_id == patient.id, Enrollment.status == "active")
        .order_by(Enrollment.created_at.desc()).limit(1))
    if enrollment is None:
        abort(409, missing)
    return enrollment


def latest_enrollment(patient: Patient) -> Enrollment | None:
    """The patient's active enrolment, else the last one (its team still knows the
    patient); None if the patient was never enrolled."""
    return db.session().scalar(select(Enrollment).where(Enrollment.patient_id == patient.id)
                               .order_by((Enrollment.status == "active").desc(),
                                         Enrollment.created_at.desc()).limit(1))


def get_enrollment(patient: Patient, enrollment_id: uuid.UUID) -> Enrollment:
    enrollment = db.session().get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.patient_id != patient.id:
        abort(404, "No such enrolment for this patient.")
    return enrollment


def enrollments_of(patient: Patient) -> list[Enrollment]:
    return list(db.session().scalars(select(Enrollment)
                                     .where(Enrollment.patient_id == patient.id)
                                     .order_by(Enrollment.created_at)))


def activate(code: str, label: str | None) -> tuple[str, Patient]:
    """Exchange an activation code for a device token (returned once, stored hashed)."""
    audit.throttle_address("patient.activate")
    session = db.session()
    row = session.scalar(select(ActivationCode)
                         .where(ActivationCode.code_hash == code_digest(code)))
    if row is None or row.used_at is not None or row.expires_at <= now():
        audit.record_refusal("patient.activate", outcome="failure",
                             detail={"reason": "unknown, used or expired code"})
        abort(422, "activation_code: this code is unknown, already used or expired; "
                   "ask your care team for a new one.",
              errors={"json": {"activation_code": ["unknown, already used or expired"]}})
    row.used_at = now()
    enrollment = session.get(Enrollment, row.enrollment_id)
    token = new_token(DEVICE_TOKEN_PREFIX)
    device = DeviceToken(patient_id=enrollment.patient_id, token_hash=token_hash(token),
                         label=label, created_at=now())
    session.add(device)
    session.flush()
    audit.record("patient.activate", actor=("patient", enrollment.patient_id),
                 patient_id=enrollment.patient_id, object_type="device_token",
                 object_id=device.id)
    return token, session.get(Patient, enrollment.patient_id)


def devices_of(patient: Patient) -> list[DeviceToken]:
    return list(db.session().scalars(select(DeviceToken)
                                     .where(DeviceToken.patient_id == patient.id)
                                     .order_by(DeviceToken.created_at)))


def revoke_device(patient_id: uuid.UUID, device_id: uuid.UUID) -> None:
    device = db.session().get(DeviceToken, device_id)
    if device is None or device.patient_id != patient_id:
        abort(404, "No such device for this patient.")
    if device.revoked_at is None:
        device.revoked_at = now()
    audit.record("device.revoke", patient_id=patient_id, object_type="device_token",
                 object_id=device_id)


def masked_phone(phone: str) -> str:
    """"+33 6 •• •• •• 78": enough for the nurse to check the number with the patient."""
    return f"{phone[:-8]} •• •• •• {phone[-2:]}" if len(phone) > 8 else "••"


def send_activation_sms(patient: Patient, enrollment: Enrollment, code: str) -> ActivationCode:
    """Send a live activation code of this enrolment to the patient's phone, once.

    The message carries the code and nothing about the patient's health. The code waits
    in the outbox entry only until it is sent (then the entry forgets it), and the stored
    copy of the SMS masks it, so the database keeps no usable code."""
    row = db.session().scalar(select(ActivationCode).where(
        ActivationCode.code_hash == code_digest(code),
        ActivationCode.enrollment_id == enrollment.id))
    if row is None or row.used_at is not None or row.expires_at <= now():
        field_error("activation_code", "unknown, already used or expired")
    if not patient.phone:
        field_error("phone", "the patient has no phone number", code=409)
    if patient.sms_opt_out:
        abort(409, "The patient has opted out of SMS.")
    outbox.add("enrollment.activation_sms",
               {"enrollment_id": str(enrollment.id), "code": code},
               dedupe_key=f"activation-sms:{row.id}", queue="high")
    audit.record("enrollment.activation_sms", patient_id=patient.id,
                 object_type="enrollment", object_id=enrollment.id)
    return row
