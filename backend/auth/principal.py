"""Who is calling: a staff member, a patient device or an integration client (a system
of the hospital), from the bearer token.

Route guards (``staff_required``, ``patient_required``, ``scope_required``) authenticate,
authorise and audit every refusal; object-level checks (care-team scoping) live in the
feature services.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NoReturn

from flask import current_app, g, request
from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.orm import aliased, defaultload, with_expression

from backend import db
from backend.alerts.models import unresolved_alerts_exist
from backend.audit import services as audit
from backend.auth.models import AccessToken, DeviceToken, StaffUser
from backend.clients.models import ClientToken, IntegrationClient
from backend.clock import now
from backend.enrollments import follow_up
from backend.enrollments.models import Enrollment
from backend.errors import Forbidden, Unauthenticated
from backend.patients.models import Patient
from backend.protocols.models import ProtocolVersion, overrides_in_force
from backend.security import token_hash
from backend.teams.models import TeamMembership

STAFF_TOKEN_PREFIX = "sst"  # noqa: S105 (a prefix, not a secret)
DEVICE_TOKEN_PREFIX = "sdt"  # noqa: S105
CLIENT_TOKEN_PREFIX = "sct"  # noqa: S105
# A token in use slides forward, but a stolen one cannot live longer than a shift.
MAX_SESSION = timedelta(hours=12)


@dataclass(frozen=True)
class StaffPrincipal:
    user: StaffUser
    team_ids: frozenset[uuid.UUID]
    kind: str = "staff"
    # Signed in through the identity provider, which reported a second factor.
    provider_mfa: bool = False

    @property
    def actor_id(self) -> uuid.UUID:
        return self.user.id

    @property
    def role(self) -> str:
        return self.user.role

    @property
    def has_second_factor(self) -> bool:
        """A confirmed second factor, or demo mode (where staff may skip it)."""
        return (self.user.mfa_enabled or self.provider_mfa
                or current_app.config["SUIVI_DEMO"])

    @property
    def may_read_patient_data(self) -> bool:
        return self.has_second_factor

    @property
    def may_administer(self) -> bool:
        # Accounts, second factors and teams lead to every patient's data: the password
        # alone must not reach them either.
        return self.role == "admin" and self.has_second_factor


@dataclass(frozen=True)
class PatientPrincipal:
    patient_id: uuid.UUID
    device_token_id: uuid.UUID
    # Loaded with the token, in the request's session: the views use them as they are.
    patient: Patient = field(repr=False, compare=False)
    # The patient's active enrolment (None: not followed now), not necessarily the one
    # the phone was paired for.
    enrollment: Enrollment | None = field(default=None, repr=False, compare=False)
    kind: str = "patient"

    @property
    def actor_id(self) -> uuid.UUID:
        return self.patient_id


@dataclass(frozen=True)
class ClientPrincipal:
    """An integration client (a device gateway, the EHR) acting on its own: it sees and
    writes the patients of the care team it is bound to, within its token's scopes."""

    client_id: uuid.UUID
    name: str
    team_ids: frozenset[uuid.UUID]
    scopes: frozenset[str]
    kind: str = "client"

    @property
    def actor_id(self) -> uuid.UUID:
        return self.client_id

    @property
    def role(self) -> str:
        # Never "admin": the care-team scoping of the services applies to it as to a nurse.
        return "client"

    def allows(self, scope: str) -> bool:
        return scope_grants(self.scopes, scope)


def scope_grants(granted: frozenset[str] | set[str] | list[str], scope: str) -> bool:
    """Whether ``granted`` scopes cover ``scope`` (``system/*.read`` covers every read)."""
    return scope in granted or (scope.endswith(".read") and "system/*.read" in granted)


Principal = StaffPrincipal | PatientPrincipal | ClientPrincipal
# Who sees patients by care team (an administrator sees them all).
TeamScoped = StaffPrincipal | ClientPrincipal


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _staff(token: str, slide: bool = True) -> StaffPrincipal | None:
    session = db.session()
    row = session.scalar(select(AccessToken).where(AccessToken.token_hash == token_hash(token)))
    current = now()
    if row is None or row.revoked_at is not None or row.expires_at <= current:
        return None
    user = session.get(StaffUser, row.staff_id)
    if user is None or not user.active:
        return None
    ttl = timedelta(seconds=current_app.config["SUIVI_ACCESS_TOKEN_TTL"])
    if slide and row.expires_at - current < ttl / 2:
        # Never beyond the provider's ID token for a sign-in through it.
        row.expires_at = min(current + ttl, row.created_at + MAX_SESSION,
                             row.provider_until or row.created_at + MAX_SESSION)
    teams = session.scalars(select(TeamMembership.team_id)
                            .where(TeamMembership.staff_id == user.id)).all()
    return StaffPrincipal(user=user, team_ids=frozenset(teams), provider_mfa=row.provider_mfa)




# One query: the patient and their active enrolment (the newest, should there be two),
# which the views then use, with the few columns of the token that authenticating reads.
# Built once: building it costs more CPU than PostgreSQL takes to answer it.
_ACTIVE = aliased(Enrollment, name="active_enrollment")
_DEVICE_QUERY = (
    select(Patient, _ACTIVE, DeviceToken.id.label("device_id"),
           DeviceToken.enrollment_id.label("paired_id"), DeviceToken.revoked_at,
           DeviceToken.last_seen_at)
    .join(Patient, Patient.id == DeviceToken.patient_id)
    .outerjoin(_ACTIVE, and_(_ACTIVE.patient_id == DeviceToken.patient_id,
                             _ACTIVE.status == "active"))
    .where(DeviceToken.token_hash == bindparam("token_hash"))
    .order_by(_ACTIVE.created_at.desc()).limit(1)
    # Its protocol is parsed once per process (protocols/content.py): the id finds it,
    # the rest of the row is loaded only on a cache miss.
    .options(defaultload(_ACTIVE.protocol).load_only(ProtocolVersion.slug,
                                                     ProtocolVersion.version),
             # What an answer's evaluation would otherwise ask in statements of its own:
             # whether overrides are in force, whether an alert may need updating.
             with_expression(_ACTIVE.has_overrides, overrides_in_force(_ACTIVE.id)),
             with_expression(Patient.has_unresolved_alerts, unresolved_alerts_exist(Patient.id))))


def _patient(token: str) -> PatientPrincipal | None:
    session = db.session()
    found = session.execute(_DEVICE_QUERY, {"token_hash": token_hash(token)}).first()
    if found is None or found.revoked_at is not None:
        return None
    patient, active = found.Patient, found.active_enrollment
    # The enrolment the phone was paired for is almost always the active one.
    paired = (active if active is not None and found.paired_id == active.id
              else found.paired_id and session.get(Enrollment, found.paired_id))
    current = now()
    if _past_follow_up(paired, patient, current):
        return None
    if found.last_seen_at is None or current - found.last_seen_at > timedelta(hours=1):
        session.execute(update(DeviceToken).where(DeviceToken.id == found.device_id)
                        .values(last_seen_at=current))
    return PatientPrincipal(patient_id=patient.id, device_token_id=found.device_id,
                            patient=patient, enrollment=active)


def _past_follow_up(enrollment: Enrollment | None, patient: Patient,
                    current: datetime) -> bool:
    """A device token works until its enrolment's follow-up ends, plus a grace period
    for the app to send what it still holds; after that, the refusal says why."""
    # (None: paired before tokens named their enrolment)
    if enrollment is not None and current < follow_up.app_access_ends_at(
            enrollment, patient.timezone):
        return False
    g.refused_credential = (patient.id, follow_up.over_message(
        enrollment, patient.language, patient.timezone))
    return True


# A client's last use is written at most this often (not one UPDATE per reading).
LAST_USED_STEP = timedelta(minutes=1)


def _client(token: str) -> ClientPrincipal | None:
    session = db.session()
    found = session.execute(
        select(ClientToken.scopes, IntegrationClient.id, IntegrationClient.name,
               IntegrationClient.care_team_id, IntegrationClient.last_used_at)
        .join(IntegrationClient, IntegrationClient.id == ClientToken.client_id)
        .where(ClientToken.token_hash == token_hash(token), ClientToken.revoked_at.is_(None),
               ClientToken.expires_at > now(), IntegrationClient.revoked_at.is_(None))).first()
    if found is None:
        return None
    current = now()
    if found.last_used_at is None or current - found.last_used_at > LAST_USED_STEP:
        session.execute(update(IntegrationClient).where(IntegrationClient.id == found.id)
                        .values(last_used_at=current))
    return ClientPrincipal(client_id=found.id, name=found.name,
                           team_ids=frozenset({found.care_team_id}),
                           scopes=frozenset(found.scopes))


def authenticate(token: str | None = None, slide: bool = True) -> Principal | None:
    """The principal of the request's bearer token, or of ``token`` (the web session's),
    cached on ``g``; None when there is no valid token. ``slide=False``: the request is
    not the user's doing (a page refreshing itself) and does not keep the token alive."""
    if "principal" in g:
        return g.principal
    token = token or bearer_token()
    principal: Principal | None = None
    if token and token.startswith(STAFF_TOKEN_PREFIX + "_"):
        principal = _staff(token, slide)
    elif token and token.startswith(DEVICE_TOKEN_PREFIX + "_"):
        principal = _patient(token)
    elif token and token.startswith(CLIENT_TOKEN_PREFIX + "_"):
        principal = _client(token)
    g.principal = principal
    if principal is not None:
        audit.identify(principal.kind, principal.actor_id)
    return principal


def _unauthenticated(action: str) -> NoReturn:
    refused = g.get("refused_credential")
    if refused is not None:  # a device token past its follow-up: the app shows why
        patient_id, message = refused
        audit.record_refusal(action, patient_id=patient_id,
                             detail={"reason": "device token past its follow-up"})
        raise Unauthenticated(message, kind=follow_up.FOLLOW_UP_ENDED)
    # A token that turned out invalid counts against the address like no token at all.
    audit.admit_anonymous()
    audit.record_refusal(action, detail={"reason": "no valid token"})
    raise Unauthenticated("A valid bearer token is required (it may have expired).")


def _admit_staff(principal: StaffPrincipal, roles: tuple[str, ...], action: str,
                 patient_data: bool, administration: bool) -> None:
    """Refuse (audited) staff of other ``roles`` or without the second factor the view
    needs."""
    if roles and principal.role not in roles:
        # The trail names the patient of the path, so a search by patient finds it.
        audit.record_refusal(action, detail={"reason": f"role {principal.role}"})
        raise Forbidden(f"This action needs the role {' or '.join(roles)}.")
    if patient_data and not principal.may_read_patient_data:
        audit.record_refusal(action, detail={"reason": "second factor not enrolled"})
        raise Forbidden("Enrol a second factor (POST /api/v1/auth/totp) before "
                        "accessing patient data or publishing a protocol.")
    if administration and not principal.may_administer:
        audit.record_refusal(action, detail={"reason": "second factor not enrolled"})
        raise Forbidden("Enrol a second factor (POST /api/v1/auth/totp) before "
                        "managing accounts and teams.")


def _authenticated(action: str) -> Principal:
    audit.acting(action)
    principal = authenticate()
    if principal is None:
        _unauthenticated(action)
    return principal


def staff_required(*roles: str, action: str, patient_data: bool = True,
                   administration: bool = False) -> Callable:
    """Guard a view for staff of ``roles`` (any staff when empty).

    ``patient_data``: the view touches patient data; ``administration``: the view manages
    accounts or teams (administrators only). Outside demo mode, both need a confirmed
    second factor.
    """

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = _authenticated(action)
            if not isinstance(principal, StaffPrincipal):
                audit.record_refusal(action, detail={
                    "reason": f"{principal.kind} token on a staff route"})
                raise Forbidden("This route is for hospital staff.")
            _admit_staff(principal, roles, action, patient_data, administration)
            return view(*args, **kwargs)

        wrapper.required_roles = roles  # type: ignore[attr-defined]
        wrapper.action = action  # type: ignore[attr-defined]
        return wrapper

    return decorator


def scope_required(scope: str, *, action: str,
                   staff_roles: tuple[str, ...] | None = None) -> Callable:
    """Guard a view for integration clients whose token holds ``scope`` (the one place
    where scopes are checked: the JSON API and FHIR routes alike).

    ``staff_roles``: staff of these roles (any staff when empty) pass too, as under
    ``staff_required`` with patient data; None: clients only. Care-team scoping is the
    services' (``ClientPrincipal.team_ids``, as for staff)."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = _authenticated(action)
            if isinstance(principal, StaffPrincipal) and staff_roles is not None:
                _admit_staff(principal, staff_roles, action, True, False)
            elif not isinstance(principal, ClientPrincipal):
                audit.record_refusal(action, detail={
                    "reason": f"{principal.kind} token on an integration route"})
                raise Forbidden("This route is for the hospital's integration clients.")
            elif not principal.allows(scope):
                audit.record_refusal(action, detail={"reason": f"scope {scope} not granted"})
                raise Forbidden(f"This token's scopes do not include {scope}.")
            return view(*args, **kwargs)

        return wrapper

    return decorator


def patient_required(action: str) -> Callable:
    """Guard a view of the patient app: only a valid, unrevoked device token passes."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = _authenticated(action)
            if not isinstance(principal, PatientPrincipal):
                audit.record_refusal(action, detail={
                    "reason": f"{principal.kind} token on a patient route"})
                raise Forbidden("This route is for the patient app.")
            return view(*args, **kwargs)

        return wrapper

    return decorator


def any_principal_required(action: str) -> Callable:
    """Guard public content (questionnaires, education): any valid token (staff, patient
    app, integration client)."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            audit.acting(action)
            if authenticate() is None:
                _unauthenticated(action)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def current_staff() -> StaffPrincipal:
    principal = g.principal
    assert isinstance(principal, StaffPrincipal)
    return principal


def current_caller() -> TeamScoped:
    """The staff member or integration client of a view guarded for either (FHIR): the
    services scope both by care team (``team_ids``, ``role``)."""
    principal = g.principal
    assert isinstance(principal, StaffPrincipal | ClientPrincipal)
    return principal


def current_patient() -> PatientPrincipal:
    principal = g.principal
    assert isinstance(principal, PatientPrincipal)
    return principal


def current_client() -> ClientPrincipal:
    principal = g.principal
    assert isinstance(principal, ClientPrincipal)
    return principal
