from __future__ import annotations

import uuid
from datetime import datetime, time

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.crypto import SealedText
from backend.db import Base, UUIDPrimaryKey


class CareTeam(UUIDPrimaryKey, Base):
    """A telemonitoring team (e.g. a surgical ward): members see the team's patients."""

    __tablename__ = "care_teams"

    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    on_call_phone: Mapped[str | None] = mapped_column(SealedText())
    # The number patients are given to reach the ward (its desk), shown in the patient app
    # with the day hours. Not the on-call phone: that one pages the nurse on call and is
    # never shown to patients. None: the app says to use the discharge letter's number.
    patient_phone: Mapped[str | None] = mapped_column(SealedText())
    # The ward's day hours, on its own clock: when patients' messages and low alerts are
    # read (a low alert never pages anyone outside them), and what the SMS reply promises.
    day_start: Mapped[time] = mapped_column(default=time(8))
    day_end: Mapped[time] = mapped_column(default=time(18))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    created_at: Mapped[datetime]


class TeamMembership(UUIDPrimaryKey, Base):
    __tablename__ = "team_memberships"
    __table_args__ = (UniqueConstraint("team_id", "staff_id"),)

    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("care_teams.id", ondelete="CASCADE"),
                                               index=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"),
                                                index=True)
    created_at: Mapped[datetime]
