"""One JSON error shape everywhere, and never a stack trace in a response.

flask-smorest already renders HTTP errors as ``{code, status, message, errors}``; these
handlers give the services' domain errors (``backend.errors``), database failures and
unexpected exceptions the same shape. This is the one place a domain error becomes an
HTTP status.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

from backend.db import is_unique_violation
from backend.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    TooManyAttempts,
    Unauthenticated,
    Unavailable,
)

log = logging.getLogger(__name__)


def error_body(code: int, status: str, message: str, errors: dict | None = None,
               kind: str | None = None) -> dict:
    body: dict = {"code": code, "status": status, "message": message}
    if errors:
        body["errors"] = errors
    if kind:
        body["kind"] = kind
    return body


def unavailable_response() -> Response:
    response = jsonify(error_body(503, "Service Unavailable",
                                  "The service is temporarily unavailable; please retry."))
    response.status_code = 503
    response.headers["Retry-After"] = "5"
    return response


STATUS: dict[type[DomainError], int] = {
    NotFound: 404, Conflict: 409, Forbidden: 403, Unauthenticated: 401,
    TooManyAttempts: 429, Invalid: 422, Unavailable: 503,
}


def status_of(error: DomainError) -> int:
    """The HTTP status of a domain error (a malformed header is a 400)."""
    if isinstance(error, Invalid) and error.location == "headers":
        return 400
    for kind in type(error).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 400


def domain_error_response(error: DomainError) -> Response:
    status = status_of(error)
    response = jsonify(error_body(status, HTTP_STATUS_CODES[status], error.message,
                                  error.errors, getattr(error, "kind", None)))
    response.status_code = status
    if isinstance(error, TooManyAttempts) and error.retry_after:
        response.headers["Retry-After"] = str(error.retry_after)
    if isinstance(error, Unavailable):
        response.headers["Retry-After"] = "5"
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(DomainError, domain_error_response)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeout)  # every database connection busy: retry shortly
    def _database(exc: Exception):
        # A database that refuses or drops the connection is a temporary condition the
        # client can retry; nothing of the request was committed.
        log.error("database error: %s", type(exc).__name__)
        return unavailable_response()

    @app.errorhandler(IntegrityError)
    def _conflict(exc: IntegrityError):
        if not is_unique_violation(exc):
            # A foreign key or check refused: a bug, which a retry would only repeat.
            return _unexpected(exc)
        # Two concurrent requests raced for the same unique row; the client may retry.
        log.warning("unique key race: %s", type(exc.orig).__name__)
        response = jsonify(error_body(
            409, "Conflict", "The request conflicts with a concurrent change; please retry."))
        response.status_code = 409
        response.headers["Retry-After"] = "1"
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error")
        original = InternalServerError()
        response = jsonify(error_body(500, original.name, "An unexpected error occurred."))
        response.status_code = 500
        return response
