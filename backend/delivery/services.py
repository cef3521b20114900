"""A patient's messages as the care team reads them: every SMS and push sent to the
patient (what, on which channel, its delivery, its attempt) and every SMS received from
them, newest first, a page at a time.

The nurse sees the bodies: they are her patient's, and what was sent is what the patient
may ask about. The stored copy of a message masks its secrets (activation codes, form
link tokens), so the page never shows something that opens the patient's data. Bodies
never reach a log. Each read is audited with the patient."""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app
from sqlalchemy import and_, or_, select

from backend import cursor as cursors
from backend import db
from backend.audit import services as audit
from backend.notifications.models import Message
from backend.notifications.services import STATUS_RANK
from backend.patients.models import Patient
from backend.webhooks.models import InboundEvent

CURSOR_SHAPE = (uuid.UUID,)


def patient_messages(patient: Patient, limit: int,
                     cursor: str | None = None) -> list[dict[str, Any]]:
    """Up to ``limit`` messages sent to or received from ``patient``, newest first,
    older than ``cursor`` (the ``cursor_of`` of the previous page's last one)."""
    after = cursors.decode(cursor, CURSOR_SHAPE) if cursor else None
    session = db.session()

    def page(query, at, key):
        if after is not None:
            query = query.where(or_(at < after[0], and_(at == after[0], key < after[1])))
        return session.scalars(query.order_by(at.desc(), key.desc()).limit(limit))

    attempts = current_app.config["SUIVI_SMS_ATTEMPTS"]
    sent = list(page(select(Message).where(Message.patient_id == patient.id),
                     Message.created_at, Message.id))
    reports = _reports([message.provider_id for message in sent if message.provider_id])
    rows = [{**_sent(message, attempts), "reports": reports.get(message.provider_id, [])}
            for message in sent]
    rows += [_received(event) for event in page(
        select(InboundEvent).where(InboundEvent.patient_id == patient.id,
                                   InboundEvent.kind == "sms"),
        InboundEvent.received_at, InboundEvent.id)]
    rows.sort(key=lambda row: (row["at"], row["id"]), reverse=True)
    audit.record("patient.messages", patient_id=patient.id)
    return rows[:limit]


def cursor_of(row: dict[str, Any]) -> str:
    return cursors.encode(row["at"], str(row["id"]))


def _reports(provider_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Every delivery report received for these messages, in order: the webhook keeps
    one row per message and status (its replay guard), found here by its exact key."""
    keys = [f"status:{sid}:{status}" for sid in provider_ids for status in STATUS_RANK]
    out: dict[str, list[dict[str, Any]]] = {}
    if not keys:
        return out
    for key, at in db.session().execute(select(InboundEvent.key, InboundEvent.received_at)
                                        .where(InboundEvent.key.in_(keys))
                                        .order_by(InboundEvent.received_at)):
        _, sid, status = key.split(":", 2)
        out.setdefault(sid, []).append({"status": status, "at": at})
    return out


def _sent(message: Message, attempts: int) -> dict[str, Any]:
    return {"direction": "sent", "id": message.id, "at": message.created_at,
            "channel": message.channel, "template": message.template, "body": message.body,
            "status": message.status, "provider_status": message.provider_status,
            "error_code": message.error_code, "status_at": message.status_at,
            "sent_at": message.sent_at, "attempt": message.attempt,
            # A push is not retried (unless it carries on a failed SMS's chain).
            "max_attempts": attempts if message.channel == "sms" or message.retry_of else 1,
            "retry_of": message.retry_of}


def _received(event: InboundEvent) -> dict[str, Any]:
    return {"direction": "received", "id": event.id, "at": event.received_at,
            "channel": "sms", "template": None, "body": event.body, "action": event.action,
            "status": "received"}
