from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ColumnElement,
    Computed,
    Exists,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    exists,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from backend.crypto import SealedJSON, SealedText
from backend.db import Base, UUIDPrimaryKey

# A patient's own words (a free-text answer, an SMS to the ward) wait in the queue as one
# item per patient: an alert of this group and rule, read and closed like the others.
MESSAGE_GROUP = "message"
MESSAGE_RULE = "patient-message"
# SMS that could not be delivered to a patient (backend/alerts/unreachable.py): one item
# per patient too.
UNREACHABLE_GROUP = "unreachable"
UNREACHABLE_RULE = "patient-unreachable"

# The queue's order, high first: computed by the database from ``severity``, so it can
# never disagree with it, and indexed with the rest of the queue's ORDER BY.
SEVERITY_RANK_SQL = "CASE severity WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END"

# ``data_received``: a missing-data alert closed by the answer it was waiting for.
OUTCOMES = ("advice_given", "called_patient", "teleconsultation", "sent_to_emergency",
            "readmitted", "false_alarm", "data_received", "other")


class Alert(UUIDPrimaryKey, Base):
    """A finding a nurse must act on. One open alert per patient and rule group at most:
    the rules of one group are about one cause (``rule_id`` is the group's highest).

    ``due_by`` (acknowledge by) is set when the alert opens and only ever moves earlier,
    when its severity rises; escalation keeps its own schedule (``next_escalation_at``,
    ``escalation_level``). ``series`` holds every finding that opened or updated the
    alert, with its values, so the worst value is never overwritten by a later one.
    """

    __tablename__ = "alerts"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'acknowledged', 'resolved')", name="status"),
        CheckConstraint("severity IN ('low', 'medium', 'high')", name="severity"),
        # The database itself guarantees "a repeat updates it, never duplicates it",
        # even for two submissions evaluated at the same instant.
        Index("uq_alerts_one_open_per_group", "patient_id", "rule_group", unique=True,
              postgresql_where=text("status <> 'resolved'"),
              sqlite_where=text("status <> 'resolved'")),
        # The queue (status open or acknowledged) in its order, read from the top by a
        # hospital's administrator; a nurse's team reads its own alerts by patient.
        Index("ix_alerts_queue", text("severity_rank DESC"),
              func.coalesce(text("snoozed_until"), text("created_at")), "id",
              postgresql_where=text("status IN ('open', 'acknowledged')"),
              sqlite_where=text("status IN ('open', 'acknowledged')")),
        Index("ix_alerts_escalation", "status", "next_escalation_at"),
        # A team's indicators: its alerts opened, or resolved, in a period, without
        # reading the hospital's (the enrolment's team is copied on the alert).
        Index("ix_alerts_team_created", "care_team_id", "created_at"),
        Index("ix_alerts_team_resolved", "care_team_id", "resolved_at"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    enrollment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enrollments.id"))
    care_team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("care_teams.id"), index=True)
    rule_id: Mapped[str] = mapped_column(String(64))
    rule_group: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(8))
    severity_rank: Mapped[int] = mapped_column(Computed(SEVERITY_RANK_SQL, persisted=True))
    status: Mapped[str] = mapped_column(String(16), default="open")
    explanation: Mapped[dict[str, str]] = mapped_column(JSON)
    advice: Mapped[dict[str, str]] = mapped_column(JSON)
    # Sealed at rest: a message item's evidence is the patient's own words, and values
    # with their context are health data (backend/crypto.py).
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(SealedJSON())
    series: Mapped[list[dict[str, Any]]] = mapped_column(SealedJSON())
    last_evidence_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    due_by: Mapped[datetime]
    assigned_to: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_users.id"))
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_users.id"))
    snoozed_until: Mapped[datetime | None]
    snooze_reason: Mapped[str | None] = mapped_column(SealedText())
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_users.id"))
    outcome: Mapped[str | None] = mapped_column(String(32))
    escalation_level: Mapped[int] = mapped_column(default=0)
    next_escalation_at: Mapped[datetime]


class AlertEvent(UUIDPrimaryKey, Base):
    """One step of an alert's life: opened, updated, acknowledged, note, escalated...

    A ``notified`` step is one message about the alert (to a nurse or the on-call phone):
    ``message_id`` points at it, and its delivery (sending, sent, delivered, failed) is
    the message's own status, so the step follows the message without a second copy.
    """

    __tablename__ = "alert_events"
    # ``seq`` orders the steps of one alert; two nurses acting on the same alert at the
    # same moment collide on it, and the second gets a 409 to retry on fresh data.
    __table_args__ = (UniqueConstraint("alert_id", "seq"),)

    alert_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("alerts.id"), index=True)
    seq: Mapped[int]
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(24))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_users.id"))
    # A nurse's note, a resolution's words: sealed at rest.
    detail: Mapped[dict[str, Any]] = mapped_column(SealedJSON(), default=dict)
    message_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("messages.id"), unique=True)


def unresolved_alerts_exist(patient_id: ColumnElement[uuid.UUID]) -> Exists:
    """Whether the patient of ``patient_id`` has an alert not resolved yet, as the SQL a
    query loads into ``Patient.has_unresolved_alerts`` (read from the partial index of
    the unresolved alerts)."""
    return exists().where(Alert.patient_id == patient_id, Alert.status != "resolved")
