"""Noise in the audit trail: refusals of callers nobody knows (no token, a forged
webhook, an unknown e-mail), which one script sends by the thousand; and those of a
patient's own app on their own record, which sends what the server refused again every
minute (a broken one, in a loop).

Per window of a minute and per (address, action, outcome, patient; and for a patient's
own, the actor and the detail, a status or a reason), the first ``FIRST_ROWS`` such
refusals are written as they come; the others are only counted in Redis, and the
periodic ``flush-audit-noise`` job writes one row for them once their window is over:
same action, outcome, address, patient (and actor and detail), ``detail`` with
``{"count": n, "from": ..., "until": ...}``. Trail rows are never updated (append-only
triggers), so a count is written once, complete.

Redis unreachable: every refusal is written, as if the window were fresh.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import timedelta

from sqlalchemy.orm import Session

from backend.audit.counters import UNREACHABLE, window_bounds, window_index
from backend.audit.models import AuditEvent
from backend.wiring import wiring

log = logging.getLogger(__name__)
WINDOW_SECONDS = 60
FIRST_ROWS = 5
PENDING = "suivi:audit-noise:windows"  # sorted set of the windows holding counts
# Counts the flush job never came to are dropped after this long.
KEEP = timedelta(days=1)


def _counts(index: int) -> str:
    return f"suivi:audit-noise:{index}"


ANONYMOUS = ("anonymous", None)


def admit(address: str | None, action: str, outcome: str, patient_id: uuid.UUID | None,
          actor: tuple[str, uuid.UUID | None] = ANONYMOUS, detail: dict | None = None) -> bool:
    """Count one refusal; whether it gets a row of its own (else the window's count
    row will hold it). ``detail``: what the count row of a known actor repeats."""
    index = window_index(WINDOW_SECONDS)
    parts = [address, action, outcome, str(patient_id) if patient_id else None]
    if actor != ANONYMOUS:  # (an anonymous refusal's key is as it always was)
        parts += [actor[0], str(actor[1]), detail or {}]
    field = json.dumps(parts, sort_keys=True)
    try:
        pipe = wiring().redis.pipeline()
        pipe.hincrby(_counts(index), field, 1)
        pipe.expire(_counts(index), int(KEEP.total_seconds()))
        pipe.zadd(PENDING, {str(index): index})
        seen, _, _ = pipe.execute()
    except UNREACHABLE as error:
        log.warning("Redis unreachable (%s): refusal written, not counted",
                    type(error).__name__)
        return True
    return int(seen) <= FIRST_ROWS


def flush(session: Session) -> int:
    """Write one row per counted key of every window that is over; the number written.

    A window is flushed one window after its end, so that a request that began in it
    has finished; one flusher takes it (ZREM), and gives it back if the commit fails."""
    redis = wiring().redis
    last = window_index(WINDOW_SECONDS) - 2
    written = 0
    for member in redis.zrangebyscore(PENDING, "-inf", last):
        index = int(member)
        if not redis.zrem(PENDING, member):
            continue  # another flusher has it
        rows = _rows(index, redis.hgetall(_counts(index)))
        try:
            session.add_all(rows)
            session.commit()
        except Exception:
            session.rollback()
            redis.zadd(PENDING, {str(index): index})
            raise
        redis.delete(_counts(index))
        written += len(rows)
    return written


def _rows(index: int, counts: dict) -> list[AuditEvent]:
    start, end = window_bounds(WINDOW_SECONDS, index)
    rows = []
    for field, value in counts.items():
        beyond = int(value) - FIRST_ROWS
        if beyond <= 0:
            continue  # every one of them has its own row
        address, action, outcome, patient, *known = json.loads(field)
        actor_type, actor_id, detail = known or (*ANONYMOUS, {})
        rows.append(AuditEvent(
            at=end, actor_type=actor_type, actor_id=uuid.UUID(actor_id) if actor_id else None,
            action=action, patient_id=uuid.UUID(patient) if patient else None,
            outcome=outcome, ip=address,
            detail={**detail, "count": beyond, "from": start.isoformat(),
                    "until": end.isoformat()}))
    return rows
