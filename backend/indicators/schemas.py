from marshmallow import Schema, fields, validate

from backend.teams.schemas import Slug

WEEK = validate.Regexp(r"^(\d{4}-W\d{2}|\d{4}-\d{2}-\d{2})$",
                       error="an ISO week (2026-W48) or a day (2026-11-26) of the week")


class IndicatorArgs(Schema):
    team = fields.String(validate=Slug, metadata={
        "description": "a care team's slug (default: every team of yours; admins: all)"})
    protocol = fields.String(validate=Slug, metadata={"description": "a protocol's slug"})
    from_ = fields.String(data_key="from", validate=WEEK, metadata={
        "description": "first week (default: 11 weeks before `to`)"})
    to = fields.String(validate=WEEK, metadata={"description": "last week (default: this one)"})
    format = fields.String(validate=validate.OneOf(("json", "csv")), metadata={
        "description": "csv: the same figures as a CSV file (or `Accept: text/csv`)"})


Count = fields.Integer
Share = fields.Float  # 0..1, null when there is nothing to divide by


class RateOut(Schema):
    due = Count()
    on_time = Count()
    late = Count()
    rate = Share(allow_none=True)


class AnswerRateOut(RateOut):
    first_week = fields.Nested(RateOut, metadata={"description": "post-operative days 0-7"})


class RuleCountOut(Schema):
    rule = fields.String()
    severity = fields.String()
    opened = Count()
    per_100_patient_days = fields.Float(allow_none=True)


class AlertsOut(Schema):
    opened = Count()
    per_100_patient_days = fields.Float(allow_none=True)
    messages_to_read = Count()
    by_rule = fields.List(fields.Nested(RuleCountOut))


class ResponseTimeOut(Schema):
    severity = fields.String()
    acknowledged = Count()
    acknowledge_p50_minutes = fields.Float(allow_none=True)
    acknowledge_p90_minutes = fields.Float(allow_none=True)
    resolved = Count()
    resolve_p50_minutes = fields.Float(allow_none=True)
    resolve_p90_minutes = fields.Float(allow_none=True)
    past_deadline_of = Count(metadata={"description": "alerts whose deadline has passed"})
    past_deadline = Count()
    past_deadline_share = Share(allow_none=True)


class OutcomesOut(Schema):
    resolved = Count()
    by_outcome = fields.Dict(keys=fields.String(), values=Count())


class FalseAlarmOut(Schema):
    rule = fields.String()
    judged = Count(metadata={"description": "alerts of the rule resolved by a clinician"})
    false_alarms = Count()
    share = Share(allow_none=True)


class MessagesOut(Schema):
    total = Count()
    by_status = fields.Dict(keys=fields.String(), values=Count())


class FollowUpOutcomesOut(Schema):
    discharged = Count()
    recorded = Count()
    readmission = Count()
    emergency_visit = Count()
    unplanned_consultation = Count()
    none = Count()
    not_recorded = Count()
    readmission_rate = Share(allow_none=True)


class RowOut(Schema):
    small_count = fields.Boolean()
    patients_enrolled = Count()
    patients_active = Count()
    patient_days = fields.Float()
    answer_rate = fields.Nested(AnswerRateOut)
    channels = fields.Dict(keys=fields.String(), values=Count())
    alerts = fields.Nested(AlertsOut)
    response_times = fields.List(fields.Nested(ResponseTimeOut))
    alert_outcomes = fields.Nested(OutcomesOut)
    false_alarms = fields.List(fields.Nested(FalseAlarmOut))
    messages = fields.Nested(MessagesOut)
    patients_unreachable = Count()
    follow_up_outcomes = fields.Nested(FollowUpOutcomesOut)


class WeekOut(RowOut):
    week = fields.String()
    start = fields.Date()


class CaseOut(Schema):
    alert_id = fields.UUID()
    severity = fields.String()
    created_at = fields.DateTime()
    resolved_at = fields.DateTime()


class FlaggedRuleOut(FalseAlarmOut):
    cases = fields.List(fields.Nested(CaseOut), metadata={
        "description": "the latest alerts of the rule resolved as false alarms"})


class SettingsOut(Schema):
    false_alarm_flag_share = fields.Float()
    false_alarm_flag_min_judged = Count()
    min_patients = Count()


class IndicatorsOut(Schema):
    from_ = fields.String(data_key="from", attribute="from")
    to = fields.String()
    teams = fields.List(fields.String())
    protocol = fields.String(allow_none=True)
    settings = fields.Nested(SettingsOut)
    total = fields.Nested(RowOut)
    weeks = fields.List(fields.Nested(WeekOut))
    flagged_rules = fields.List(fields.Nested(FlaggedRuleOut))
