from marshmallow import Schema, fields, validate

from backend.audit.models import OUTCOMES
from backend.schemas import CursorPageArgs, Timestamp


class AuditQuery(CursorPageArgs):
    patient_id = fields.UUID()
    actor_id = fields.UUID()
    action = fields.String(validate=validate.Length(min=1, max=64))
    outcome = fields.String(validate=validate.OneOf(OUTCOMES))
    since = Timestamp()
    until = Timestamp()


class AuditEventOut(Schema):
    id = fields.UUID()
    at = fields.DateTime()
    actor_type = fields.String()
    actor_id = fields.UUID(allow_none=True)
    action = fields.String()
    patient_id = fields.UUID(allow_none=True)
    object_type = fields.String(allow_none=True)
    object_id = fields.String(allow_none=True)
    outcome = fields.String()
    ip = fields.String(allow_none=True)
    detail = fields.Dict()
