from marshmallow import Schema, ValidationError, fields, validate

from backend.patients.ins import INS_STATUSES, nir_error
from backend.schemas import OneLine, PageArgs, name_of
from backend.teams.schemas import Phone, Slug

Name = name_of(100)
HospitalId = [validate.Length(min=1, max=64), OneLine]


def _nir(value: str) -> None:
    if len(value) > 32 or (error := nir_error(value)):
        raise ValidationError(error or "15 caractères attendus")


NIR_DOC = {"description": "NIR of the INS (13 digits, 2A/2B for Corsica, then the 2-digit "
                          "key); spaces allowed; null: none"}
STATUS_DOC = {"description": "INS identity status: provisoire, recupere, valide, qualifie "
                             "(required with ins_nir; provisoire when not given)"}


class PatientIn(Schema):
    given_name = fields.String(required=True, validate=Name)
    family_name = fields.String(required=True, validate=Name)
    birth_date = fields.Date(required=True)
    sex = fields.String(validate=validate.OneOf(["female", "male", "other", "unknown"]))
    phone = fields.String(validate=Phone, allow_none=True)
    email = fields.Email(allow_none=True)
    language = fields.String(load_default="fr", validate=validate.OneOf(["fr", "en"]))
    timezone = fields.String(load_default="Europe/Paris", validate=validate.Length(max=64))
    hospital_id = fields.String(validate=HospitalId, allow_none=True)
    ins_nir = fields.String(validate=_nir, allow_none=True, metadata=NIR_DOC)
    ins_status = fields.String(validate=validate.OneOf(INS_STATUSES), allow_none=True,
                               metadata=STATUS_DOC)
    care_team = fields.String(validate=Slug, metadata={
        "description": "slug of the following team; defaults to the caller's only team"})


class PatientPatch(Schema):
    given_name = fields.String(validate=Name)
    family_name = fields.String(validate=Name)
    birth_date = fields.Date()
    sex = fields.String(validate=validate.OneOf(["female", "male", "other", "unknown"]))
    phone = fields.String(validate=Phone, allow_none=True)
    email = fields.Email(allow_none=True)
    language = fields.String(validate=validate.OneOf(["fr", "en"]))
    timezone = fields.String(validate=validate.Length(max=64))
    hospital_id = fields.String(validate=HospitalId, allow_none=True)
    ins_nir = fields.String(validate=_nir, allow_none=True, metadata=NIR_DOC)
    ins_status = fields.String(validate=validate.OneOf(INS_STATUSES), allow_none=True,
                               metadata=STATUS_DOC)


class PatientOut(Schema):
    id = fields.UUID()
    given_name = fields.String()
    family_name = fields.String()
    birth_date = fields.Date()
    sex = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    language = fields.String()
    timezone = fields.String()
    hospital_id = fields.String(allow_none=True)
    ins_nir = fields.String(allow_none=True)
    ins_status = fields.String(allow_none=True)
    care_team_id = fields.UUID()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class PatientListArgs(PageArgs):
    q = fields.String(validate=validate.Length(min=1, max=100),
                      metadata={"description": "search in names and hospital id"})
