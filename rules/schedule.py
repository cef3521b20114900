"""Turn a protocol's schedule into dated tasks, and pick the education of the day.

Post-operative day 0 is the day of surgery. A task planned "day 3 at 10:00" is due at
10:00 on the patient's wall clock (``zoneinfo``), so it moves in UTC when daylight
saving time changes: 08:00Z in Paris summer time, 09:00Z in winter time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from rules.protocol import EducationItem, Protocol


@dataclass(frozen=True)
class PlannedTask:
    """One task to do: ``key`` is deterministic (``daily-postop@d3``) so that planning the
    same period twice yields the same tasks (the backend upserts by key)."""

    key: str
    kind: Literal["questionnaire", "reading"]
    questionnaire: str | None
    reading: str | None
    day: int
    due_at: datetime
    grace: timedelta

    @property
    def missed_at(self) -> datetime:
        """When the task counts as missed if still unanswered."""
        return self.due_at + self.grace


def planned_tasks(
    protocol: Protocol, surgery_date: date, timezone: str, start: datetime, end: datetime
) -> list[PlannedTask]:
    """The protocol's tasks due in ``[start, end)`` (aware datetimes), sorted by due time.

    ``timezone`` is the patient's IANA zone (``Europe/Paris``). A local time that does not
    exist on the day clocks go forward (02:30) is taken with the pre-change offset, i.e.
    one hour later on the wall clock, as ``zoneinfo`` does; an ambiguous one (the day
    clocks go back) is the first occurrence.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    tz = ZoneInfo(timezone)
    out = []
    for entry in protocol.schedule:
        kind: Literal["questionnaire", "reading"] = (
            "questionnaire" if entry.questionnaire else "reading")
        for day in entry.days:
            local = datetime.combine(surgery_date + timedelta(days=day), entry.at, tzinfo=tz)
            due_at = local.astimezone(UTC)
            if start <= due_at < end:
                out.append(PlannedTask(f"{entry.task}@d{day}", kind, entry.questionnaire,
                                       entry.reading, day, due_at, entry.grace))
    out.sort(key=lambda t: (t.due_at, t.key))
    return out


def reminder_at(due_at: datetime, timezone: str, reminder_time: time | None) -> datetime:
    """When the reminder of a task due at ``due_at`` goes: at the patient's own
    ``reminder_time`` (on their clock, the task's local day) when that is earlier, else at
    the due time. Never later: the missing-data rules count from the due time."""
    if reminder_time is None:
        return due_at
    tz = ZoneInfo(timezone)
    local_due = due_at.astimezone(tz)
    chosen = datetime.combine(local_due.date(), reminder_time, tzinfo=tz).astimezone(UTC)
    return min(chosen, due_at)


def post_op_day(surgery_date: date, now: datetime, timezone: str) -> int:
    """The patient's post-operative day at ``now`` (by their local calendar date)."""
    return (now.astimezone(ZoneInfo(timezone)).date() - surgery_date).days


def education_for_day(protocol: Protocol, day: int) -> list[EducationItem]:
    """Education items shown on post-operative ``day``, in the protocol's order."""
    return [item for item in protocol.education if item.days[0] <= day <= item.days[1]]
