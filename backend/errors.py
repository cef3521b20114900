"""One JSON error shape everywhere, and never a stack trace in a response.

flask-smorest already renders HTTP errors as ``{code, status, message, errors}``; these
handlers give database failures and unexpected exceptions the same shape.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import InternalServerError

log = logging.getLogger(__name__)


def error_body(code: int, status: str, message: str, errors: dict | None = None) -> dict:
    body: dict = {"code": code, "status": status, "message": message}
    if errors:
        body["errors"] = errors
    return body


def unavailable_response() -> Response:
    response = jsonify(error_body(503, "Service Unavailable",
                                  "The service is temporarily unavailable; please retry."))
    response.status_code = 503
    response.headers["Retry-After"] = "5"
    return response


def is_unique_violation(exc: IntegrityError) -> bool:
    """PostgreSQL's SQLSTATE 23505, or SQLite's "UNIQUE constraint failed"."""
    return (getattr(exc.orig, "sqlstate", None) == "23505"
            or str(exc.orig).startswith("UNIQUE constraint failed"))


def init_app(app: Flask) -> None:
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
