"""Keyset pagination: a page ends with a cursor, the sort key of its last row, and the
next page starts after it. Read from the index where the previous page stopped, a page
far back costs what the first does (``offset`` reads and drops every row before it),
and rows written meanwhile neither repeat nor shift a row out of the next page.

The cursor is opaque to the caller: URL-safe base64 of the key as JSON."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import datetime
from typing import Any

from backend.errors import Invalid
from backend.schemas import FIRST_YEAR, LAST_YEAR

# The response header that carries the next page's cursor (absent on the last page).
NEXT_CURSOR_HEADER = "X-Next-Cursor"


def encode(at: datetime, *rest: Any) -> str:
    """The cursor of a row whose sort key is ``at`` followed by ``rest`` (strings, ints)."""
    raw = json.dumps([at.isoformat(), *rest], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _value(value: Any, kind: type) -> Any:
    if kind is uuid.UUID:
        return uuid.UUID(value)  # a str; anything else raises
    if type(value) is not kind:
        raise TypeError(kind)
    return value


def _instant(value: Any) -> datetime:
    """A cursor's datetime: aware, and within the years a request may name. No row is
    dated beyond them, and the query converts the datetime to UTC, which overflows at
    the ends of the calendar (9999-12-31 at -23:59, 0001-01-01 at +23:59)."""
    at = datetime.fromisoformat(value)
    if at.tzinfo is None or not FIRST_YEAR <= at.year <= LAST_YEAR:
        raise ValueError(value)
    return at


def decode(cursor: str, shape: tuple[type, ...]) -> tuple:
    """The key held by ``cursor``: an aware datetime (``_instant``), then one value of
    each type of ``shape`` (str, int, or uuid.UUID, written as its string). Anything else
    (edited, truncated, from another list) is ``Invalid`` on ``cursor``."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        first, *rest = json.loads(raw)
        at = _instant(first)
        if len(rest) != len(shape):
            raise ValueError(cursor)
        return (at, *(_value(value, kind) for value, kind in zip(rest, shape, strict=True)))
    except (ValueError, TypeError, AttributeError, binascii.Error, UnicodeDecodeError):
        raise Invalid("cursor", "not a cursor given by this list", location="query") from None
