from marshmallow import Schema, fields, validate
from webargs.fields import DelimitedList

from backend.alerts.models import OUTCOMES
from backend.schemas import LangArgs, PageArgs, Timestamp
from backend.teams.schemas import Slug

SEVERITIES = ["low", "medium", "high"]
STATUSES = ["open", "acknowledged", "resolved"]


__all__ = ["LangArgs"]


class QueueArgs(PageArgs):
    status = DelimitedList(fields.String(validate=validate.OneOf(STATUSES)), metadata={
        "description": "comma-separated; default open,acknowledged"})
    severity = DelimitedList(fields.String(validate=validate.OneOf(SEVERITIES)))
    team = fields.String(validate=Slug)
    assigned_to = fields.UUID()
    patient_id = fields.UUID()
    include_snoozed = fields.Boolean(load_default=False)
    lang = fields.String(load_default="fr", validate=validate.OneOf(["fr", "en"]))


class PatientBrief(Schema):
    id = fields.UUID()
    given_name = fields.String()
    family_name = fields.String()
    phone = fields.String(allow_none=True)


class AlertEventOut(Schema):
    at = fields.DateTime()
    kind = fields.String()
    actor_id = fields.UUID(allow_none=True)
    detail = fields.Dict()


class AlertOut(Schema):
    id = fields.UUID()
    patient = fields.Nested(PatientBrief)
    severity = fields.String()
    status = fields.String()
    rule = fields.String()
    rule_group = fields.String(metadata={
        "description": "the cause: rules of one group make one alert, `rule` is the highest"})
    explanation = fields.String()
    advice = fields.String()
    evidence = fields.List(fields.Dict(), metadata={
        "description": "the values that fired `rule`, then the other findings of its group "
                       "(`related_rule`, `severity`, `explanation`, `evidence`)"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    due_by = fields.DateTime()
    overdue = fields.Boolean()
    assigned_to = fields.UUID(allow_none=True)
    acknowledged_at = fields.DateTime(allow_none=True)
    snoozed_until = fields.DateTime(allow_none=True)
    snooze_reason = fields.String(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    outcome = fields.String(allow_none=True)
    escalation_level = fields.Integer()
    events = fields.List(fields.Nested(AlertEventOut))


class AssignIn(Schema):
    staff_id = fields.UUID(required=True)


class NoteIn(Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class SnoozeIn(Schema):
    until = Timestamp(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=3, max=500))


class ResolveIn(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    note = fields.String(validate=validate.Length(max=2000))


class EmptyIn(Schema):
    pass
