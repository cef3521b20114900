from marshmallow import Schema, fields, validate
from webargs.fields import DelimitedList

from backend.alerts.schemas import SEVERITIES, AlertOut, ResolveIn
from backend.schemas import LangArgs


class TriageArgs(LangArgs):
    severity = DelimitedList(fields.String(validate=validate.OneOf(SEVERITIES)), metadata={
        "description": "patients with at least one alert of these severities"})
    include_snoozed = fields.Boolean(load_default=False)


class TriagePatient(Schema):
    id = fields.UUID()
    given_name = fields.String()
    family_name = fields.String()
    birth_date = fields.Date()
    age = fields.Integer()
    sex = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    hospital_id = fields.String(allow_none=True)
    language = fields.String()


class TriageProtocol(Schema):
    slug = fields.String()
    version = fields.Integer()
    title = fields.String()
    surgery_date = fields.Date()


class SeverityCounts(Schema):
    high = fields.Integer()
    medium = fields.Integer()
    low = fields.Integer()


class TriageRowOut(Schema):
    patient = fields.Nested(TriagePatient)
    highest_severity = fields.String()
    earliest_due = fields.DateTime(metadata={
        "description": "the first deadline of the alerts nobody has acknowledged yet "
                       "(of all its alerts when every one is acknowledged)"})
    counts = fields.Nested(SeverityCounts)
    overdue = fields.Integer(metadata={"description": "unacknowledged alerts past due"})
    postop_day = fields.Integer(allow_none=True, metadata={
        "description": "days since surgery on the patient's calendar (0: the day of surgery)"})
    protocol = fields.Nested(TriageProtocol, allow_none=True)
    last_contact = fields.DateTime(allow_none=True, metadata={
        "description": "the patient's latest answers or reading"})
    alerts = fields.List(fields.Nested(AlertOut))


class BulkResolveIn(ResolveIn):
    """The outcome and note of every alert it resolves, as one by one."""


class BulkOut(Schema):
    patient_id = fields.UUID()
    count = fields.Integer()
    alerts = fields.List(fields.Nested(AlertOut))
