"""Schema building blocks shared by the feature packages."""

from __future__ import annotations

import re
from datetime import datetime, time

from marshmallow import Schema, ValidationError, fields, validate

from backend.clock import TIME_ZONES
from backend.limits import NOTE_LENGTH, REASON_LENGTH
from backend.text import shown_text_error


class StrictSchema(Schema):
    """Unknown fields are refused (marshmallow's default), named in the 422."""


NonEmpty = validate.Length(min=1)
# Any passphrase a person types fits; a megabyte would be hashed at every try.
Password = validate.Length(min=1, max=1024)
# The largest value of an SQL INTEGER column (PostgreSQL refuses more, SQLite overflows
# at 64 bits): a bound on integers that end up in a query.
SQL_INT_MAX = 2**31 - 1
VersionNumber = validate.Range(min=1, max=SQL_INT_MAX)
# The years a date typed in a request may name: beyond, it is a typing error, and
# converting it to UTC or adding a day (a week) to it would overflow.
FIRST_YEAR, LAST_YEAR = 1900, 2999
YEARS_MESSAGE = f"must be between the years {FIRST_YEAR} and {LAST_YEAR}"


class Timestamp(fields.AwareDateTime):
    """An ISO 8601 date-time with its offset, between the years 1900 and 2999: beyond,
    it is a typing error, and converting it to UTC or adding a day would overflow."""

    default_error_messages = {"range": YEARS_MESSAGE}

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        result = super()._deserialize(value, attr, data, **kwargs)
        if not FIRST_YEAR <= result.year <= LAST_YEAR:
            raise self.make_error("range")
        return result


class LocalTime(fields.String):
    """A wall-clock time ``HH:MM`` (24 h), e.g. a ward's day hours; loaded as a ``time``."""

    PATTERN = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    default_error_messages = {"time": "a time HH:MM (24 h), e.g. 08:00"}

    def __init__(self, **kwargs) -> None:
        metadata = kwargs.setdefault("metadata", {})
        metadata.setdefault("pattern", self.PATTERN.pattern)
        metadata.setdefault("example", "08:00")
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return value.strftime("%H:%M") if isinstance(value, time) else value

    def _deserialize(self, value, attr, data, **kwargs) -> time:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not self.PATTERN.fullmatch(text):
            raise self.make_error("time")
        return time.fromisoformat(text)


class ShownText(validate.Validator):
    """Text people read as it was typed: no control character, no bidirectional override
    (``backend.text.shown_text_error``); ``multiline`` text keeps its line breaks."""

    def __init__(self, multiline: bool) -> None:
        self.multiline = multiline

    def __call__(self, value: str) -> str:
        error = shown_text_error(value, self.multiline)
        if error is not None:
            raise ValidationError(error)
        return value


# A name (a patient's, a staff member's, a team's): one line.
OneLine = ShownText(multiline=False)
# Written words (a note, a reason, a patient's message): line breaks allowed.
FreeText = ShownText(multiline=True)


def name_of(length: int) -> list[validate.Validator]:
    """The validators of a name of at most ``length`` characters."""
    return [validate.Length(min=1, max=length), OneLine]


Note = [validate.Length(min=1, max=NOTE_LENGTH), FreeText]
Reason = [validate.Length(min=3, max=REASON_LENGTH), FreeText]


class TimeZoneName(validate.Validator):
    """An IANA time zone name (Europe/Paris), without listing the 600 names in the docs."""

    def __call__(self, value: str) -> str:
        if value not in TIME_ZONES:
            raise ValidationError(f"unknown time zone '{value}' (e.g. Europe/Paris)")
        return value


class PageArgs(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=SQL_INT_MAX))


class CursorPageArgs(PageArgs):
    """A page of a long list: ``limit`` rows after ``cursor``, the value of the
    ``X-Next-Cursor`` header of the previous page (``offset`` still skips rows, but reads
    every one it skips)."""

    cursor = fields.String(validate=validate.Length(min=1, max=500), metadata={
        "description": "The X-Next-Cursor header of the previous page: this page starts "
                       "right after it."})


# Documents the header of a page read with CursorPageArgs.
NEXT_CURSOR_DOC = {"X-Next-Cursor": {
    "description": "Present when the page is full: pass it as `cursor` for the next page.",
    "schema": {"type": "string"}}}


class LangArgs(Schema):
    lang = fields.String(load_default="fr", validate=validate.OneOf(["fr", "en"]))


class StaffSummary(Schema):
    id = fields.UUID()
    display_name = fields.String()
    role = fields.String()
