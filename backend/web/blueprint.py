"""The web pages' blueprint and what every template may use."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, g, request, session

from backend.api import nul_errors
from backend.audit import services as audit
from backend.auth.models import CARE_ROLES
from backend.auth.principal import authenticate
from backend.web import labels
from backend.web.i18n import _, lang, number
from backend.web.session import csrf_token
from backend.wiring import wiring

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static",
               static_url_path="/web/static")


@bp.before_request
def _refuse_text_no_database_compares() -> None:
    """A query string the API would refuse (a NUL character, a lone surrogate: no
    database compares such text) is refused before any page reads it, as a bad request:
    a search box, a filter or a page's parameter would otherwise reach SQL with it.

    This runs before the page's own sign-in check: the signed-in staff member is looked up
    here, so that the edge's row names who was refused (and, on a patient's page, that
    patient), not an anonymous caller."""
    if nul_errors(dict(request.args.lists())):
        authenticate(session.get("token"), slide=False)  # a refusal keeps no session alive
        audit.acting(request.endpoint)
        abort(400, "The address holds a character that is not text.")


def display_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["SUIVI_DISPLAY_TIMEZONE"])


@bp.app_template_filter("local")
def local_time(value: datetime | None, fmt: str = "%d/%m %H:%M") -> str:
    """A UTC timestamp on the ward's clock (SUIVI_DISPLAY_TIMEZONE)."""
    if value is None:
        return ""
    return value.astimezone(display_zone()).strftime(fmt)


@bp.app_context_processor
def _globals() -> dict:
    return {"csrf_token": csrf_token, "demo": current_app.config["SUIVI_DEMO"], "_": _,
            "lang": lang, "number": number, "labels": labels,
            "outcomes": list(labels.OUTCOMES), "sso_name": _sso_name(),
            "may_care": _may_care()}


def _may_care() -> bool:
    """Whether the signed-in member of staff cares for patients (the pages then offer the
    actions on a patient and their alerts; an administrator only reads)."""
    signed_in = g.get("principal")
    return getattr(signed_in, "role", None) in CARE_ROLES


def _sso_name() -> str | None:
    """The identity provider's name for the sign-in button; None: no single sign-on."""
    provider = wiring().identity_provider
    return provider.name if provider is not None else None
