"""The flask-smorest Api (created unbound) and the error helpers every feature uses."""

from __future__ import annotations

from typing import Any, NoReturn

from flask_smorest import Api as SmorestApi
from flask_smorest import abort as smorest_abort

PUBLIC: dict = {"security": []}  # for @blp.doc on operations that need no token


def _flatten(errors: Any, prefix: str = "") -> list[str]:
    """``{"json": {"readings": {"0": {"unit": ["bad"]}}}}`` → ``["readings.0.unit: bad"]``."""
    if isinstance(errors, dict):
        lines: list[str] = []
        for key, value in errors.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            lines += _flatten(value, name)
        return lines
    if isinstance(errors, list | tuple):
        if all(isinstance(item, str) for item in errors):
            return [f"{prefix}: {' '.join(errors)}"]
        return [line for item in errors for line in _flatten(item, prefix)]
    return [f"{prefix}: {errors}"]


class Api(SmorestApi):
    def handle_http_exception(self, error):
        """flask-smorest's error payload, always with a human ``message``.

        Validation errors name each field in the message too ("email: Not a valid email
        address."), without the request location prefix.
        """
        payload, code, headers = super().handle_http_exception(error)
        if "message" not in payload:
            errors = payload.get("errors")
            if errors:
                located = errors if len(errors) != 1 else next(iter(errors.values()))
                payload["message"] = "; ".join(_flatten(located))
            else:
                payload["message"] = error.description or error.name
        return payload, code, headers


api = Api()


def abort(code: int, message: str, errors: dict[str, Any] | None = None) -> NoReturn:
    """Stop the request with the one JSON error shape of the API."""
    if errors is None:
        smorest_abort(code, message=message)
    smorest_abort(code, message=message, errors=errors)
    raise AssertionError("unreachable")


def field_error(field: str, message: str, code: int = 422, location: str = "json") -> NoReturn:
    """A 4xx naming the offending field, shaped like marshmallow's validation errors."""
    abort(code, f"{field}: {message}", errors={location: {field: [message]}})
