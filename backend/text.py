"""What text the database can store: shared by the API's parser and the services that read
raw headers."""

from __future__ import annotations

NUL = "\x00"
NUL_MESSAGE = "must not contain the NUL character (\\u0000)"
SURROGATE_MESSAGE = "must not contain a lone surrogate (\\ud800-\\udfff): not valid Unicode text"


def text_error(value: str) -> list[str] | None:
    """Why the database cannot store ``value``, or None."""
    if NUL in value:
        return [NUL_MESSAGE]
    if any("\ud800" <= char <= "\udfff" for char in value):
        return [SURROGATE_MESSAGE]
    return None
