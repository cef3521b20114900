"""The transactional outbox: intentions written with the change, relayed to RQ after commit.

A request (or job, or command) writes outbox rows in its own transaction; once that
transaction has committed, ``relay`` enqueues one RQ job per row: a hook on every session
(``relay_after_commit``), so whoever commits relays, and a rollback forgets the rows. If
Redis is down the rows stay pending and the periodic ``sweep`` enqueues them later:
nothing is lost and nothing runs before the data it needs is committed.

Each entry's ``kind`` names its handler among those the features register with
``create_app`` (``Wiring.outbox_handlers``); the delivery job (``backend.outbox.jobs``)
calls it. The outbox itself knows no feature.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy import event, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from backend import db
from backend.clock import now
from backend.outbox.models import OutboxEntry
from backend.wiring import note_redis_failure, redis_failed, wiring

log = logging.getLogger(__name__)

# An entry enqueued this long ago and still pending is enqueued again (lost job, dead worker).
REENQUEUE_AFTER = timedelta(minutes=2)
MARK_BATCH = 1000
# session.info keys: entries written in the open transaction, then committed ones.
SESSION_KEY = "suivi.outbox"
COMMITTED_KEY = "suivi.outbox.committed"
# Named, not imported: the outbox depends on no job module (the job depends on it).
DELIVERY_JOB = "backend.outbox.jobs.deliver_outbox"


class NotNow(Exception):
    """A handler's entry must wait until ``until`` (the patient's quiet hours, the ward's
    night): the job leaves it pending for the sweep to deliver then, still only if
    relevant."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"not before {until.isoformat()}")
        self.until = until


class UnknownKind(LookupError):
    """No handler is registered for an entry's kind (the error is kept on the entry)."""


class InFlight(Exception):
    """Another worker is carrying out this entry right now (sending its message): this
    run of the job stops, and the entry is left to the worker that holds it (or to the
    sweep, if that one dies)."""


def add(kind: str, payload: dict[str, Any], dedupe_key: str, queue: str = "default",
        available_at: datetime | None = None) -> uuid.UUID | None:
    """Write an intention once: the new entry's id, or None if one with the same
    ``dedupe_key`` exists (written earlier, or by a concurrent transaction, which this one
    waits for). One ``INSERT … ON CONFLICT DO NOTHING``: no query first, no savepoint."""
    current = now()
    available_at = available_at or current
    entry_id = db.insert_if_absent(OutboxEntry, {
        "id": uuid.uuid4(), "kind": kind, "payload": payload, "dedupe_key": dedupe_key,
        "queue": queue, "status": "pending", "attempts": 0, "created_at": current,
        "available_at": available_at}, unique=["dedupe_key"])
    if entry_id is not None and available_at <= current:
        db.session().info.setdefault(SESSION_KEY, []).append((entry_id, queue))
    return entry_id


def add_many(kind: str, items: list[tuple[dict[str, Any], str]],
             queue: str = "default") -> int:
    """``add`` for a batch of (payload, dedupe_key): one query for the keys already
    written and one INSERT for the others, instead of a savepoint each (a fan-out writes
    thousands). Returns how many were written."""
    session = db.session()
    fresh = dict((key, payload) for payload, key in items)
    existing = set(session.scalars(select(OutboxEntry.dedupe_key)
                                   .where(OutboxEntry.dedupe_key.in_(list(fresh)))))
    current = now()
    entries = [OutboxEntry(kind=kind, payload=payload, dedupe_key=key, queue=queue,
                           status="pending", attempts=0, created_at=current,
                           available_at=current)
               for key, payload in fresh.items() if key not in existing]
    try:
        with session.begin_nested():
            session.add_all(entries)
    except IntegrityError:  # a concurrent transaction wrote some of them: one at a time
        return sum(add(kind, payload, key, queue) is not None for payload, key in items)
    session.info.setdefault(SESSION_KEY, []).extend((entry.id, queue) for entry in entries)
    return len(entries)


def relay_after_commit(sessions: sessionmaker[Session]) -> None:
    """Relay the entries a session wrote once its transaction has committed; forget them
    when it rolls back. Runs inside ``commit()``, after the connection went back to the
    pool, and never raises there: the data is committed whatever happens to the relay."""
    event.listen(sessions, "after_commit", _committed)
    event.listen(sessions, "after_transaction_end", _ended)


def _committed(session: Session) -> None:
    # A savepoint released is not a commit: its entries wait for the outer transaction.
    if session.get_nested_transaction() is None:
        session.info.setdefault(COMMITTED_KEY, []).extend(session.info.pop(SESSION_KEY, []))


def _ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return
    session.info.pop(SESSION_KEY, None)  # rolled back (or closed): never written
    committed = session.info.pop(COMMITTED_KEY, None)
    if not committed:
        return
    try:
        relay(committed)
    except Exception as error:  # the database refused the marks: the sweep enqueues again
        log.warning("outbox relay of %d entries stopped (%s); the sweep will retry",
                    len(committed), type(error).__name__)


def relay(entries: list[tuple[uuid.UUID, str]]) -> int:
    """Enqueue the delivery job of each entry; failures are left to the sweep."""
    sent: list[uuid.UUID] = []
    for index, (entry_id, queue) in enumerate(entries):
        if redis_failed():  # earlier in this request or job: not worth waiting again
            log.warning("Redis unreachable: %d outbox entries left to the sweep",
                        len(entries) - index)
            break
        try:
            enqueue(entry_id, queue)
        except (RedisConnectionError, RedisTimeoutError) as error:
            # Redis down or hanging: the others would wait as long each, so they are all
            # left to the sweep now (this runs after the commit, while a client waits).
            note_redis_failure()
            log.warning("Redis unreachable (%s): %d outbox entries left to the sweep",
                        type(error).__name__, len(entries) - index)
            break
        except Exception as error:  # any other refusal: the sweep retries this one
            log.warning("outbox %s not enqueued (%s); the sweep will retry",
                        entry_id, type(error).__name__)
            continue
        sent.append(entry_id)
    # One UPDATE per thousand entries, not a transaction each: a reminder fan-out relays
    # thousands. An entry enqueued but left unmarked (crash in between) is enqueued again
    # by the sweep, which the deterministic job id and the idempotent job make harmless.
    for start in range(0, len(sent), MARK_BATCH):
        _mark_enqueued(sent[start:start + MARK_BATCH])
    return len(sent)


def enqueue(entry_id: uuid.UUID, queue: str) -> None:
    # A deterministic job id: enqueuing the same entry twice replaces the job instead of
    # adding one; the job itself is idempotent for the cases RQ still runs twice.
    wiring().queue(queue).enqueue(
        DELIVERY_JOB, str(entry_id), job_id=f"outbox-{entry_id}", result_ttl=3600,
        failure_ttl=7 * 24 * 3600, job_timeout=120)


def _mark_enqueued(ids: list[uuid.UUID]) -> None:
    with db.engine().begin() as connection:
        connection.execute(update(OutboxEntry).where(OutboxEntry.id.in_(ids))
                           .values(enqueued_at=now()))


def sweep() -> int:
    """Enqueue every pending entry that is due and not recently enqueued."""
    current = now()
    rows = db.session().execute(select(OutboxEntry.id, OutboxEntry.queue).where(
        OutboxEntry.status == "pending", OutboxEntry.available_at <= current,
        or_(OutboxEntry.enqueued_at.is_(None),
            OutboxEntry.enqueued_at < current - REENQUEUE_AFTER))
        .order_by(OutboxEntry.available_at).limit(500)).all()
    db.session().rollback()
    return relay([(row.id, row.queue) for row in rows])


def carry_out(entry: OutboxEntry) -> None:
    """Run the handler registered for the entry's kind (``UnknownKind`` if none)."""
    handler = wiring().outbox_handlers.get(entry.kind)
    if handler is None:
        raise UnknownKind(f"no handler for outbox entries of kind {entry.kind!r}")
    handler(entry)


def postpone(entry: OutboxEntry, until: datetime) -> None:
    """Leave the entry pending until ``until``: the sweep enqueues it then."""
    entry.available_at, entry.enqueued_at = until, None


def finish(entry: OutboxEntry, error: str | None = None) -> None:
    entry.attempts += 1
    if error is None:
        entry.status, entry.done_at, entry.last_error = "done", now(), None
    else:
        entry.last_error = error[:500]
