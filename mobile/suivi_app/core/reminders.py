"""The reminders the phone raises by itself, from its copy of today, without the server.

The server reminds the patient of a task by push or SMS at the task's ``remind_at`` (the
patient's own hour when earlier, else the due time), outside the protocol's quiet hours,
only while the task waits for an answer (backend.tasks.reminders). When it cannot reach
the phone (no network, no push token: this build has no Firebase yet) the phone does the
same from the last ``/me/today`` it kept: a task still to answer is reminded once, at its
``remind_at``, held to the end of the quiet hours, never once ``missed_at`` has passed,
never when its answer was sent or waits in the outbox. There is no second, "missed soon"
reminder: neither the protocols nor the server give a time for one.

Pure: the caller gives the clock, today's copy and what the phone knows of the answers;
:func:`plan` says which tasks to remind now and when to look again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True)
class Plan:
    due: list[dict]  # the tasks to remind now (one notification for them all)
    next_at: datetime | None  # when another reminder falls due; None: none left today


def plan(today: dict | None, now: datetime, timezone: str | None,
         answered: Iterable[str] = (), fired: Iterable[str] = ()) -> Plan:
    """Which of today's tasks to remind at ``now``, and when the next reminder is due.

    ``answered``: ids of the tasks whose answer this phone sent or keeps in its outbox;
    ``fired``: ids of the tasks reminded already; ``timezone``: the patient's (the quiet
    hours are on their clock)."""
    if not today:
        return Plan([], None)
    skip = set(answered) | set(fired)
    zone = _zone(timezone)
    due, later = [], []
    for task in today.get("tasks", []):
        if task.get("status") != "pending" or task["id"] in skip:
            continue
        at = reminder_due(task, now, zone, today.get("reminder_time"),
                          today.get("quiet_hours"))
        if at is None:
            continue
        if at <= now:
            due.append(task)
        else:
            later.append(at)
    return Plan(due, min(later, default=None))


def reminder_due(task: dict, now: datetime, zone: tzinfo | None,
                 reminder_time: str | None = None,
                 quiet_hours: dict | None = None) -> datetime | None:
    """When the task's reminder goes, seen at ``now``: its reminder time, or now if that
    has passed, held to the end of the quiet hours; None once the task is missed by then."""
    at = max(remind_at(task, zone, reminder_time), now)
    at = quiet_until(at, quiet_hours, zone) or at
    return at if at < _parse(task["missed_at"]) else None


def remind_at(task: dict, zone: tzinfo | None, reminder_time: str | None = None) -> datetime:
    """The server's ``remind_at``; for a copy of today from a server that did not give it,
    the patient's hour on the task's day when earlier than the due time, else the due time
    (as the server computes it: rules.schedule.reminder_at)."""
    if task.get("remind_at"):
        return _parse(task["remind_at"])
    due = _parse(task["due_at"])
    if not reminder_time:
        return due
    local_day = due.astimezone(zone).date()
    chosen = datetime.combine(local_day, time.fromisoformat(reminder_time),
                              tzinfo=zone or due.astimezone().tzinfo)
    return min(chosen, due)


def quiet_until(at: datetime, quiet_hours: dict | None,
                zone: tzinfo | None) -> datetime | None:
    """When the quiet hours around ``at`` end (``{from, to}`` on the patient's clock,
    possibly across midnight); None when ``at`` is outside them or the server gave none.
    The server's own rule (rules.protocol.QuietHours), which the app cannot import."""
    if not quiet_hours:
        return None
    start, end = time.fromisoformat(quiet_hours["from"]), time.fromisoformat(quiet_hours["to"])
    local = at.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    crosses_midnight = end <= start
    quiet = (clock >= start or clock < end) if crosses_midnight else start <= clock < end
    if not quiet:
        return None
    day = local.date() + timedelta(days=1 if crosses_midnight and clock >= start else 0)
    return datetime.combine(day, end, tzinfo=local.tzinfo).astimezone(at.tzinfo)


def _zone(timezone: str | None) -> tzinfo | None:
    """The patient's zone; None (the phone's own) when the phone has no tz database."""
    try:
        return ZoneInfo(timezone) if timezone else None
    except (ValueError, ZoneInfoNotFoundError):
        return None


def _parse(value: str | datetime) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)
