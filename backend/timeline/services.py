"""A patient's timeline: answers, readings, scores, alerts and their steps, messages,
teleconsultations, in time order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from backend import cursor as cursors
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


# A cursor holds the sort key of an entry (``sort_key``).
CURSOR_SHAPE = (int, str, str, str)


def sort_key(entry: dict[str, Any]) -> tuple:
    """The timeline's order: time, cause before consequence, then a stable tie-break
    (each entry has its own key: a submission's scores by name, an alert's steps by
    number)."""
    return (entry["at"], KIND_ORDER.get(entry["kind"], 5), entry["kind"], str(entry["id"]),
            entry.get("tie", ""))


def cursor_of(entry: dict[str, Any]) -> str:
    """The cursor of the page that ends with ``entry``."""
    return cursors.encode(*sort_key(entry))


def timeline(patient: Patient, since: datetime | None, until: datetime | None,
             limit: int, offset: int, newest_first: bool,
             cursor: str | None = None) -> list[dict[str, Any]]:
    """One page of the patient's timeline, the entries after ``cursor`` (the end of the
    previous page; ``offset`` entries further on, if also given). Each kind of row is
    read in time order up to the page's end, in SQL, from the patient's index: a
    patient with years of device readings costs one page, not every row."""
    session = db.session()
    wanted = offset + limit
    after = cursors.decode(cursor, CURSOR_SHAPE) if cursor else None

    def page(query, column, *tie):
        if since is not None:
            query = query.where(column >= since)
        if until is not None:
            query = query.where(column < until)
        order = [c.desc() if newest_first else c for c in (column, *tie)]
        if after is None:
            return list(session.scalars(query.order_by(*order).limit(wanted)))
        # The rows of the cursor's instant (a few), then a page from beyond it; those
        # before the cursor itself are dropped once every kind is sorted together.
        beyond = column < after[0] if newest_first else column > after[0]
        return [*session.scalars(query.where(column == after[0]).order_by(*order)),
                *session.scalars(query.where(beyond).order_by(*order).limit(wanted))]

    entries: list[dict[str, Any]] = []
    for row in page(select(Submission).where(Submission.patient_id == patient.id),
                    Submission.submitted_at, Submission.id):
        entries.append({"at": row.submitted_at, "kind": "submission", "id": row.id,
                        "data": {"questionnaire": row.questionnaire, "answers": row.answers,
                                 "source": row.source}})
        for score in row.scores:
            entries.append({"at": row.submitted_at, "kind": "score", "id": row.id,
                            "data": score, "tie": str(score.get("name", ""))})
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
                            "data": data, "tie": f"{event.seq:09d}"})
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
    if after is not None:
        entries = [e for e in entries
                   if (sort_key(e) < after if newest_first else sort_key(e) > after)]
    entries.sort(key=sort_key, reverse=newest_first)
    return entries[offset:offset + limit]
