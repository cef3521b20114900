"""The flask-smorest Api (created unbound), the Blueprint every feature uses, and the
error helpers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from flask_smorest import Api as SmorestApi
from flask_smorest import Blueprint as SmorestBlueprint
from flask_smorest import abort as smorest_abort
from marshmallow import ValidationError
from webargs.flaskparser import FlaskParser

from backend.cursor import NEXT_CURSOR_HEADER
from backend.text import NUL, text_error

PUBLIC: dict = {"security": []}  # for @blp.doc on operations that need no token


def flatten_errors(errors: Any, prefix: str = "") -> list[str]:
    """``{"json": {"readings": {"0": {"unit": ["bad"]}}}}`` → ``["readings.0.unit: bad"]``."""
    if isinstance(errors, dict):
        lines: list[str] = []
        for key, value in errors.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            lines += flatten_errors(value, name)
        return lines
    if isinstance(errors, list | tuple):
        if all(isinstance(item, str) for item in errors):
            return [f"{prefix}: {' '.join(errors)}" if prefix else " ".join(errors)]
        return [line for item in errors for line in flatten_errors(item, prefix)]
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
                payload["message"] = "; ".join(flatten_errors(located))
            else:
                payload["message"] = error.description or error.name
        return payload, code, headers


api = Api()


def page_response(rows: list, limit: int, cursor_of: Callable[[Any], str]) -> Any:
    """A page of a list read with ``CursorPageArgs``: when it is full, the cursor of its
    last row in the ``X-Next-Cursor`` header (the next page may then be empty)."""
    if len(rows) < limit:
        return rows
    return rows, 200, {NEXT_CURSOR_HEADER: cursor_of(rows[-1])}

# The deepest body of this API, a protocol version, nests about 12 levels.
MAX_DEPTH = 32
DEPTH_MESSAGE = f"nested deeper than {MAX_DEPTH} levels"


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether ``value`` nests lists or objects deeper than ``limit`` (iteratively: a
    hostile body must not exhaust the stack)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            children = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def nul_errors(value: Any) -> Any:
    """marshmallow-shaped errors for the strings of ``value`` holding a NUL character or
    a lone surrogate, or None. PostgreSQL text cannot store a NUL (SQLite can: the
    backends would differ), and no database stores a lone surrogate."""
    if isinstance(value, str):
        return text_error(value)
    if isinstance(value, Mapping):
        bad_keys = {key.replace(NUL, "\\u0000").encode("utf-8", "backslashreplace").decode():
                    error
                    for key in value
                    if isinstance(key, str) and (error := text_error(key)) is not None}
        if bad_keys:
            return bad_keys
        items = list(value.items())
    elif isinstance(value, list | tuple):
        items = list(enumerate(value))
    else:
        return None
    errors = {key: error for key, item in items if (error := nul_errors(item)) is not None}
    return errors or None


class Parser(FlaskParser):
    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except RecursionError:  # the JSON decoder itself gave up
            raise ValidationError({"json": [DEPTH_MESSAGE]}) from None

    def pre_load(self, location_data, *, schema, req, location):
        """Refuse, naming the field, a body or query string the database cannot store."""
        if too_deep(location_data):
            raise ValidationError([DEPTH_MESSAGE])
        errors = nul_errors(location_data)
        if errors:
            raise ValidationError(errors)
        return location_data


def _refuse_nul_in_path(endpoint: str | None, values: dict[str, Any] | None) -> None:
    # No identifier contains a NUL: such a path names nothing (and would fail in SQL).
    if values and any(isinstance(value, str) and NUL in value for value in values.values()):
        abort(404, "Not Found")


class Blueprint(SmorestBlueprint):
    """flask-smorest's Blueprint, refusing input the database cannot store."""

    ARGUMENTS_PARSER = Parser()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.url_value_preprocessor(_refuse_nul_in_path)

    def arguments(self, schema: Any, **kwargs: Any) -> Callable:
        """flask-smorest's ``arguments``, with one schema instance for every request:
        given a class, webargs builds the schema again for each request (its fields
        deep-copied), and loading keeps no state in the instance."""
        return super().arguments(schema() if isinstance(schema, type) else schema, **kwargs)


def abort(code: int, message: str, errors: dict[str, Any] | None = None) -> NoReturn:
    """Stop the request with the one JSON error shape of the API."""
    if errors is None:
        smorest_abort(code, message=message)
    smorest_abort(code, message=message, errors=errors)
    raise AssertionError("unreachable")


def field_error(field: str, message: str, code: int = 422, location: str = "json") -> NoReturn:
    """A 4xx naming the offending field, shaped like marshmallow's validation errors."""
    abort(code, f"{field}: {message}", errors={location: {field: [message]}})
