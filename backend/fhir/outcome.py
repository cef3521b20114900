"""Every error under ``/fhir/R4`` is an ``OperationOutcome``, whatever raised it.

The API's handlers (``backend.http_errors``, flask-smorest's) already turn every failure,
routing's 404 and 405 included, into the one JSON error shape and never a stack trace;
under ``/fhir/R4`` that shape is rewritten here, status kept, into what FHIR clients read.
One place, after the handlers: no route can answer a FHIR client in another shape.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, Response, request

PREFIX = "/fhir/R4"
FHIR_JSON = "application/fhir+json"

# The issue type (http://hl7.org/fhir/issue-type) of each HTTP status.
ISSUE_TYPE = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found",
              405: "not-supported", 406: "not-supported", 409: "conflict",
              410: "deleted", 412: "conflict", 413: "too-costly", 415: "not-supported",
              422: "processing", 429: "throttled", 503: "transient"}


def outcome(status: int, message: str, fields: list[str] | None = None) -> dict[str, Any]:
    """An OperationOutcome of one issue per field at fault (one issue when none is)."""
    issue_type = ISSUE_TYPE.get(status, "exception" if status >= 500 else "invalid")
    issues = [{"severity": "error", "code": issue_type, "diagnostics": message,
               **({"expression": [field]} if field else {})}
              for field in (fields or [None])]
    return {"resourceType": "OperationOutcome", "issue": issues}


def fields_of(errors: Any, prefix: str = "") -> list[str]:
    """``{"json": {"subject": ["..."]}}`` → ``["subject"]`` (the location left out)."""
    if not isinstance(errors, dict):
        return [prefix] if prefix else []
    found: list[str] = []
    for key, value in errors.items():
        if not prefix and key in ("json", "query", "headers", "form", "path"):
            found += fields_of(value)
        else:
            found += fields_of(value, f"{prefix}.{key}" if prefix else str(key))
    return found


def _as_outcome(response: Response) -> Response:
    body = None
    if response.is_json:
        body = response.get_json(silent=True)
    if isinstance(body, dict) and body.get("resourceType") == "OperationOutcome":
        return response
    message = (body or {}).get("message") if isinstance(body, dict) else None
    errors = (body or {}).get("errors") if isinstance(body, dict) else None
    rewritten = outcome(response.status_code, message or response.status,
                        fields_of(errors) or None)
    response.set_data(json.dumps(rewritten, ensure_ascii=False))
    response.mimetype = FHIR_JSON
    return response


def init_app(app: Flask) -> None:
    @app.after_request
    def _fhir_errors(response: Response) -> Response:
        if response.status_code >= 400 and (request.path == PREFIX
                                            or request.path.startswith(PREFIX + "/")):
            return _as_outcome(response)
        return response
