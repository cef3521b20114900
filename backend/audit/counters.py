"""Counters shared by every web process, kept in Redis per window of the app's clock.

The audit table is the trail, not a counter: counting its rows to throttle a caller
grows with the table and ties a limit to what the trail keeps. A counter here is one
Redis key per fixed window (``suivi:<name>:<window index>:<parts>``), expiring by itself
once its window is over. The window is read on the app's clock (``backend.clock.now``),
so a limit lifts when the clock says so, in tests too.

Redis unreachable: a counter answers None and its caller goes on without the limit (the
database's own limits, such as the per-account lockout, still hold); a hung Redis costs
one timeout per request or job (``wiring.redis_failed``: what follows does without it).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime

from redis.exceptions import RedisError

from backend.clock import now
from backend.wiring import note_redis_failure, redis_failed, wiring

log = logging.getLogger(__name__)
UNREACHABLE = (RedisError, OSError)


def window_index(seconds: int, at: datetime | None = None) -> int:
    """The index of the window of ``seconds`` that holds ``at`` (now by default)."""
    return int((at or now()).timestamp()) // seconds


def window_bounds(seconds: int, index: int) -> tuple[datetime, datetime]:
    start = datetime.fromtimestamp(index * seconds, UTC)
    return start, datetime.fromtimestamp((index + 1) * seconds, UTC)


def seconds_left(seconds: int) -> int:
    """Seconds until the current window of ``seconds`` ends (at least 1)."""
    return max(1, seconds - int(now().timestamp()) % seconds)


def key(name: str, seconds: int, parts: Iterable[object]) -> str:
    return ":".join(["suivi", name, str(window_index(seconds)), *map(str, parts)])


def hit(name: str, seconds: int, *parts: object) -> int | None:
    """Add one to the counter ``name`` of ``parts`` in the current window; its new value,
    or None when Redis cannot be reached."""
    counter = key(name, seconds, parts)
    if redis_failed():
        return None
    try:
        pipe = wiring().redis.pipeline()
        pipe.incr(counter)
        pipe.expire(counter, 2 * seconds)
        value, _ = pipe.execute()
    except UNREACHABLE as error:
        note_redis_failure()
        log.warning("Redis unreachable (%s): counter %s not kept", type(error).__name__, name)
        return None
    return int(value)


def values(name: str, seconds: int, *keys: tuple[object, ...]) -> list[int] | None:
    """The current window's counters ``name`` of each tuple of parts in ``keys`` (0 when
    absent), in one round trip; None when Redis cannot be reached."""
    if redis_failed():
        return None
    try:
        found = wiring().redis.mget([key(name, seconds, parts) for parts in keys])
    except UNREACHABLE as error:
        note_redis_failure()
        log.warning("Redis unreachable (%s): counter %s not read", type(error).__name__, name)
        return None
    return [int(value or 0) for value in found]


def add_members(name: str, seconds: int, parts: Iterable[object],
                members: list[str]) -> list[bool] | None:
    """Add ``members`` to the set ``name`` of ``parts`` in the current window; for each,
    whether it was new there (one round trip); None when Redis cannot be reached."""
    members_key = key(name, seconds, parts)
    if redis_failed():
        return None
    try:
        pipe = wiring().redis.pipeline()
        for member in members:
            pipe.sadd(members_key, member)
        pipe.expire(members_key, 2 * seconds)
        added = pipe.execute()[:-1]
    except UNREACHABLE as error:
        note_redis_failure()
        log.warning("Redis unreachable (%s): set %s not kept", type(error).__name__, name)
        return None
    return [bool(count) for count in added]
