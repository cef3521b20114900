"""Schema building blocks shared by the feature packages."""

from __future__ import annotations

from datetime import datetime

from marshmallow import Schema, fields, validate


class StrictSchema(Schema):
    """Unknown fields are refused (marshmallow's default), named in the 422."""


NonEmpty = validate.Length(min=1)
# The largest value of an SQL INTEGER column (PostgreSQL refuses more, SQLite overflows
# at 64 bits): a bound on integers that end up in a query.
SQL_INT_MAX = 2**31 - 1
VersionNumber = validate.Range(min=1, max=SQL_INT_MAX)


class Timestamp(fields.AwareDateTime):
    """An ISO 8601 date-time with its offset, between the years 1900 and 2999: beyond,
    it is a typing error, and converting it to UTC or adding a day would overflow."""

    default_error_messages = {"range": "must be between the years 1900 and 2999"}

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        result = super()._deserialize(value, attr, data, **kwargs)
        if not 1900 <= result.year <= 2999:
            raise self.make_error("range")
        return result


class PageArgs(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=SQL_INT_MAX))


class LangArgs(Schema):
    lang = fields.String(load_default="fr", validate=validate.OneOf(["fr", "en"]))


class StaffSummary(Schema):
    id = fields.UUID()
    display_name = fields.String()
    role = fields.String()
