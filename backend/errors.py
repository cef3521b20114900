"""The errors services raise: what went wrong in the domain's words, never an HTTP status.

Services, jobs and the rules around them raise these; the edges turn them into their own
shape: the API and the web pages into the one JSON error (``backend.http_errors``) or a
message on the page, the command line into a line on stderr. A service never imports
Flask's ``abort`` or an ``HTTPException``.

``Invalid`` names the fields at fault, like marshmallow's validation errors, so a client
sees ``{"errors": {"json": {"email": ["..."]}}}`` whichever layer refused the value.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of the family. ``message`` is a sentence for the person who asked; ``field``
    (and where it was sent, ``location``: ``json``, ``query``, ``form``, ``headers``)
    names the value at fault, when one is."""

    def __init__(self, message: str, *, field: str | None = None,
                 location: str = "json") -> None:
        self.reason = message
        self.field = field
        self.location = location
        self.message = f"{field}: {message}" if field else message
        self.errors: dict[str, Any] | None = (
            {location: {field: [message]}} if field else None)
        super().__init__(self.message)


class NotFound(DomainError):
    """Nothing of that kind under that identifier, or nothing the caller may know of."""


class Conflict(DomainError):
    """The request clashes with the current state (a second active enrolment...)."""


class Forbidden(DomainError):
    """The caller is known but may not do this. ``kind`` names a case a client handles on
    its own (``follow_up_ended``: the message is for the patient)."""

    def __init__(self, message: str, kind: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind


class Unauthenticated(DomainError):
    """No valid credentials (a wrong password, an expired token). ``kind`` names a case a
    client handles on its own (``follow_up_ended``: the message is for the patient)."""

    def __init__(self, message: str, kind: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind


class TooManyAttempts(DomainError):
    """Refused for a while after too many failures; ``retry_after`` in seconds, if known."""

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Invalid(DomainError):
    """A value the domain refuses, naming the field (a malformed header is a bad request,
    a refused body or query value an unprocessable one)."""

    def __init__(self, field: str, message: str, location: str = "json") -> None:
        super().__init__(message, field=field, location=location)


class InvalidValues(Invalid):
    """Several values refused at once: ``errors`` nested like marshmallow's
    (``{"answers": {"pain_now": ["..."]}}``) and one ``message`` for a person."""

    def __init__(self, errors: dict[str, Any], message: str, location: str = "json") -> None:
        DomainError.__init__(self, message, location=location)
        self.errors = {location: errors}


class Unavailable(DomainError):
    """A dependency the request needs is down; the same request may succeed later."""
