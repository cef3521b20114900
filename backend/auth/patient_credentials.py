"""The patient app's credentials: activation codes, issued for an enrolment and exchanged
once, and the device tokens they are exchanged for (hashed at rest, revocable).

Staff sign-in is in ``services``; ``principal`` finds the device token of a request.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import segno
from flask import current_app
from sqlalchemy import select, update

from backend import db
from backend.audit import services as audit
from backend.auth.models import ActivationCode, DeviceToken
from backend.auth.principal import DEVICE_TOKEN_PREFIX
from backend.clock import now
from backend.errors import InvalidValues, NotFound
from backend.security import code_digest, new_code, new_token, token_hash


@dataclass(frozen=True)
class IssuedCode:
    code: str
    expires_at: datetime

    @property
    def qr_svg(self) -> str:
        return segno.make(self.code, error="m").svg_data_uri(scale=6)


def issue_activation_code(enrollment_id: uuid.UUID, patient_id: uuid.UUID) -> IssuedCode:
    """A new single-use code for the patient's phone; earlier unused codes of the
    enrolment stop working."""
    session = db.session()
    current = now()
    session.execute(update(ActivationCode)
                    .where(ActivationCode.enrollment_id == enrollment_id,
                           ActivationCode.used_at.is_(None), ActivationCode.expires_at > current)
                    .values(expires_at=current))
    code = new_code(10)
    expires_at = current + timedelta(seconds=current_app.config["SUIVI_ACTIVATION_CODE_TTL"])
    session.add(ActivationCode(enrollment_id=enrollment_id, code_hash=code_digest(code),
                               created_at=current, expires_at=expires_at))
    audit.record("enrollment.activation_code", patient_id=patient_id,
                 object_type="enrollment", object_id=enrollment_id)
    return IssuedCode(code=code, expires_at=expires_at)


def live_activation_code(code: str,
                         enrollment_id: uuid.UUID | None = None) -> ActivationCode | None:
    """The activation code typed as ``code`` (issued for that enrolment, when given),
    or None when it is unknown, already used or expired."""
    query = select(ActivationCode).where(ActivationCode.code_hash == code_digest(code))
    if enrollment_id is not None:
        query = query.where(ActivationCode.enrollment_id == enrollment_id)
    row = db.session().scalar(query)
    if row is None or row.used_at is not None or row.expires_at <= now():
        return None
    return row


def redeem_activation_code(code: str) -> uuid.UUID:
    """Use up a live activation code: the enrolment it was issued for. A refused code is
    audited (someone may be guessing).

    One conditional UPDATE checks and marks the code: of two requests with the same code
    at the same moment the database lets one through, and the other finds it used (a
    read, then a write, would let both pair a phone)."""
    current = now()
    enrollment_id = db.session().scalar(
        update(ActivationCode)
        .where(ActivationCode.code_hash == code_digest(code), ActivationCode.used_at.is_(None),
               ActivationCode.expires_at > current)
        .values(used_at=current).returning(ActivationCode.enrollment_id),
        execution_options={"synchronize_session": False})
    if enrollment_id is None:
        audit.record_refusal("patient.activate", outcome="failure",
                             detail={"reason": "unknown, used or expired code"})
        raise InvalidValues({"activation_code": ["unknown, already used or expired"]},
                            "activation_code: this code is unknown, already used or expired; "
                            "ask your care team for a new one.")
    return enrollment_id


def pair_device(patient_id: uuid.UUID, enrollment_id: uuid.UUID,
                label: str | None) -> tuple[str, DeviceToken]:
    """A new device token for the patient's phone, working as long as the follow-up of
    ``enrollment_id`` (and its grace period): the token itself is returned once and only
    its hash is kept."""
    token = new_token(DEVICE_TOKEN_PREFIX)
    device = DeviceToken(patient_id=patient_id, enrollment_id=enrollment_id,
                         token_hash=token_hash(token), label=label, created_at=now())
    session = db.session()
    session.add(device)
    session.flush()
    return token, device


def devices_of(patient_id: uuid.UUID) -> list[DeviceToken]:
    return list(db.session().scalars(select(DeviceToken)
                                     .where(DeviceToken.patient_id == patient_id)
                                     .order_by(DeviceToken.created_at)))


def _device(patient_id: uuid.UUID, device_id: uuid.UUID) -> DeviceToken:
    device = db.session().get(DeviceToken, device_id)
    if device is None or device.patient_id != patient_id:
        raise NotFound("No such device for this patient.")
    return device


def revoke_device(patient_id: uuid.UUID, device_id: uuid.UUID) -> None:
    device = _device(patient_id, device_id)
    if device.revoked_at is None:
        device.revoked_at = now()
    audit.record("device.revoke", patient_id=patient_id, object_type="device_token",
                 object_id=device_id)


def register_push_token(patient_id: uuid.UUID, device_id: uuid.UUID, push_token: str) -> None:
    """The phone's FCM token, for reminders sent to this device."""
    _device(patient_id, device_id).push_token = push_token
    audit.record("me.push_token", patient_id=patient_id)
