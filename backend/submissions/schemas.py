from marshmallow import Schema, fields, validate

from backend.protocols.schemas import ReadingIn
from backend.schemas import Timestamp
from backend.teams.schemas import Slug


class SubmissionIn(Schema):
    questionnaire = fields.String(required=True, validate=Slug)
    task_id = fields.UUID(allow_none=True)
    submitted_at = Timestamp(metadata={"description": "default: when received"})
    answers = fields.Dict(keys=fields.String(), required=True)
    readings = fields.List(fields.Nested(ReadingIn), load_default=list)


class ReadingsIn(Schema):
    readings = fields.List(fields.Nested(ReadingIn), required=True,
                           validate=validate.Length(min=1, max=500))


class AdviceOut(Schema):
    rule_id = fields.String(allow_none=True)
    severity = fields.String(allow_none=True)
    emergency = fields.Boolean(metadata={"description": "the card says to call 15 now"})
    text = fields.String()


class SubmissionResultOut(Schema):
    id = fields.UUID()
    questionnaire = fields.String()
    submitted_at = fields.DateTime()
    task_id = fields.UUID(allow_none=True)
    task_done = fields.Boolean(metadata={
        "description": "false when the task still lacks required readings"})
    missing_readings = fields.List(fields.String(), metadata={
        "description": "reading types the task still needs (e.g. a NEWS2 set)"})
    scores = fields.List(fields.Dict())
    advice = fields.List(fields.Nested(AdviceOut))
    call_emergency = fields.Boolean()
    alerts_opened = fields.List(fields.UUID())


class ReadingsResultOut(Schema):
    ids = fields.List(fields.UUID())
    advice = fields.List(fields.Nested(AdviceOut))
    call_emergency = fields.Boolean()
    alerts_opened = fields.List(fields.UUID())


class TaskOut(Schema):
    id = fields.UUID()
    kind = fields.String()
    questionnaire = fields.String(allow_none=True)
    reading = fields.String(allow_none=True)
    day = fields.Integer()
    due_at = fields.DateTime()
    missed_at = fields.DateTime()
    status = fields.String()
    answered_at = fields.DateTime(allow_none=True)


class EducationOut(Schema):
    id = fields.String()
    title = fields.String()
    body = fields.String()


class TeleconsultationBrief(Schema):
    id = fields.UUID()
    starts_at = fields.DateTime()
    duration_minutes = fields.Integer()
    join_url = fields.String()


class TodayOut(Schema):
    date = fields.Date()
    post_op_day = fields.Integer()
    protocol = fields.String()
    tasks = fields.List(fields.Nested(TaskOut))
    education = fields.List(fields.Nested(EducationOut))
    teleconsultation = fields.Nested(TeleconsultationBrief, allow_none=True)


class PushTokenIn(Schema):
    push_token = fields.String(required=True, validate=validate.Length(min=10, max=4096))
