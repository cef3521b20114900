"""Time behind an interface (``backend.wiring.Clock``): services ask the app's clock,
tests install a frozen one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import available_timezones

from backend.wiring import wiring

# The IANA time zones a person may live in: not the server's own ``localtime`` (whatever
# the machine is set to) nor ``Factory`` (no zone at all), which the database also lists.
TIME_ZONES = frozenset(available_timezones() - {"localtime", "Factory", "posixrules"})


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to (tests, demo history generation)."""

    def __init__(self, at: datetime) -> None:
        self._at = at

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at

    def advance(self, **delta: float) -> None:
        self._at += timedelta(**delta)


def now() -> datetime:
    return wiring().clock.now()
