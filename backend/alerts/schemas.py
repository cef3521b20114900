from marshmallow import Schema, fields, validate
from webargs.fields import DelimitedList

from backend.alerts.models import OUTCOMES
from backend.alerts.services import SNOOZED
from backend.limits import MESSAGES_PER_ITEM, NOTE_LENGTH, NOTES_PER_ALERT
from backend.schemas import FreeText, LangArgs, Note, PageArgs, Reason, Timestamp
from backend.teams.schemas import Slug

SEVERITIES = ["low", "medium", "high"]
STATUSES = ["open", "acknowledged", "resolved"]


__all__ = ["LangArgs"]


class QueueArgs(PageArgs):
    # An empty list (``severity=``) is refused: it would silently mean "any".
    status = DelimitedList(fields.String(validate=validate.OneOf(STATUSES)),
                           validate=validate.Length(min=1), metadata={
                               "description": "comma-separated; default open,acknowledged"})
    severity = DelimitedList(fields.String(validate=validate.OneOf(SEVERITIES)),
                             validate=validate.Length(min=1))
    team = fields.String(validate=Slug)
    assigned_to = fields.UUID()
    patient_id = fields.UUID()
    snoozed = fields.String(validate=validate.OneOf(SNOOZED), metadata={
        "description": "`exclude` (default): the queue, without the alerts snoozed now; "
                       "`include`: those too; `only`: the snoozed alerts alone (only an "
                       "acknowledged alert can be snoozed), the soonest to wake first, "
                       "each with its wake time `snoozed_until`"})
    include_snoozed = fields.Boolean(load_default=False, metadata={
        "description": "the same as snoozed=include (kept for older clients)"})
    lang = fields.String(load_default="fr", validate=validate.OneOf(["fr", "en"]))


class PatientBrief(Schema):
    id = fields.UUID()
    given_name = fields.String()
    family_name = fields.String()
    phone = fields.String(allow_none=True)


class AlertEventOut(Schema):
    at = fields.DateTime()
    kind = fields.String(metadata={
        "description": "opened, updated, worsened, acknowledge, assign, note, snooze, "
                       "resolve, escalated (level, next_escalation_at), notified (one "
                       "message: `reason` opened/worsened/escalated with its `level`, "
                       "`channel`, `staff_id` or the masked `on_call_phone`)"})
    actor_id = fields.UUID(allow_none=True)
    detail = fields.Dict()
    delivery = fields.Dict(allow_none=True, metadata={
        "description": "for `notified`: `status` pending, sending, sent, delivered, "
                       "failed (with `error`) or no_recipient; `sent_at`, `updated_at`"})


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
                       "(`related_rule`, `severity`, `explanation`, `evidence`); a message "
                       "item holds the patient's first and latest messages (`kind` "
                       f"`message`, {MESSAGES_PER_ITEM} at most) and one `messages_omitted` "
                       "item counting those in between (`count`, `from`, `to`), which are "
                       "in the timeline"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    due_by = fields.DateTime(metadata={
        "description": "acknowledge by: set when the alert opens, moved only earlier, "
                       "when its severity rises"})
    overdue = fields.Boolean(metadata={
        "description": "not acknowledged by `due_by` (an open alert past it)"})
    assigned_to = fields.UUID(allow_none=True)
    acknowledged_at = fields.DateTime(allow_none=True)
    snoozed = fields.Boolean(metadata={"description": "snoozed now (until `snoozed_until`)"})
    snoozed_until = fields.DateTime(allow_none=True, metadata={
        "description": "wake time of the last snooze"})
    snooze_reason = fields.String(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    outcome = fields.String(allow_none=True)
    escalation_level = fields.Integer(metadata={"description": "escalations sent so far"})
    next_escalation_at = fields.DateTime(allow_none=True, metadata={
        "description": "when the next escalation goes out if nobody acknowledges (open "
                       "alerts only)"})
    peak = fields.List(fields.Dict(), metadata={
        "description": "the most abnormal value of each subject since the alert opened "
                       "(highest for a rise, lowest for a fall, largest change for a "
                       "trend), with the `rule_id` and `severity` of its finding"})
    series = fields.List(fields.Dict(), metadata={
        "description": "(one alert only) every finding that opened or updated the alert: "
                       "`at`, `rule_id`, `severity`, `values`"})
    events = fields.List(fields.Nested(AlertEventOut))


class AssignIn(Schema):
    staff_id = fields.UUID(required=True)


class NoteIn(Schema):
    note = fields.String(required=True, validate=Note, metadata={
        "description": f"at most {NOTES_PER_ALERT} notes on one alert (a 422 on `note` "
                       "beyond)"})


class SnoozeIn(Schema):
    until = Timestamp(required=True, metadata={
        "description": "wake time: in the future, within the protocol's maximum for the "
                       "alert's severity (`alert_snooze_max`: by default 2 h high, 24 h "
                       "medium, 72 h low)"})
    reason = fields.String(required=True, validate=Reason)


class ResolveIn(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    note = fields.String(validate=[validate.Length(max=NOTE_LENGTH), FreeText])


class EmptyIn(Schema):
    pass
