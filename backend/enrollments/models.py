from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, false, text
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from backend.crypto import SealedText
from backend.db import Base, UUIDPrimaryKey
from backend.protocols.models import ProtocolVersion


class Enrollment(UUIDPrimaryKey, Base):
    """A patient followed on one protocol version from a surgery date, by a care team."""

    __tablename__ = "enrollments"
    __table_args__ = (CheckConstraint("status IN ('active', 'ended')", name="status"),
                      # Planning finds the enrolments not planned far enough ahead.
                      Index("ix_enrollments_active_planned_until", "planned_until",
                            postgresql_where=text("status = 'active'"),
                            sqlite_where=text("status = 'active'")),
                      CheckConstraint("spo2_scale IN (1, 2)", name="spo2_scale"),
                      CheckConstraint("channel IN ('app', 'sms', 'web')", name="channel"))

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    protocol_version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("protocol_versions.id"))
    care_team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("care_teams.id"), index=True)
    surgery_date: Mapped[date]
    # The follow-up starts here: no task is due (or missed) before the patient went home.
    discharge_at: Mapped[datetime]
    # NEWS2 SpO2 scale chosen by the surgeon for this patient (2: hypercapnic respiratory
    # failure, target 88-92 %); None means the protocol's.
    spo2_scale: Mapped[int | None]
    # Why (the patient's condition, in the surgeon's words): sealed, not in the audit trail.
    spo2_scale_reason: Mapped[str | None] = mapped_column(SealedText())
    status: Mapped[str] = mapped_column(String(16), default="active")
    # ``plan-tasks`` has planned every task due before this (None: nothing yet, or the
    # schedule changed): an hour with nothing to plan reads no enrolment at all.
    planned_until: Mapped[datetime | None]
    # How the patient answers: the app, SMS, or a web form opened from an SMS link.
    channel: Mapped[str] = mapped_column(String(8), server_default="app")
    # A carer or visiting nurse measures what a patient cannot (rules.scores.
    # OBSERVER_READINGS: breathing rate, consciousness): only then are they asked and
    # required (a NEWS2 set). Default: not asked of the patient.
    carer_measures: Mapped[bool] = mapped_column(server_default=false())
    # "HH:MM" on the patient's clock: reminders go then when a task is due later that day.
    reminder_time: Mapped[str | None] = mapped_column(String(5))
    enrolled_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]

    protocol: Mapped[ProtocolVersion] = relationship(lazy="joined")
    # Whether threshold overrides are in force, where the query that loaded the enrolment
    # asked (``protocols.models.overrides_in_force``): the device-token lookup does, and an
    # evaluation then reads no overrides when there are none. None: not asked.
    has_overrides: Mapped[bool | None] = query_expression()



# What happened to the patient within 30 days of going home, as the nurse records it at
# the end of the follow-up: the most serious event only (readmission > emergency visit >
# unplanned consultation), or none.
FOLLOW_UP_OUTCOMES = ("readmission", "emergency_visit", "unplanned_consultation", "none")
OUTCOME_WINDOW_DAYS = 30


class FollowUpOutcome(UUIDPrimaryKey, Base):
    """The outcome of one enrolment's follow-up: one row per enrolment, replaced when a
    nurse or surgeon corrects it (``updated_at``, ``recorded_by``: the latest)."""

    __tablename__ = "follow_up_outcomes"
    __table_args__ = (
        CheckConstraint("kind IN ('readmission', 'emergency_visit', "
                        "'unplanned_consultation', 'none')", name="kind"),
        # An event has its day; "none" has none.
        CheckConstraint("(kind = 'none') = (event_date IS NULL)", name="event_date"),
    )

    enrollment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enrollments.id"), unique=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    event_date: Mapped[date | None]
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
