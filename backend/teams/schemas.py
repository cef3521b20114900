from marshmallow import Schema, fields, validate

from backend.auth.models import ROLES
from backend.schemas import LocalTime, Password, StaffSummary, TimeZoneName, name_of

Slug = validate.Regexp(r"^[a-z0-9][a-z0-9-]{1,63}$", error="lowercase letters, digits and '-'")
Phone = validate.Regexp(r"^\+[1-9][0-9]{6,14}$", error="an international number like +33612345678")
DisplayName = name_of(200)


class StaffIn(Schema):
    email = fields.Email(required=True)
    display_name = fields.String(required=True, validate=DisplayName)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    password = fields.String(required=True, load_only=True, validate=Password)
    phone = fields.String(validate=Phone, allow_none=True)
    # Each team is looked up by slug: a hospital has tens of them, not thousands.
    teams = fields.List(fields.String(validate=Slug), load_default=list,
                        validate=validate.Length(max=100))


class StaffPatch(Schema):
    display_name = fields.String(validate=DisplayName)
    role = fields.String(validate=validate.OneOf(ROLES))
    password = fields.String(load_only=True, validate=Password)
    phone = fields.String(validate=Phone, allow_none=True)
    active = fields.Boolean()
    rpps = fields.String(allow_none=True, validate=validate.Regexp(
        r"^\d{11}$", error="an RPPS number is 11 digits"),
        metadata={"description": "national professional number, for single sign-on"})


class StaffOut(StaffSummary):
    email = fields.String()
    phone = fields.String(allow_none=True)
    active = fields.Boolean()
    mfa_enabled = fields.Boolean()
    rpps = fields.String(allow_none=True)
    team_ids = fields.Method("_team_ids")
    created_at = fields.DateTime()

    def _team_ids(self, user):
        from backend.teams.services import team_ids_of

        return [str(team_id) for team_id in team_ids_of(user)]


ENROLMENT_CODE = ("shown once: hand it to the account's owner out of band (in person, by "
                  "phone); with it, and only with it, they enrol their second factor")


class EnrolmentCodeOut(Schema):
    mfa_enrolment_code = fields.String(attribute="code", metadata={"description": ENROLMENT_CODE})
    mfa_enrolment_expires_at = fields.DateTime(attribute="expires_at")


class StaffCreatedOut(StaffOut):
    """A ``NewStaff``: the account, and the code its owner needs to enrol a second factor."""

    mfa_enrolment_code = fields.String(attribute="enrolment.code",
                                       metadata={"description": ENROLMENT_CODE})
    mfa_enrolment_expires_at = fields.DateTime(attribute="enrolment.expires_at")

    def get_attribute(self, obj, attr, default):
        # The account's own fields are read on the account.
        return super().get_attribute(obj if attr.startswith("enrolment.") else obj.user,
                                     attr, default)

    def _team_ids(self, created):
        return super()._team_ids(created.user)


DAY_HOURS = ("the ward's day hours, on its own clock: patients' messages and low alerts "
             "are read then, and a low alert pages no one outside them")


PATIENT_PHONE = ("the ward's number for patients, shown in the patient app with the day "
                 "hours (the on-call phone is never shown to patients)")


class TeamPatch(Schema):
    name = fields.String(validate=DisplayName)
    on_call_phone = fields.String(validate=Phone, allow_none=True)
    patient_phone = fields.String(validate=Phone, allow_none=True,
                                  metadata={"description": PATIENT_PHONE})
    day_start = LocalTime(metadata={"description": f"default 08:00; {DAY_HOURS}"})
    day_end = LocalTime(metadata={"description": "default 18:00 (after day_start)"})
    timezone = fields.String(validate=[validate.Length(max=64), TimeZoneName()],
                             metadata={"description": "of the day hours; default Europe/Paris"})


class TeamIn(TeamPatch):
    slug = fields.String(required=True, validate=Slug)
    name = fields.String(required=True, validate=DisplayName)


class TeamOut(Schema):
    id = fields.UUID()
    slug = fields.String()
    name = fields.String()
    on_call_phone = fields.String(allow_none=True)
    patient_phone = fields.String(allow_none=True)
    day_start = LocalTime()
    day_end = LocalTime()
    timezone = fields.String()


class MemberIn(Schema):
    staff_id = fields.UUID(required=True)
