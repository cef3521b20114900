"""Enrolment in a protocol version (the patient app's credentials are in
``backend.auth.patient_credentials``)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from backend import db
from backend.audit import services as audit
from backend.auth import patient_credentials as credentials
from backend.auth.models import ActivationCode
from backend.auth.principal import StaffPrincipal
from backend.clock import now
from backend.consents import services as consents
from backend.enrollments import channels, follow_up
from backend.enrollments.models import Enrollment
from backend.errors import Conflict, Forbidden, Invalid, NotFound
from backend.outbox import services as outbox
from backend.patients.models import Patient
from backend.protocols.models import ProtocolVersion
from backend.teams import services as teams

# Surgery more than this far from today is almost certainly a typing error.
MAX_SURGERY_DISTANCE = timedelta(days=365)


def protocol_version(slug: str, version: int | None) -> ProtocolVersion:
    query = select(ProtocolVersion).where(ProtocolVersion.slug == slug)
    if version is not None:
        query = query.where(ProtocolVersion.version == version)
    row = db.session().scalar(query.order_by(ProtocolVersion.version.desc()).limit(1))
    if row is None:
        raise Invalid("protocol" if version is None else "protocol_version",
                      f"no protocol '{slug}'" + (f" version {version}" if version else ""))
    return row


def enrol(principal: StaffPrincipal, patient: Patient, protocol: str, version: int | None,
          surgery_date: date, care_team: str | None,
          discharge_at: datetime | None = None, channel: str = "app",
          carer_measures: bool = False, *,
          consent: dict | None) -> tuple[Enrollment, credentials.IssuedCode]:
    """Enrol the patient, with the consent they gave after reading the information
    notice (``{notice_version, given: true}``; without it nothing is stored)."""
    current = now()
    consents.check_given(consent)
    channels.check_channel(patient, channel)
    if abs(surgery_date - current.date()) > MAX_SURGERY_DISTANCE:
        raise Invalid("surgery_date", "must be within a year of today")
    discharge_at = (discharge_at or current).astimezone(UTC)
    if abs(discharge_at - current) > MAX_SURGERY_DISTANCE:
        raise Invalid("discharge_at", "must be within a year of now")
    if discharge_at.astimezone(ZoneInfo(patient.timezone)).date() < surgery_date:
        raise Invalid("discharge_at", f"is before the surgery date {surgery_date.isoformat()} "
                                      "(in the patient's time zone)")
    team_id = patient.care_team_id
    if care_team:
        team = teams.team_by_slug(care_team, field="care_team")
        if principal.role != "admin" and team.id not in principal.team_ids:
            raise Invalid("care_team", "you are not a member of this care team")
        team_id = team.id
    proto = protocol_version(protocol, version)
    session = db.session()
    _refuse_second_active(patient, proto.slug)
    enrollment = Enrollment(patient_id=patient.id, protocol_version_id=proto.id,
                            care_team_id=team_id, surgery_date=surgery_date,
                            discharge_at=discharge_at, enrolled_by=principal.user.id,
                            created_at=current, channel=channel,
                            carer_measures=carer_measures)
    session.add(enrollment)
    session.flush()
    # Not the protocol: its name tells the operation or the illness.
    audit.record("enrollment.create", patient_id=patient.id, object_type="enrollment",
                 object_id=enrollment.id,
                 detail={"channel": channel, "carer_measures": carer_measures})
    consents.record(principal, enrollment, consent)
    channels.welcome(enrollment)
    return enrollment, credentials.issue_activation_code(enrollment.id, patient.id)


def set_carer_measures(patient: Patient, enrollment: Enrollment, carer: bool) -> Enrollment:
    """A carer or visiting nurse starts (or stops) measuring breathing rate and
    consciousness: from now on they are asked and required for a NEWS2 set, or not."""
    follow_up.ensure_ongoing(enrollment, "carer_measures")
    previous = bool(enrollment.carer_measures)
    enrollment.carer_measures = carer
    audit.record("enrollment.carer", patient_id=patient.id, object_type="enrollment",
                 object_id=enrollment.id, detail={"from": previous, "to": carer})
    return enrollment


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
        raise Conflict(f"the patient already has an active enrolment in {slug} "
                       f"(version {running.protocol.version}, enrolled "
                       f"{running.created_at:%Y-%m-%d}, id {running.id}); one active "
                       "enrolment per protocol: move that one to another version instead",
                       field="protocol")


def active_enrollment(patient: Patient,
                      missing: str = "The patient has no active enrolment.") -> Enrollment:
    """The patient's current enrolment, or a conflict saying ``missing``."""
    enrollment = db.session().scalar(select(Enrollment).where(
        Enrollment.patient_id == patient.id, Enrollment.status == "active")
        .order_by(Enrollment.created_at.desc()).limit(1))
    if enrollment is None:
        raise Conflict(missing)
    return enrollment


def followed(patient: Patient) -> Enrollment:
    """The patient's ongoing follow-up, for what their app sends or is asked. When it
    ended early (consent withdrawn), the app is refused in the patient's words with the
    kind it stops on (``follow_up_ended``), as after its token's end: a conflict would
    have it send the answers it holds again every minute for the week its token lasts."""
    try:
        return active_enrollment(patient)
    except Conflict:
        raise Forbidden(follow_up.over_message(latest_enrollment(patient), patient.language,
                                               patient.timezone),
                        kind=follow_up.FOLLOW_UP_ENDED) from None


def latest_enrollment(patient: Patient) -> Enrollment | None:
    """The patient's active enrolment, else the last one (its team still knows the
    patient); None if the patient was never enrolled."""
    return db.session().scalar(select(Enrollment).where(Enrollment.patient_id == patient.id)
                               .order_by((Enrollment.status == "active").desc(),
                                         Enrollment.created_at.desc()).limit(1))


def get_enrollment(patient: Patient, enrollment_id: uuid.UUID) -> Enrollment:
    enrollment = db.session().get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.patient_id != patient.id:
        raise NotFound("No such enrolment for this patient.")
    return enrollment


def enrollments_of(patient: Patient) -> list[Enrollment]:
    return list(db.session().scalars(select(Enrollment)
                                     .where(Enrollment.patient_id == patient.id)
                                     .order_by(Enrollment.created_at)))


def new_activation_code(patient: Patient, enrollment: Enrollment) -> credentials.IssuedCode:
    """A new code for the patient's phone (lost code, new phone), while the follow-up
    runs; earlier unused codes of the enrolment stop working."""
    follow_up.ensure_ongoing(enrollment, "enrollment_id", "no phone can be paired to it")
    return credentials.issue_activation_code(enrollment.id, patient.id)


def send_activation_sms(patient: Patient, enrollment: Enrollment, code: str) -> ActivationCode:
    """Send a live activation code of this enrolment to the patient's phone, once.

    The message carries the code and nothing about the patient's health. The code waits
    in the outbox entry only until it is sent (then the entry forgets it), and the stored
    copy of the SMS masks it, so the database keeps no usable code."""
    follow_up.ensure_ongoing(enrollment, "activation_code", "no phone can be paired to it")
    row = credentials.live_activation_code(code, enrollment.id)
    if row is None:
        raise Invalid("activation_code", "unknown, already used or expired")
    if not patient.phone:
        raise Conflict("the patient has no phone number", field="phone")
    if patient.sms_opt_out:
        raise Conflict("The patient has opted out of SMS.")
    outbox.add("enrollment.activation_sms",
               {"enrollment_id": str(enrollment.id), "code": code},
               dedupe_key=f"activation-sms:{row.id}", queue="high")
    audit.record("enrollment.activation_sms", patient_id=patient.id,
                 object_type="enrollment", object_id=enrollment.id)
    return row
