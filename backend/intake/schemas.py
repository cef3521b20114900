from marshmallow import Schema, fields, validate

from backend.limits import (
    ANSWERS_PER_SUBMISSION,
    MY_VALUES_DAYS,
    MY_VALUES_PER_SERIES,
    READINGS_PER_BATCH,
)
from backend.protocols.schemas import ReadingIn
from backend.schemas import LocalTime, OneLine, Timestamp
from backend.teams.schemas import Slug

ANSWERS_DOC = (
    "{link_id: value}, each value as its item's type says (GET /api/v1/questionnaires/"
    "{slug}): a number, true/false, a choice code, a list of codes, text, or a date "
    "YYYY-MM-DD. Numbers may be strings with a decimal comma (\"38,5\"). The answer to a "
    "`reading` item is a bare number in the item's `unit` (the reading's canonical unit), "
    "or {\"value\": 1.2, \"unit\": \"g/L\"} in any unit accepted for the reading (see "
    "ReadingIn.unit); the item's `units` are the units offered to the patient, the first "
    "shown first. Readings are stored in the canonical unit (glucose: mmol/L). A refused "
    "answer, a unit not accepted included, is a 422 naming the item "
    "(errors.json.answers.<link_id>).")


class SubmissionIn(Schema):
    questionnaire = fields.String(required=True, validate=Slug)
    task_id = fields.UUID(allow_none=True)
    submitted_at = Timestamp(metadata={"description": "default: when received"})
    answers = fields.Dict(keys=fields.String(), required=True,
                          validate=validate.Length(max=ANSWERS_PER_SUBMISSION), metadata={
        "description": ANSWERS_DOC,
        "example": {"glucose": {"value": 1.2, "unit": "g/L"}, "weight": "72,5"}})
    readings = fields.List(fields.Nested(ReadingIn), load_default=list,
                           validate=validate.Length(max=READINGS_PER_BATCH))


class ReadingsIn(Schema):
    readings = fields.List(fields.Nested(ReadingIn), required=True,
                           validate=validate.Length(min=1, max=READINGS_PER_BATCH))


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
    remind_at = fields.DateTime(metadata={
        "description": "when the task is reminded: the patient's hour when earlier, else "
                       "the due time; one within the quiet hours waits for their end, and "
                       "none goes once missed_at has passed"})
    missed_at = fields.DateTime()
    status = fields.String()
    answered_at = fields.DateTime(allow_none=True)
    items_not_asked = fields.List(fields.String(), metadata={
        "description": "link_ids of the questionnaire's items not asked on this task's day "
                       "(the protocol asks them on some days only); the app leaves them out, "
                       "an answer to one is still accepted"})


class EducationOut(Schema):
    id = fields.String()
    title = fields.String()
    body = fields.String()


class TeleconsultationBrief(Schema):
    id = fields.UUID()
    starts_at = fields.DateTime()
    duration_minutes = fields.Integer()
    join_url = fields.String()


class WardOut(Schema):
    name = fields.String()
    phone = fields.String(allow_none=True, metadata={
        "description": "the ward's number for patients; null: none set (the discharge "
                       "letter has it)"})
    day_start = LocalTime(metadata={"description": "the ward's day hours, on its clock"})
    day_end = LocalTime()
    timezone = fields.String()


class QuietHoursOut(Schema):
    from_ = fields.String(data_key="from", attribute="from", metadata={"description": "HH:MM"})
    to = fields.String(metadata={"description": "HH:MM"})


class TodayOut(Schema):
    date = fields.Date()
    post_op_day = fields.Integer()
    protocol = fields.String()
    tasks = fields.List(fields.Nested(TaskOut))
    education = fields.List(fields.Nested(EducationOut))
    teleconsultation = fields.Nested(TeleconsultationBrief, allow_none=True)
    ward = fields.Nested(WardOut, metadata={"description": "how to reach the ward"})
    reminder_time = fields.String(allow_none=True, metadata={
        "description": "the patient's own reminder time (HH:MM), null: at the due times"})
    quiet_hours = fields.Nested(QuietHoursOut, metadata={
        "description": "no reminder reaches the patient then (their clock): one due goes "
                       "when they end, if the task is still open"})
    not_asked = fields.List(fields.String(), metadata={
        "description": "reading types the app does not ask this patient (no carer measures "
                       "them: breathing rate, consciousness); their items are left out"})


class ValuesQuery(Schema):
    days = fields.Integer(load_default=14, validate=validate.Range(min=1, max=MY_VALUES_DAYS),
                          metadata={"description": "how far back (days)"})


class ValuePoint(Schema):
    at = fields.DateTime()
    value = fields.Float()


class ValueSeries(Schema):
    type = fields.String(metadata={"description": "temperature, weight, pain, systolic_bp, "
                                                  "diastolic_bp"})
    unit = fields.String(metadata={"description": "canonical UCUM unit"})
    values = fields.List(fields.Nested(ValuePoint), metadata={
        "description": f"oldest first; the newest {MY_VALUES_PER_SERIES} at most"})


class MyValuesOut(Schema):
    since = fields.DateTime()
    series = fields.List(fields.Nested(ValueSeries))


class PushTokenIn(Schema):
    push_token = fields.String(required=True, validate=validate.Length(min=10, max=4096))


class ActivateIn(Schema):
    activation_code = fields.String(required=True, validate=validate.Length(min=6, max=32))
    device_label = fields.String(validate=[validate.Length(max=100), OneLine])


class MeOut(Schema):
    id = fields.UUID()
    given_name = fields.String()
    family_name = fields.String()
    language = fields.String()
    timezone = fields.String()


class ActivatedOut(Schema):
    device_token = fields.String(metadata={"description": "Bearer token of the patient app"})
    patient = fields.Nested(MeOut)
