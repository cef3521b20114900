from marshmallow import Schema, fields, validate

from backend.rgpd.models import ERASURE_REASONS

_ROWS = fields.List(fields.Dict())


class ExportOut(Schema):
    """A patient's data, as JSON (RGPD art. 15 and 20)."""

    exported_at = fields.String(metadata={"description": "ISO 8601 timestamp"})
    identity = fields.Dict()
    enrollments = _ROWS
    consents = _ROWS
    submissions = fields.List(fields.Dict(), metadata={"description": "answers and scores"})
    readings = _ROWS
    advice = fields.List(fields.Dict(), metadata={"description": "the advice shown"})
    messages = fields.List(fields.Dict(), metadata={
        "description": "SMS and push messages sent to the patient (body null once erased "
                       "by the retention purge)"})
    replies = fields.List(fields.Dict(), metadata={"description": "the patient's SMS"})
    teleconsultations = _ROWS
    truncated = fields.List(fields.String(), metadata={
        "description": "the kinds with more rows than one export holds (the newest are)"})


class ErasureIn(Schema):
    reason = fields.String(required=True, validate=validate.OneOf(ERASURE_REASONS), metadata={
        "description": "why: " + ", ".join(ERASURE_REASONS)})
    note = fields.String(load_default=None, validate=validate.Length(max=500))


class ErasureOut(Schema):
    id = fields.UUID()
    patient_id = fields.UUID()
    reason = fields.String()
    requested_by = fields.UUID()
    erased_at = fields.DateTime()
    names_pseudonymised = fields.Boolean(metadata={
        "description": "the names too (only when the record keeps the hospital's IPP, "
                       "which ties the kept medical content to the hospital's record)"})
