"""The nurses' web pages sign in with the same services as the API; the access token
lives in Flask's signed, HttpOnly session cookie, and every form carries a CSRF token."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Response, abort, flash, g, redirect, render_template, request, session, url_for
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import HTTPException

from backend import db
from backend.api import flatten_errors
from backend.audit import services as audit
from backend.auth.models import CARE_ROLES
from backend.auth.principal import StaffPrincipal, authenticate
from backend.errors import DomainError, InvalidValues
from backend.http_errors import status_of
from backend.web.i18n import error_text

# A page that refreshes itself asks with ?auto=1: that is not the nurse's activity, and
# must not keep an idle session alive.
AUTO = "auto"


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


FORM_EXPIRED = "The form expired; please try again."


def csrf_valid() -> bool:
    """The form carries the token this browser's session was given with the page."""
    sent = request.form.get("csrf", "")
    return bool(sent) and secrets.compare_digest(sent, session.get("csrf", ""))


def check_csrf() -> None:
    if not csrf_valid():
        abort(400, FORM_EXPIRED)


def login_required(patient_data: bool = True) -> Callable:
    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = authenticate(session.get("token"),
                                     slide=request.args.get(AUTO) != "1")
            if not isinstance(principal, StaffPrincipal):
                if session.pop("token", None):  # a session that ended: as good as none
                    audit.admit_anonymous()
                audit.record_refusal(request.endpoint, detail={"reason": "not signed in"})
                return redirect(url_for("web.login", next=request.path))
            if patient_data and not principal.may_read_patient_data:
                audit.record_refusal(request.endpoint,
                                     detail={"reason": "second factor not enrolled"})
                return redirect(url_for("web.enrol_totp"))
            if request.method == "POST":
                check_csrf()
            return view(*args, **kwargs)

        return wrapper

    return decorator


def role_required(roles: tuple[str, ...], action: str) -> Callable:
    """Under ``login_required``: staff of other roles get a refusal page (403), and the
    refusal is in the trail. ``action`` is the API's name for the same action (its
    ``{placeholders}`` filled from the URL), whose roles these must be: a page must not
    allow what the API refuses (tests/web/test_page_roles.py compares them)."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if principal().role not in roles:
                audit.record_refusal(action.format(**kwargs),
                                     detail={"reason": f"role {principal().role}"})
                return Response(render_template("forbidden.html", roles=roles), status=403)
            return view(*args, **kwargs)

        wrapper.required_roles = roles  # type: ignore[attr-defined]
        wrapper.action = action  # type: ignore[attr-defined]
        return wrapper

    return decorator


def admin_required(action: str) -> Callable:
    return role_required(("admin",), action)


def care_required(action: str) -> Callable:
    """For the care of a patient (enrol, pair a phone, act on alerts): nurses and surgeons,
    never an administrator, as over the API."""
    return role_required(CARE_ROLES, action)


def principal() -> StaffPrincipal:
    return g.principal


def message_of(error: HTTPException | DomainError) -> str:
    """The error in the page's language."""
    if isinstance(error, DomainError):
        return error_text(error.message, status_of(error))
    data = getattr(error, "data", None) or {}
    message = data.get("message") or error.description or error.name
    return error_text(message, error.code or 400)


def attempt(action: Callable[[], Any], success: str | None = None) -> bool:
    """Run a service call from a form; a refusal becomes a message on the next page."""
    try:
        action()
    except (DomainError, HTTPException) as error:
        # Nothing half-done is committed with the redirect: only the refusal's trace (on
        # a patient's page, one naming the patient even if no service wrote one).
        db.session().rollback()
        audit.trace_refused_request(
            status_of(error) if isinstance(error, DomainError) else error.code or 400,
            request.endpoint)
        flash(message_of(error), "error")
        return False
    if success:
        flash(success, "ok")
    return True


def form_args(schema: Schema, data: dict[str, Any]) -> dict[str, Any]:
    """What a form typed, loaded by the API's schema for the same step: the pages refuse
    what the API refuses (limits, characters), with the same message naming the field."""
    try:
        return schema.load(data)
    except ValidationError as error:
        errors = error.normalized_messages()
        raise InvalidValues(errors, "; ".join(flatten_errors(errors)), location="form") from None


def local_path(target: str | None, default: str) -> str:
    """Only a path of this site: never an open redirect.

    Browsers drop tabs and newlines from a URL and read a backslash as ``/``, so a
    tab or a backslash between two slashes would leave the site: any control
    character, space or backslash refuses the target, and so does anything but a path
    starting with a single ``/`` (no scheme, no host)."""
    target = target or ""
    if any(char <= " " or char in "\\\x7f" for char in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target
