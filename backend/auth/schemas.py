from marshmallow import Schema, fields, validate

from backend.schemas import NonEmpty, Password, StaffSummary


class LoginArgs(Schema):
    email = fields.Email(required=True)
    password = fields.String(required=True, validate=Password)


class MfaArgs(Schema):
    mfa_token = fields.String(required=True, validate=NonEmpty)
    code = fields.String(required=True, validate=validate.Length(min=6, max=20))


class CodeArgs(Schema):
    code = fields.String(required=True, validate=validate.Length(min=6, max=8))


class TotpEnrolmentArgs(Schema):
    mfa_enrolment_code = fields.String(validate=validate.Length(min=6, max=32), metadata={
        "description": "the single-use code an administrator gave you (required outside "
                       "demo mode)"})


class StaffUserOut(StaffSummary):
    email = fields.String()
    mfa_enabled = fields.Boolean()
    team_ids = fields.List(fields.UUID())


class TokenOut(Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()
    user = fields.Nested(StaffUserOut)
    mfa_required = fields.Boolean()
    mfa_token = fields.String()
    mfa_enrolment_required = fields.Boolean()


class TotpEnrolmentOut(Schema):
    secret = fields.String()
    otpauth_uri = fields.String()
    qr_svg = fields.String(metadata={"description": "data: URI of an SVG QR code"})


class RecoveryCodesOut(Schema):
    recovery_codes = fields.List(fields.String())
