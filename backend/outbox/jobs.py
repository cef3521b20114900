"""The outbox's jobs: carry out one entry, and sweep up the entries still pending."""

from __future__ import annotations

import uuid

from backend import db
from backend.job_runtime import in_app_context
from backend.outbox import services as outbox
from backend.outbox.models import OutboxEntry


@in_app_context
def deliver_outbox(entry_id: str) -> str:
    """Carry out one outbox entry (notify, escalate, remind...); a done entry is skipped.
    Enqueued by its dotted name (``outbox.DELIVERY_JOB``)."""
    session = db.session()
    entry = session.get(OutboxEntry, uuid.UUID(entry_id))
    if entry is None or entry.status == "done":
        return "skipped"
    try:
        outbox.carry_out(entry)
    except outbox.InFlight:
        session.rollback()  # the worker sending it will finish the entry
        return "in flight"
    except outbox.NotNow as wait:  # quiet hours, the ward's night: the sweep brings it back
        session.rollback()
        outbox.postpone(session.get(OutboxEntry, uuid.UUID(entry_id)), wait.until)
        session.commit()
        return "postponed"
    except Exception as error:  # an unknown kind too: the error is kept on the entry
        session.rollback()
        entry = session.get(OutboxEntry, uuid.UUID(entry_id))
        outbox.finish(entry, error=f"{type(error).__name__}: {error}")
        session.commit()
        raise
    outbox.finish(entry)
    session.commit()
    return "done"


@in_app_context
def sweep_outbox() -> int:
    """Enqueue outbox entries still pending (Redis was down, a worker died...)."""
    return outbox.sweep()
