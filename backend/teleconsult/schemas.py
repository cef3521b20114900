from marshmallow import Schema, fields, validate

from backend.schemas import Reason, Timestamp


class TeleconsultationIn(Schema):
    starts_at = Timestamp(required=True)
    duration_minutes = fields.Integer(load_default=20, validate=validate.Range(min=5, max=120))
    reason = fields.String(required=True, validate=Reason)
    clinician_id = fields.UUID(metadata={
        "description": "default: the caller; an active nurse or surgeon of one of the "
                       "patient's care teams"})
    alert_id = fields.UUID(allow_none=True)


class TeleconsultationOut(Schema):
    id = fields.UUID()
    patient_id = fields.UUID()
    clinician_id = fields.UUID()
    alert_id = fields.UUID(allow_none=True)
    starts_at = fields.DateTime()
    duration_minutes = fields.Integer()
    reason = fields.String()
    join_url = fields.String()
    expires_at = fields.DateTime()
    status = fields.String()
