"""The audit trail: every access to patient data, every login and every refusal.

Who acts and from where is the *origin* of the work in hand, told by the edge that took
the request (``begin_request`` with the caller's address, ``identify`` once the caller
is authenticated); a job or a command acts as ``system``, from nowhere.

A refusal is a trace that must outlive the attempt it refuses. In a request, the edge
rolls back whatever a failed request changed and then writes the refusals it recorded
(``refusals_pending``: the transaction manager commits them); elsewhere (a job, a
command) the work in hand is given up and the refusal committed at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from flask import current_app, g
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from backend import db
from backend.audit.models import AuditEvent
from backend.clock import now
from backend.errors import TooManyAttempts

Actor = tuple[str, uuid.UUID | None]
ORIGIN = "audit_origin"  # on ``g``: the Origin of the request, command or job
REFUSALS = "audit.refusals"  # in ``Session.info``: the refusals not written yet
ADDRESS_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Origin:
    """Who acts and from where; ``deferred``: an edge writes the refusals once it has
    rolled back the failed request."""

    actor: Actor = ("system", None)
    address: str | None = None
    deferred: bool = False


@dataclass(frozen=True)
class _Refusal:
    event: AuditEvent
    # What the refused caller prepared to survive with the trace (a failed-login count):
    # applied after the rollback, in the transaction that writes the trace.
    keep: Callable[[Session], None] | None


def _origin() -> Origin:
    return g.get(ORIGIN) or Origin()


def begin_request(address: str | None) -> None:
    """The edge took a request from ``address``: an anonymous caller until identified,
    whose refusals the edge writes after rolling the request back."""
    setattr(g, ORIGIN, Origin(actor=("anonymous", None), address=address, deferred=True))


def identify(kind: str, actor_id: uuid.UUID) -> None:
    """The caller of the request is authenticated: the trail names them from now on."""
    setattr(g, ORIGIN, replace(_origin(), actor=(kind, actor_id)))


def _event(action: str, outcome: str, patient_id: uuid.UUID | None, object_type: str | None,
           object_id: Any, detail: dict[str, Any] | None,
           actor: Actor | None) -> AuditEvent:
    origin = _origin()
    actor_type, actor_id = actor or origin.actor
    return AuditEvent(
        at=now(), actor_type=actor_type, actor_id=actor_id, action=action,
        patient_id=patient_id, object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        outcome=outcome, ip=origin.address, detail=detail or {},
    )


def record(action: str, *, patient_id: uuid.UUID | None = None, object_type: str | None = None,
           object_id: Any = None, detail: dict[str, Any] | None = None,
           actor: Actor | None = None, session: Session | None = None) -> None:
    """Record a successful action in the current transaction: it commits with the action."""
    (session or db.session()).add(
        _event(action, "success", patient_id, object_type, object_id, detail, actor))


def record_refusal(action: str, *, outcome: str = "denied", patient_id: uuid.UUID | None = None,
                   object_type: str | None = None, object_id: Any = None,
                   detail: dict[str, Any] | None = None, actor: Actor | None = None,
                   keep: Callable[[Session], None] | None = None) -> None:
    """Record a refused or failed attempt; the caller then raises its refusal.

    Nothing the attempt changed is kept, only its trace (and ``keep``, applied after the
    rollback: what the caller must remember of the failure, e.g. a failed-login count).
    """
    session = db.session()
    refusal = _Refusal(_event(action, outcome, patient_id, object_type, object_id, detail,
                              actor), keep)
    session.info.setdefault(REFUSALS, []).append(refusal)
    if not _origin().deferred:  # a job or a command: no edge will write it later
        session.rollback()
        session.commit()


def refusals_pending(session: Session) -> bool:
    """Refusals wait in ``session``: its next commit writes them (the edge commits after
    rolling back a failed request)."""
    return bool(session.info.get(REFUSALS))


@event.listens_for(Session, "before_commit")
def _write_refusals(session: Session) -> None:
    # Every commit writes the refusals recorded before it, whoever commits: the edge after
    # a failed request's rollback, a page that showed the refusal and carried on. Not a
    # savepoint's: what encloses it may still be rolled back.
    if session.in_nested_transaction():
        return
    for refusal in session.info.pop(REFUSALS, []):
        session.add(refusal.event)
        if refusal.keep is not None:
            refusal.keep(session)


def throttle_address(action: str, address: str | None = None) -> None:
    """Refuse an address that failed ``action`` too often lately, whatever account it tried
    (``address``: the caller's, as the edge saw it; by default the request's origin).

    The audit trail already holds every failure, so it doubles as the rate-limit counter
    shared by all web processes.
    """
    since = now() - ADDRESS_WINDOW
    failures = db.session().scalar(
        select(func.count()).select_from(AuditEvent).where(
            AuditEvent.ip == (address or _origin().address), AuditEvent.action == action,
            AuditEvent.outcome == "failure", AuditEvent.at >= since))
    if failures >= current_app.config["SUIVI_IP_FAILURE_LIMIT"]:
        record_refusal(action, detail={"reason": "too many failures from this address"})
        raise TooManyAttempts("Too many failed attempts from this address; try again in "
                              "15 minutes.", retry_after=int(ADDRESS_WINDOW.total_seconds()))


def throttle_patient(patient_id: uuid.UUID, actions: tuple[str, ...], action: str) -> None:
    """Refuse a patient device that sends far more than any follow-up needs (a loop in a
    broken app, a stolen token): at most SUIVI_SUBMISSION_RATE_LIMIT per 10 minutes."""
    since = now() - timedelta(minutes=10)
    sent = db.session().scalar(
        select(func.count()).select_from(AuditEvent).where(
            AuditEvent.actor_id == patient_id, AuditEvent.action.in_(actions),
            AuditEvent.outcome == "success", AuditEvent.at >= since))
    if sent >= current_app.config["SUIVI_SUBMISSION_RATE_LIMIT"]:
        record_refusal(action, patient_id=patient_id, detail={"reason": "rate limit"})
        raise TooManyAttempts("Too many submissions in a short time; please try again in a "
                              "few minutes.")


def search(filters: dict[str, Any], limit: int, offset: int) -> list[AuditEvent]:
    """Audit events, newest first; the search itself is audited."""
    query = select(AuditEvent)
    for name in ("patient_id", "actor_id", "action", "outcome"):
        if filters.get(name) is not None:
            query = query.where(getattr(AuditEvent, name) == filters[name])
    if filters.get("since"):
        query = query.where(AuditEvent.at >= filters["since"])
    if filters.get("until"):
        query = query.where(AuditEvent.at < filters["until"])
    events = list(db.session().scalars(
        query.order_by(AuditEvent.at.desc(), AuditEvent.id).limit(limit).offset(offset)))
    record("audit.search", patient_id=filters.get("patient_id"),
           detail={k: str(v) for k, v in filters.items() if v is not None})
    return events
