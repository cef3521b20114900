"""The audit trail: every access to patient data, every login and every refusal."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from flask import current_app, g, has_request_context, request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend import db
from backend.api import abort
from backend.audit.models import AuditEvent
from backend.clock import now


def _actor() -> tuple[str, uuid.UUID | None]:
    principal = g.get("principal") if has_request_context() else None
    if principal is None:
        return ("anonymous", None) if has_request_context() else ("system", None)
    return principal.kind, principal.actor_id


def _event(action: str, outcome: str, patient_id: uuid.UUID | None, object_type: str | None,
           object_id: Any, detail: dict[str, Any] | None,
           actor: tuple[str, uuid.UUID | None] | None) -> AuditEvent:
    actor_type, actor_id = actor or _actor()
    return AuditEvent(
        at=now(), actor_type=actor_type, actor_id=actor_id, action=action,
        patient_id=patient_id, object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        outcome=outcome, ip=request.remote_addr if has_request_context() else None,
        detail=detail or {},
    )


def record(action: str, *, patient_id: uuid.UUID | None = None, object_type: str | None = None,
           object_id: Any = None, detail: dict[str, Any] | None = None,
           actor: tuple[str, uuid.UUID | None] | None = None,
           session: Session | None = None) -> None:
    """Record a successful action in the current transaction: it commits with the action."""
    (session or db.session()).add(
        _event(action, "success", patient_id, object_type, object_id, detail, actor))


def record_refusal(action: str, *, outcome: str = "denied", patient_id: uuid.UUID | None = None,
                   object_type: str | None = None, object_id: Any = None,
                   detail: dict[str, Any] | None = None,
                   actor: tuple[str, uuid.UUID | None] | None = None,
                   rollback: bool = True) -> None:
    """Record a refused or failed attempt, committed at once.

    The request is about to fail: whatever it changed is rolled back first (unless the
    caller already prepared what must survive, e.g. a failed-login counter), then the
    trace of the attempt is committed, so the request's rollback cannot erase it.
    """
    session = db.session()
    if rollback:
        session.rollback()
    session.add(_event(action, outcome, patient_id, object_type, object_id, detail, actor))
    session.commit()


def throttle_address(action: str) -> None:
    """Refuse an address that failed ``action`` too often lately, whatever account it tried.

    The audit trail already holds every failure, so it doubles as the rate-limit counter
    shared by all web processes.
    """
    since = now() - timedelta(minutes=15)
    failures = db.session().scalar(
        select(func.count()).select_from(AuditEvent).where(
            AuditEvent.ip == request.remote_addr, AuditEvent.action == action,
            AuditEvent.outcome == "failure", AuditEvent.at >= since))
    if failures >= current_app.config["SUIVI_IP_FAILURE_LIMIT"]:
        record_refusal(action, detail={"reason": "too many failures from this address"})
        abort(429, "Too many failed attempts from this address; try again in 15 minutes.")


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
        abort(429, "Too many submissions in a short time; please try again in a few minutes.")


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
