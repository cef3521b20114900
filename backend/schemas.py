"""Schema building blocks shared by the feature packages."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class StrictSchema(Schema):
    """Unknown fields are refused (marshmallow's default), named in the 422."""


NonEmpty = validate.Length(min=1)


class PageArgs(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


class LangArgs(Schema):
    lang = fields.String(load_default="fr", validate=validate.OneOf(["fr", "en"]))


class StaffSummary(Schema):
    id = fields.UUID()
    display_name = fields.String()
    role = fields.String()
