from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UUIDPrimaryKey

TASK_STATUSES = ("pending", "done", "missed")


def _due_at(context) -> datetime:  # noqa: ANN001 (SQLAlchemy's execution context)
    return context.get_current_parameters()["due_at"]


class Task(UUIDPrimaryKey, Base):
    """One scheduled questionnaire or reading of an enrolment, on one post-operative day.

    Planned from the protocol's schedule in the patient's own timezone; ``key`` (e.g.
    ``daily-postop@d3``) makes planning idempotent. A task answered after ``missed_at``
    still counts (``done``, answered late).
    """

    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("enrollment_id", "key"),
        CheckConstraint("status IN ('pending', 'done', 'missed')", name="status"),
        # The periodic jobs look only at pending tasks: the months of answered ones must
        # not be walked every five minutes to find that nothing is due.
        Index("ix_tasks_pending_remind", "remind_at",
              postgresql_where=text("status = 'pending' AND reminded_at IS NULL"),
              sqlite_where=text("status = 'pending' AND reminded_at IS NULL")),
        Index("ix_tasks_pending_missed", "missed_at",
              postgresql_where=text("status = 'pending'"),
              sqlite_where=text("status = 'pending'")),
        # A team's tasks by due time: the indicators' answer rates read their team's
        # tasks, not the whole hospital's.
        Index("ix_tasks_team_due", "care_team_id", "due_at"),
    )

    enrollment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enrollments.id"), index=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    # The enrolment's team, copied as alerts copy it (an enrolment never changes team).
    care_team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("care_teams.id"))
    key: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16))  # questionnaire | reading
    questionnaire: Mapped[str | None] = mapped_column(String(64))
    reading: Mapped[str | None] = mapped_column(String(40))
    day: Mapped[int]
    due_at: Mapped[datetime]
    # When the reminder goes: the due time, or earlier when the patient chose an earlier
    # reminder time (never later: the ward's missing-data alert counts from due_at).
    remind_at: Mapped[datetime] = mapped_column(default=_due_at)
    missed_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    answered_at: Mapped[datetime | None]
    submission_id: Mapped[uuid.UUID | None]
    reminded_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
