"""Who may do what under ``/fhir/R4``: the one decision every FHIR route goes through.

A FHIR interaction is named by its resource type and interaction (``Observation``,
``create``). Each kind of principal has one rule here: hospital staff pass the same
guard as ``/api/v1`` (a bearer token, a second factor, the role for writes) and then see
only the patients of their care teams, through the services. Another kind of caller (an
integration client holding SMART scopes such as ``system/Observation.write``) is one
more entry in ``RULES``, deciding from its scopes; the routes do not change.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from backend.auth.models import CARE_ROLES
from backend.auth.principal import authenticate, scope_required, staff_required

# Interactions that write: staff who record care (as PATCH /api/v1/patients/{id}).
WRITES = frozenset({"create", "update", "delete"})
WRITERS = CARE_ROLES
# The audit trail is read by the staff of the patient's team and administrators only.
STAFF_ONLY = frozenset({"AuditEvent"})
# Operations that read every resource type of a patient.
EVERY_TYPE = frozenset({"everything"})


def action_of(resource: str, interaction: str) -> str:
    """The audit trail's name of an interaction: ``fhir.observation.create``."""
    return f"fhir.{resource.lower()}.{interaction}"


def _staff_rule(resource: str, interaction: str, view: Callable) -> Callable:
    roles = WRITERS if interaction in WRITES else ()
    return staff_required(*roles, action=action_of(resource, interaction))(view)


def scope_of(resource: str, interaction: str) -> str:
    """The SMART scope an integration client needs: ``system/Observation.write``
    (``Patient/{id}/$everything`` reads every type: ``system/*.read``)."""
    if interaction in EVERY_TYPE:
        return "system/*.read"
    return f"system/{resource}.{'write' if interaction in WRITES else 'read'}"


def _client_rule(resource: str, interaction: str, view: Callable) -> Callable:
    if resource in STAFF_ONLY:
        return _staff_rule(resource, interaction, view)  # which refuses a client token
    # ``system/*.read`` covers every read (backend.auth.principal.scope_grants).
    return scope_required(scope_of(resource, interaction),
                          action=action_of(resource, interaction))(view)


# principal kind → the guard of a view for (resource, interaction). A caller of no known
# kind (no token, a patient's device token) meets the staff rule, which refuses it with
# the API's 401 or 403, audited.
RULES: dict[str, Callable[[str, str, Callable], Callable]] = {"staff": _staff_rule,
                                                              "client": _client_rule}
DEFAULT_KIND = "staff"


def fhir_access(resource: str, interaction: str) -> Callable:
    """Guard a FHIR view; the view then reads the principal, staff or client, with
    ``backend.auth.principal.current_caller``."""

    def decorator(view: Callable) -> Callable:
        guarded = {kind: rule(resource, interaction, view) for kind, rule in RULES.items()}

        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = authenticate()
            kind = principal.kind if principal is not None else DEFAULT_KIND
            return guarded.get(kind, guarded[DEFAULT_KIND])(*args, **kwargs)

        return wrapper

    return decorator
