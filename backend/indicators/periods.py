"""The weeks the indicators are counted in: Monday 00:00 to Monday 00:00 on the ward's
clock (SUIVI_DISPLAY_TIMEZONE), named as ISO weeks ("2026-W48")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from backend.errors import Invalid
from backend.limits import INDICATOR_WEEKS
from backend.schemas import FIRST_YEAR, LAST_YEAR, YEARS_MESSAGE

DEFAULT_WEEKS = 12
_ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True)
class Week:
    label: str  # ISO week, "2026-W48"
    start: date  # its Monday
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC, the next Monday's midnight


@dataclass(frozen=True)
class Period:
    weeks: tuple[Week, ...]

    @property
    def starts_at(self) -> datetime:
        return self.weeks[0].starts_at

    @property
    def ends_at(self) -> datetime:
        return self.weeks[-1].ends_at

    @property
    def bounds(self) -> list[tuple[datetime, datetime]]:
        return [(week.starts_at, week.ends_at) for week in self.weeks]


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def parse_week(value: str, field: str) -> date:
    """An ISO week ("2026-W48") or a day ("2026-11-26"): the Monday of its week."""
    value = value.strip()
    match = _ISO_WEEK.match(value)
    try:
        day = (date.fromisocalendar(int(match[1]), int(match[2]), 1) if match
               else monday(date.fromisoformat(value)))
    except ValueError:
        raise Invalid(field, "an ISO week (2026-W48) or a day (2026-11-26) of the week",
                      location="query") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise Invalid(field, YEARS_MESSAGE, location="query")
    return day


def period(first: str | None, last: str | None, today: datetime, zone: ZoneInfo,
           earliest: datetime | None = None) -> Period:
    """The weeks from ``first`` to ``last`` included; at most ``INDICATOR_WEEKS``. By
    default up to this week, from 11 weeks before it or from the week of ``earliest``
    (the first follow-up counted) if that is later: no run of empty weeks."""
    end = parse_week(last, "to") if last else monday(today.astimezone(zone).date())
    if first:
        start = parse_week(first, "from")
    else:
        start = end - timedelta(weeks=DEFAULT_WEEKS - 1)
        if earliest is not None:
            start = min(max(start, monday(earliest.astimezone(zone).date())), end)
    if start > end:
        raise Invalid("from", "is after 'to'", location="query")
    count = (end - start).days // 7 + 1
    if count > INDICATOR_WEEKS:
        raise Invalid("to", f"at most {INDICATOR_WEEKS} weeks at once", location="query")
    weeks = []
    for index in range(count):
        day = start + timedelta(weeks=index)
        iso = day.isocalendar()
        weeks.append(Week(f"{iso.year}-W{iso.week:02d}", day, _midnight(day, zone),
                          _midnight(day + timedelta(days=7), zone)))
    return Period(tuple(weeks))


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone).astimezone(UTC)
