from marshmallow import Schema, ValidationError, fields, validate

from backend.consents.models import CONSENT_CHANNELS, CONSENT_KINDS


def _given(value: bool) -> None:
    if value is not True:
        raise ValidationError("must be true: the patient consents after reading the notice")


class ConsentIn(Schema):
    kind = fields.String(load_default="telesurveillance", validate=validate.OneOf(CONSENT_KINDS))
    notice_version = fields.Integer(required=True, validate=validate.Range(min=1, max=1000),
                                    metadata={"description": "the version of the information "
                                              "notice the patient read (questionnaires/notices)"})
    given = fields.Boolean(required=True, validate=_given, metadata={
        "description": "true: the patient agreed to the follow-up"})
    channel = fields.String(load_default="in_person", validate=validate.OneOf(CONSENT_CHANNELS),
                            metadata={"description": "how it was collected: in_person, phone "
                                      "or written"})


class ConsentOut(Schema):
    id = fields.UUID()
    patient_id = fields.UUID()
    enrollment_id = fields.UUID()
    kind = fields.String()
    notice_version = fields.Integer()
    channel = fields.String()
    given_at = fields.DateTime()
    recorded_by = fields.UUID()
    withdrawn_at = fields.DateTime(allow_none=True)
    withdrawn_by = fields.UUID(allow_none=True)
