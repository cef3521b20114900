"""The audit trail: every access to patient data, every login and every refusal.

Who acts and from where is the *origin* of the work in hand, told by the edge that took
the request (``begin_request`` with the caller's address and the patient its path names,
``identify`` once the caller is authenticated, ``acting`` once a guard knows the action);
a job or a command acts as ``system``, from nowhere.

A refusal is a trace that must outlive the attempt it refuses. In a request, the edge
rolls back whatever a failed request changed and then writes the refusals it recorded
(``refusals_pending``: the transaction manager commits them); elsewhere (a job, a
command) the work in hand is given up and the refusal committed at once. A refusal on a
patient's path names that patient; a request on one refused by no service (a body the
schema refused, a conflict after a read) is traced by the edge (``trace_refused_request``).

What nobody can be blamed for is counted rather than written row by row: refusals of
anonymous callers, and of a patient's own app on their own record, beyond the first of
a minute (``backend.audit.noise``). Limits count in Redis
(``backend.audit.counters``), never by scanning this table.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from flask import current_app, g
from sqlalchemy import and_, event, insert, or_, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from backend import cursor as cursors
from backend import db
from backend.audit import counters, noise
from backend.audit.models import AuditEvent
from backend.clock import now
from backend.errors import TooManyAttempts
from backend.patients.models import Patient

Actor = tuple[str, uuid.UUID | None]
ORIGIN = "audit_origin"  # on ``g``: the Origin of the request, command or job
REFUSALS = "audit.refusals"  # in ``Session.info``: the refusals not written yet
# Failed sign-ins and activations are counted per address over fixed windows this long.
FAILURE_WINDOW_SECONDS = 15 * 60
# Failures an account may have had from a busy address before that address may no
# longer try it (the account's own back-off starts at the same count).
FAILING_ACCOUNT = 3
# A patient's device may send SUIVI_SUBMISSION_RATE_LIMIT answers and batches per window.
PATIENT_WINDOW_SECONDS = 10 * 60
# Anonymous requests are counted per address and minute (SUIVI_ANONYMOUS_RATE_LIMIT).
ANONYMOUS_WINDOW_SECONDS = 60
THROTTLED = "request.throttled"  # the action of a request refused by the anonymous rate
# A list read names each listed patient once per reader and list in this long: a queue
# that refreshes itself every 30 s does not write its rows again each time.
LIST_READ_SECONDS = 15 * 60


@dataclass(frozen=True)
class Origin:
    """Who acts and from where; ``deferred``: an edge writes the refusals once it has
    rolled back the failed request. In a request: ``patient_id``, the patient its path
    names; ``action``, what the guard of its view calls it; ``traced``, a refusal of it
    is recorded; ``counted``, it counts against the anonymous rate; ``attempt``, the
    sign-in or activation a failure of which counts against the address."""

    actor: Actor = ("system", None)
    address: str | None = None
    deferred: bool = False
    patient_id: uuid.UUID | None = None
    action: str | None = None
    traced: bool = False
    counted: bool = False
    attempt: tuple[str, str | None] | None = None  # (action, digest of the account)


@dataclass(frozen=True)
class _Refusal:
    event: AuditEvent | None  # None: counted with the anonymous noise, no row of its own
    # What the refused caller prepared to survive with the trace (a failed-login count):
    # applied after the rollback, in the transaction that writes the trace.
    keep: Callable[[Session], None] | None


def _origin() -> Origin:
    return g.get(ORIGIN) or Origin()


def _update(**changes: Any) -> None:
    setattr(g, ORIGIN, replace(_origin(), **changes))


def begin_request(address: str | None, patient_id: uuid.UUID | None = None) -> None:
    """The edge took a request from ``address`` (on the path of ``patient_id``, if it
    names one): an anonymous caller until identified, whose refusals the edge writes
    after rolling the request back."""
    setattr(g, ORIGIN, Origin(actor=("anonymous", None), address=address, deferred=True,
                              patient_id=patient_id))


def identify(kind: str, actor_id: uuid.UUID) -> None:
    """The caller of the request is authenticated: the trail names them from now on.

    A patient (their app's token, a form link) acts on their own record: where the path
    names no patient (``/me``), its refusals name them, as a patient's path would."""
    origin = _origin()
    patient_id = origin.patient_id
    if patient_id is None and kind == "patient":
        patient_id = actor_id
    _update(actor=(kind, actor_id), patient_id=patient_id)


def acting(action: str) -> None:
    """The guard of the request's view names its action (for the edge's own traces)."""
    _update(action=action)


def _values(action: str, outcome: str, patient_id: uuid.UUID | None,
            object_type: str | None, object_id: Any, detail: dict[str, Any] | None,
            actor: Actor | None) -> dict[str, Any]:
    origin = _origin()
    actor_type, actor_id = actor or origin.actor
    return {"id": uuid.uuid4(), "at": now(), "actor_type": actor_type, "actor_id": actor_id,
            "action": action, "patient_id": patient_id, "object_type": object_type,
            "object_id": str(object_id) if object_id is not None else None,
            "outcome": outcome, "ip": origin.address, "detail": detail or {}}


def _event(action: str, outcome: str, patient_id: uuid.UUID | None, object_type: str | None,
           object_id: Any, detail: dict[str, Any] | None,
           actor: Actor | None) -> AuditEvent:
    return AuditEvent(**_values(action, outcome, patient_id, object_type, object_id, detail,
                                actor))


_INSERT_EVENT = AuditEvent.__table__.insert()


def record(action: str, *, patient_id: uuid.UUID | None = None, object_type: str | None = None,
           object_id: Any = None, detail: dict[str, Any] | None = None,
           actor: Actor | None = None, session: Session | None = None) -> None:
    """Record a successful action in the current transaction: it commits with the action.
    One INSERT now, not an object left for the next flush (every request writes one)."""
    values = _values(action, "success", patient_id, object_type, object_id, detail, actor)
    if session is None:
        db.execute(_INSERT_EVENT, values)
    else:
        session.execute(_INSERT_EVENT, values)


def record_reads(action: str, patient_ids: Iterable[uuid.UUID]) -> None:
    """Record a read of a list (patients, alerts, the queue): one row per listed patient,
    so that the trail searched by patient finds it, in one INSERT bounded by the page.

    A patient the same reader saw in the same list less than ``LIST_READ_SECONDS`` ago is
    not written again (Redis remembers; without it every one is written)."""
    ids = list(dict.fromkeys(patient_ids))
    if not ids:
        record(action)  # the list was read, and showed nobody
        return
    origin = _origin()
    actor_type, actor_id = origin.actor
    ids = _not_seen_lately(action, actor_id, ids) if actor_id else ids
    if not ids:
        return
    at = now()
    db.session().execute(insert(AuditEvent), [
        {"id": uuid.uuid4(), "at": at, "actor_type": actor_type, "actor_id": actor_id,
         "action": action, "patient_id": patient_id, "object_type": None, "object_id": None,
         "outcome": "success", "ip": origin.address, "detail": {}}
        for patient_id in ids])


def _not_seen_lately(action: str, actor_id: uuid.UUID,
                     ids: list[uuid.UUID]) -> list[uuid.UUID]:
    seen = counters.add_members("list-read", LIST_READ_SECONDS, (action, actor_id),
                                [str(patient_id) for patient_id in ids])
    if seen is None:
        return ids
    return [patient_id for patient_id, new in zip(ids, seen, strict=True) if new]


def record_refusal(action: str, *, outcome: str = "denied", patient_id: uuid.UUID | None = None,
                   object_type: str | None = None, object_id: Any = None,
                   detail: dict[str, Any] | None = None, actor: Actor | None = None,
                   keep: Callable[[Session], None] | None = None) -> None:
    """Record a refused or failed attempt; the caller then raises its refusal.

    Nothing the attempt changed is kept, only its trace (and ``keep``, applied after the
    rollback: what the caller must remember of the failure, e.g. a failed-login count).
    On a patient's path, the refusal names that patient unless it names another.
    """
    origin = _origin()
    patient_id = patient_id or origin.patient_id
    trace = _event(action, outcome, patient_id, object_type, object_id, detail, actor)
    if (trace.actor_type == "anonymous" and trace.patient_id is not None
            and not _is_patient(trace.patient_id)):
        trace.patient_id = None  # an id made up in a path: no patient's trail to join
    _update(traced=True)
    if outcome == "failure" and origin.attempt and origin.attempt[0] == action:
        _count_failure(action, origin.address, origin.attempt[1])
    if _is_noise(trace) and not noise.admit(trace.ip, action, outcome, trace.patient_id,
                                            (trace.actor_type, trace.actor_id), trace.detail):
        trace = None  # counted: the window's count row will hold it
        if keep is None:
            return
    session = db.session()
    session.info.setdefault(REFUSALS, []).append(_Refusal(trace, keep))
    if not origin.deferred:  # a job or a command: no edge will write it later
        session.rollback()
        session.commit()


def _is_noise(trace: AuditEvent) -> bool:
    """A refusal nobody can be blamed for: an anonymous caller, or a patient's own app or
    form refused on their own record (the app sends what it holds again every minute,
    a broken one in a loop). The first of a minute are written, the others counted into
    one row (``noise``), per patient named: a search of a patient's trail finds each, and
    a script or a phone trying one path in a loop fills nothing."""
    if not _origin().deferred:
        return False
    return trace.actor_type == "anonymous" or (
        trace.actor_type == "patient" and trace.actor_id == trace.patient_id)


def _is_patient(patient_id: uuid.UUID) -> bool:
    """Whether ``patient_id`` names a patient of this hospital."""
    try:
        with db.session().no_autoflush:
            return db.session().scalar(select(Patient.id).where(Patient.id == patient_id)) \
                is not None
    except DBAPIError:  # a transaction already failed: keep the name, as before
        return True


def refusals_pending(session: Session) -> bool:
    """Refusals wait in ``session``: its next commit writes them (the edge commits after
    rolling back a failed request)."""
    return bool(session.info.get(REFUSALS))


@event.listens_for(Session, "before_commit")
def _write_refusals(session: Session) -> None:
    # Every commit writes the refusals recorded before it, whoever commits: the edge after
    # a failed request's rollback, a page that showed the refusal and carried on. Not a
    # savepoint's: what encloses it may still be rolled back.
    if session.in_nested_transaction():
        return
    for refusal in session.info.pop(REFUSALS, []):
        if refusal.event is not None:
            session.add(refusal.event)
        if refusal.keep is not None:
            refusal.keep(session)


def trace_refused_request(status: int, action: str | None = None) -> None:
    """The edge answers a request on a patient's path with a refusal (``status``) that no
    service traced (a body the schema refused, a conflict after a read, a page sent back
    to sign in): the trail gets it, naming the patient. Elsewhere, nothing."""
    origin = _origin()
    if origin.patient_id is None or origin.traced or status < 400:
        return
    record_refusal(action or origin.action or "request", patient_id=origin.patient_id,
                   outcome="denied" if status in (401, 403, 404, 429) else "failure",
                   detail={"status": status})


def admit_anonymous() -> None:
    """Count a request of a caller without valid credentials against its address's rate
    (SUIVI_ANONYMOUS_RATE_LIMIT a minute); beyond it, refuse before any work. Once per
    request."""
    origin = _origin()
    if origin.counted:
        return
    _update(counted=True)
    limit = current_app.config["SUIVI_ANONYMOUS_RATE_LIMIT"]
    if not limit:
        return
    seen = counters.hit("anonymous", ANONYMOUS_WINDOW_SECONDS, origin.address or "-")
    if seen is not None and seen > limit:
        record_refusal(THROTTLED, detail={"reason": "too many anonymous requests"})
        wait = counters.seconds_left(ANONYMOUS_WINDOW_SECONDS)
        raise TooManyAttempts(f"Too many requests from this address; retry in {wait} s.",
                              retry_after=wait)


def _account_digest(account: str) -> str:
    # Counter keys never hold what was typed (an e-mail address).
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, account.strip().lower().encode(), hashlib.sha256).hexdigest()[:32]


def throttle_address(action: str, address: str | None = None, *,
                     account: str | None = None) -> None:
    """Refuse an attempt at ``action`` (signing in, activating a phone) from an address
    that failed it SUIVI_IP_FAILURE_LIMIT times in the current 15 minutes. ``address``:
    the caller's, as the edge saw it (by default the request's origin).

    ``account``: what the caller tries (the e-mail typed; the sign-in of the second step).
    Then only accounts already failing from that address (``FAILING_ACCOUNT`` failures)
    are refused: colleagues behind the same proxy still sign in with the right password
    while someone there guesses. Without one (an activation code is its own secret) the
    whole address is refused. The failures of this attempt are counted by
    ``record_refusal`` (in Redis, shared by the web processes).
    """
    address = address or _origin().address
    digest = _account_digest(account) if account is not None else None
    _update(attempt=(action, digest))
    parts = [(action, address)] + ([(action, address, digest)] if digest else [])
    found = counters.values("failures", FAILURE_WINDOW_SECONDS, *parts)
    if found is None:
        return  # Redis down: the per-account back-off and lockout still hold
    busy = found[0] >= current_app.config["SUIVI_IP_FAILURE_LIMIT"]
    if busy and (digest is None or found[1] >= FAILING_ACCOUNT):
        record_refusal(action, detail={"reason": "too many failures from this address"})
        wait = counters.seconds_left(FAILURE_WINDOW_SECONDS)
        raise TooManyAttempts(f"Too many failed attempts from this address; retry in "
                              f"{wait} s.", retry_after=wait)


def _count_failure(action: str, address: str | None, digest: str | None) -> None:
    counters.hit("failures", FAILURE_WINDOW_SECONDS, action, address)
    if digest is not None:
        counters.hit("failures", FAILURE_WINDOW_SECONDS, action, address, digest)


def throttle_patient(patient_id: uuid.UUID, action: str) -> None:
    """Refuse a patient device that sends far more than any follow-up needs (a loop in a
    broken app, a stolen token): at most SUIVI_SUBMISSION_RATE_LIMIT per 10 minutes.

    Counted in Redis, one counter per patient per window, each call counted (the intake
    calls it for new requests, not for replays). Redis unreachable: the submission goes
    through unlimited (an answer is never lost to the limit)."""
    sent = counters.hit("patient-sends", PATIENT_WINDOW_SECONDS, patient_id)
    if sent is not None and sent > current_app.config["SUIVI_SUBMISSION_RATE_LIMIT"]:
        record_refusal(action, patient_id=patient_id, detail={"reason": "rate limit"})
        wait = counters.seconds_left(PATIENT_WINDOW_SECONDS)
        raise TooManyAttempts("Too many submissions in a short time; please try again in a "
                              "few minutes.", retry_after=wait)


def search(filters: dict[str, Any], limit: int, offset: int,
           cursor: str | None = None) -> list[AuditEvent]:
    """Audit events, newest first, after ``cursor`` (``cursor_of`` the previous page's
    last event); the search itself is audited."""
    events = _page(filters, limit, offset, cursor)
    record("audit.search", patient_id=filters.get("patient_id"),
           detail={k: str(v) for k, v in filters.items() if v is not None})
    return events


def export(filters: dict[str, Any], most: int, page: int = 500) -> list[AuditEvent]:
    """The newest ``most`` events of a search (read a page at a time along the index),
    for a file the administrator takes away: audited as one export naming its filters."""
    events: list[AuditEvent] = []
    cursor = None
    while len(events) < most:
        batch = _page(filters, min(page, most - len(events)), 0, cursor)
        events.extend(batch)
        if len(batch) < page:
            break
        cursor = cursor_of(batch[-1])
    record("audit.export", patient_id=filters.get("patient_id"),
           detail={**{k: str(v) for k, v in filters.items() if v is not None},
                   "rows": len(events)})
    return events


def _page(filters: dict[str, Any], limit: int, offset: int,
          cursor: str | None) -> list[AuditEvent]:
    query = select(AuditEvent)
    if cursor:
        at, event_id = cursors.decode(cursor, (uuid.UUID,))
        query = query.where(or_(AuditEvent.at < at,
                                and_(AuditEvent.at == at, AuditEvent.id > event_id)))
    for name in ("patient_id", "actor_id", "action", "outcome"):
        if filters.get(name) is not None:
            query = query.where(getattr(AuditEvent, name) == filters[name])
    if filters.get("since"):
        query = query.where(AuditEvent.at >= filters["since"])
    if filters.get("until"):
        query = query.where(AuditEvent.at < filters["until"])
    return list(db.session().scalars(
        query.order_by(AuditEvent.at.desc(), AuditEvent.id).limit(limit).offset(offset)))


def cursor_of(event: AuditEvent) -> str:
    """The cursor of the page of the search that ends with ``event``."""
    return cursors.encode(event.at, str(event.id))
