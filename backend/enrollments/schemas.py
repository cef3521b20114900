import re
from datetime import time

from marshmallow import Schema, ValidationError, fields, validate

from backend.consents.schemas import ConsentIn
from backend.enrollments.channels import CHANNELS
from backend.enrollments.models import FOLLOW_UP_OUTCOMES
from backend.schemas import Timestamp, VersionNumber
from backend.teams.schemas import Slug

CARER = ("a carer or visiting nurse measures the breathing rate and the level of "
         "consciousness (ACVPU): only then are they asked and required for a NEWS2 set; "
         "default false: not asked of the patient")


class EnrollmentIn(Schema):
    protocol = fields.String(required=True, validate=Slug)
    protocol_version = fields.Integer(validate=VersionNumber, metadata={
        "description": "defaults to the latest published version"})
    surgery_date = fields.Date(required=True)
    discharge_at = Timestamp(metadata={
        "description": "when the patient goes (or went) home, with its offset; the follow-up "
                       "starts then: no task is due before it. Default: now"})
    care_team = fields.String(validate=Slug)
    channel = fields.String(load_default="app", validate=validate.OneOf(CHANNELS), metadata={
        "description": "how the patient answers: app, sms or web (a web form opened from an "
                       "SMS link; sms asks by SMS the questionnaires with an SMS form, the others "
                       "by that link). "
                       "sms and web need a mobile phone number and no SMS opt-out"})
    carer_measures = fields.Boolean(load_default=False, metadata={"description": CARER})
    consent = fields.Nested(ConsentIn, required=True, metadata={
        "description": "the patient's consent to the follow-up, given after reading the "
                       "information notice of that version"})


class CarerIn(Schema):
    carer_measures = fields.Boolean(required=True, metadata={"description": CARER})


REMINDER_TIME = ("the patient's own reminder time, HH:MM on their clock, 06:00 to 21:00: a "
                 "task due later that day is reminded then (never later than it is due); "
                 "null: at the due times")


def _reminder_time(value: str) -> None:
    if not re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", value):
        raise ValidationError("must be HH:MM, e.g. 08:30")
    if not "06:00" <= value <= "21:00":
        raise ValidationError("must be between 06:00 and 21:00 (quiet hours are kept)")


class ReminderTimeIn(Schema):
    reminder_time = fields.String(required=True, allow_none=True, validate=_reminder_time,
                                  metadata={"description": REMINDER_TIME})


def reminder_time(args: dict) -> time | None:
    """The time of a ``ReminderTimeIn``."""
    value = args["reminder_time"]
    return time.fromisoformat(value) if value else None


class ReminderTimeOut(Schema):
    reminder_time = fields.String(allow_none=True, metadata={"description": REMINDER_TIME})


class ChannelIn(Schema):
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))


class EnrollmentOut(Schema):
    id = fields.UUID()
    patient_id = fields.UUID()
    protocol = fields.String(attribute="protocol.slug")
    protocol_version = fields.Integer(attribute="protocol.version")
    care_team_id = fields.UUID()
    surgery_date = fields.Date()
    discharge_at = fields.DateTime()
    spo2_scale = fields.Integer(allow_none=True, metadata={
        "description": "NEWS2 SpO2 scale chosen for this patient; null: the protocol's"})
    spo2_scale_reason = fields.String(allow_none=True, metadata={
        "description": "why the surgeon chose it (null when never chosen)"})
    status = fields.String()
    channel = fields.String(metadata={"description": "app, sms or web"})
    carer_measures = fields.Boolean(metadata={"description": CARER})
    reminder_time = fields.String(allow_none=True, metadata={"description": REMINDER_TIME})
    created_at = fields.DateTime()


class ActivationOut(Schema):
    activation_code = fields.String(metadata={"description": "shown once; give it to the patient"})
    activation_expires_at = fields.DateTime()
    activation_qr_svg = fields.String(metadata={"description": "data: URI of an SVG QR code"})


class EnrollmentCreatedOut(ActivationOut):
    enrollment = fields.Nested(EnrollmentOut)


class OutcomeIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(FOLLOW_UP_OUTCOMES), metadata={
        "description": "the most serious event within 30 days of discharge: readmission, "
                       "emergency_visit, unplanned_consultation, or none"})
    date = fields.Date(load_default=None, metadata={
        "description": "the day of the event (required unless kind is none), within 30 "
                       "days of discharge, not in the future"})


class OutcomeOut(Schema):
    enrollment_id = fields.UUID()
    kind = fields.String()
    date = fields.Date(attribute="event_date", allow_none=True)
    recorded_by = fields.UUID()
    updated_at = fields.DateTime()


class DeviceOut(Schema):
    id = fields.UUID()
    label = fields.String(allow_none=True)
    created_at = fields.DateTime()
    last_seen_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)




class ActivationSmsIn(Schema):
    activation_code = fields.String(required=True, validate=validate.Length(min=6, max=32),
                                    metadata={"description": "the code just issued"})


class ActivationSmsOut(Schema):
    sent_to = fields.String(metadata={"description": "the patient's number, masked"})
    activation_expires_at = fields.DateTime()
