from marshmallow import Schema, fields, validate

from backend.audit.models import OUTCOMES
from backend.schemas import PageArgs


class AuditQuery(PageArgs):
    patient_id = fields.UUID()
    actor_id = fields.UUID()
    action = fields.String(validate=validate.Length(min=1, max=64))
    outcome = fields.String(validate=validate.OneOf(OUTCOMES))
    since = fields.AwareDateTime()
    until = fields.AwareDateTime()


class AuditEventOut(Schema):
    id = fields.UUID()
    at = fields.DateTime()
    actor_type = fields.String()
    actor_id = fields.UUID()
    action = fields.String()
    patient_id = fields.UUID()
    object_type = fields.String()
    object_id = fields.String()
    outcome = fields.String()
    ip = fields.String()
    detail = fields.Dict()
