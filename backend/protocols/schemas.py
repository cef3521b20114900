from marshmallow import INCLUDE, Schema, fields, validate

from backend.limits import (
    ANSWERS_PER_SUBMISSION,
    DRY_RUN_OVERRIDES,
    DRY_RUN_SUBMISSIONS,
    READINGS_PER_BATCH,
)
from backend.schemas import LangArgs, Reason, Timestamp, VersionNumber
from backend.teams.schemas import Slug
from rules.units import READING_TYPES


class ProtocolUpload(Schema):
    """A protocol file as JSON (the YAML of questionnaires/protocols, converted)."""

    class Meta:
        unknown = INCLUDE  # the rest is validated by the rules loader, field by field

    slug = fields.String(required=True, validate=Slug)
    version = fields.Integer(required=True, validate=VersionNumber)


class ProtocolArgs(LangArgs):
    version = fields.Integer(validate=VersionNumber)


class ProtocolOut(Schema):
    slug = fields.String()
    version = fields.Integer()
    title = fields.String()
    surgeries = fields.List(fields.String())
    source = fields.String()
    published_at = fields.DateTime()
    questionnaires = fields.List(fields.String())
    schedule = fields.List(fields.Dict())
    education = fields.List(fields.Dict())
    rules = fields.List(fields.Dict())
    thresholds = fields.List(fields.Dict())
    alert_deadlines = fields.Dict()
    quiet_hours = fields.Dict(metadata={
        "description": "{from, to} (HH:MM, the patient's clock): no reminder then"})
    versions = fields.List(fields.Integer())


class ProtocolSummaryOut(Schema):
    slug = fields.String()
    version = fields.Integer(metadata={"description": "latest published version"})
    title_fr = fields.String()
    title_en = fields.String()
    created_at = fields.DateTime()


class OverrideIn(Schema):
    rule_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    threshold = fields.String(load_default="value", validate=validate.Length(min=1, max=64))
    value = fields.Raw(required=True, allow_none=False)
    reason = fields.String(required=True, validate=Reason)


class OverrideOut(Schema):
    id = fields.UUID()
    enrollment_id = fields.UUID()
    rule_id = fields.String()
    threshold = fields.String()
    value = fields.Raw()
    reason = fields.String()
    set_by = fields.UUID()
    created_at = fields.DateTime()


class MoveIn(Schema):
    protocol_version = fields.Integer(required=True, validate=VersionNumber)


class Spo2ScaleIn(Schema):
    spo2_scale = fields.Integer(required=True, allow_none=True, validate=validate.OneOf([1, 2]),
                                metadata={"description": "NEWS2 SpO2 scale: 2 for a patient "
                                          "with a prescribed 88-92 % target (hypercapnic "
                                          "respiratory failure); null for the protocol's"})
    reason = fields.String(required=True, validate=Reason)


class DryRunSubmission(Schema):
    questionnaire = fields.String(required=True, validate=Slug)
    submitted_at = Timestamp(required=True)
    answers = fields.Dict(keys=fields.String(), required=True,
                          validate=validate.Length(max=ANSWERS_PER_SUBMISSION),
                          metadata={"description": "as in POST /api/v1/me/submissions"})
    day = fields.Integer(validate=validate.Range(min=0, max=366), metadata={
        "description": "the post-operative day it answers (optional): the items the "
                       "schedule asks on other days only (item_days) are not required"})


def _accepted_units() -> str:
    return "; ".join(f"{slug}: {', '.join(u for u in t.accepted_units if u)}"
                     for slug, t in READING_TYPES.items() if t.accepted_units)


class ReadingIn(Schema):
    type = fields.String(required=True, validate=validate.Length(min=1, max=40))
    value = fields.Raw(required=True, allow_none=False, metadata={
        "description": "a number (or a numeric string, decimal comma accepted: \"1,2\"); "
                       "true/false for supplemental_oxygen; A, C, V, P or U for "
                       "consciousness"})
    unit = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20),
                         metadata={"description": "the unit of value (default: the type's "
                                   "canonical unit, in which it is stored; a unit that is not "
                                   "accepted is a 422 on readings.<i>.unit). Accepted: "
                                   + _accepted_units()})
    measured_at = Timestamp(required=True)


class DryRunOverride(Schema):
    rule_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    threshold = fields.String(load_default="value", validate=validate.Length(min=1, max=64))
    value = fields.Raw(required=True)


class DryRunIn(Schema):
    version = fields.Integer(validate=VersionNumber)
    now = Timestamp(metadata={"description": "evaluation time (default: now)"})
    submissions = fields.List(fields.Nested(DryRunSubmission), load_default=list,
                              validate=validate.Length(max=DRY_RUN_SUBMISSIONS), metadata={
                                  "description": "each within DRY_RUN_DAYS before `now` "
                                                 "(README, Limits)"})
    readings = fields.List(fields.Nested(ReadingIn), load_default=list,
                           validate=validate.Length(max=READINGS_PER_BATCH))
    overrides = fields.List(fields.Nested(DryRunOverride), load_default=list,
                            validate=validate.Length(max=DRY_RUN_OVERRIDES))
    spo2_scale = fields.Integer(validate=validate.OneOf([1, 2]))


class DryRunOut(Schema):
    protocol = fields.String()
    version = fields.Integer()
    scores = fields.List(fields.Dict())
    findings = fields.List(fields.Dict(), metadata={
        "description": "one per rule group, the others of the group under `related`"})
    advice = fields.List(fields.Dict(), metadata={
        "description": "the cards the patient would read (fr and en)"})
    call_emergency = fields.Boolean()
