"""A patient's timeline: answers, readings, scores, alerts and their steps, messages,
teleconsultations, in time order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from backend import db
from backend.alerts.models import Alert, AlertEvent
from backend.alerts.services import delivery_of
from backend.intake.models import Reading, Submission
from backend.notifications.models import Message
from backend.patients.models import Patient
from backend.teleconsult.models import Teleconsultation
from backend.webhooks.models import InboundEvent

# Within one instant, show the cause before its consequences.
KIND_ORDER = {"submission": 0, "score": 1, "reading": 2, "alert.opened": 3, "message": 8,
              "teleconsultation": 9}


def timeline(patient: Patient, since: datetime | None, until: datetime | None,
             limit: int, offset: int, newest_first: bool) -> list[dict[str, Any]]:
    """One page of the patient's timeline. Each kind of row is read in time order up to
    the page's end (``offset + limit`` rows), in SQL: a patient with years of device
    readings costs one page, not every row."""
    session = db.session()
    wanted = offset + limit

    def page(query, column, *tie):
        if since is not None:
            query = query.where(column >= since)
        if until is not None:
            query = query.where(column < until)
        order = (column, *tie)
        return session.scalars(query.order_by(*(c.desc() if newest_first else c
                                                for c in order)).limit(wanted))

    entries: list[dict[str, Any]] = []
    for row in page(select(Submission).where(Submission.patient_id == patient.id),
                    Submission.submitted_at, Submission.id):
        entries.append({"at": row.submitted_at, "kind": "submission", "id": row.id,
                        "data": {"questionnaire": row.questionnaire, "answers": row.answers,
                                 "source": row.source}})
        for score in row.scores:
            entries.append({"at": row.submitted_at, "kind": "score", "id": row.id,
                            "data": score})
    for row in page(select(Reading).where(Reading.patient_id == patient.id),
                    Reading.measured_at, Reading.id):
        entries.append({"at": row.measured_at, "kind": "reading", "id": row.id,
                        "data": {"type": row.type, "value": row.value, "unit": row.unit}})
    alerts = {row.id: row for row in session.scalars(
        select(Alert).where(Alert.patient_id == patient.id))}
    if alerts:
        events = list(page(select(AlertEvent).where(AlertEvent.alert_id.in_(list(alerts))),
                           AlertEvent.at, AlertEvent.alert_id, AlertEvent.seq))
        # Pages (``alert.notified``) carry their delivery: sent, delivered, failed...
        deliveries = delivery_of(events)
        for event in events:
            alert = alerts[event.alert_id]
            data = {"rule": alert.rule_id, "severity": alert.severity, "status": alert.status,
                    "actor_id": event.actor_id, **event.detail}
            if event.id in deliveries:
                data["delivery"] = deliveries[event.id]
            entries.append({"at": event.at, "kind": f"alert.{event.kind}", "id": alert.id,
                            "data": data})
    for row in page(select(Message).where(Message.patient_id == patient.id),
                    Message.created_at, Message.id):
        entries.append({"at": row.created_at, "kind": "message", "id": row.id,
                        "data": {"channel": row.channel, "template": row.template,
                                 "status": row.status, "body": row.body}})
    for row in page(select(Teleconsultation).where(Teleconsultation.patient_id == patient.id),
                    Teleconsultation.starts_at, Teleconsultation.id):
        entries.append({"at": row.starts_at, "kind": "teleconsultation", "id": row.id,
                        "data": {"reason": row.reason, "status": row.status,
                                 "duration_minutes": row.duration_minutes}})
    for row in page(select(InboundEvent).where(InboundEvent.patient_id == patient.id),
                    InboundEvent.received_at, InboundEvent.id):
        entries.append({"at": row.received_at, "kind": "sms.inbound", "id": row.id,
                        "data": {"action": row.action, "body": row.body}})
    entries.sort(key=lambda e: (e["at"], KIND_ORDER.get(e["kind"], 5), str(e["id"])),
                 reverse=newest_first)
    return entries[offset:offset + limit]
