"""``Idempotency-Key``: the same key and body replays the first answer; another body is 422.

The record is claimed (inserted) before any work is done, in the same transaction. A
concurrent retry with the same key then blocks on the unique constraint until the first
transaction ends: if it committed, the retry inserts nothing and replays the committed
answer; if it rolled back, the retry claims the key. One submission, however many retries.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select

from backend import db
from backend.clock import now
from backend.errors import Invalid
from backend.idempotency.models import IdempotencyRecord
from backend.text import NUL, NUL_MESSAGE

HEADER = "Idempotency-Key"


@dataclass(frozen=True)
class Claim:
    """This request holds the key: its answer is stored with ``complete``."""

    id: uuid.UUID


@dataclass(frozen=True)
class Replay:
    status_code: int
    body: dict[str, Any]


def checked_key(header: str | None) -> str:
    """The key sent in the ``Idempotency-Key`` header (its value, or None when absent)."""
    key = (header or "").strip()
    if not key:
        raise Invalid(HEADER, "this header is required (a random value, e.g. a UUID, "
                              "reused when the same request is retried)", location="headers")
    if len(key) > 200:
        raise Invalid(HEADER, "at most 200 characters", location="headers")
    if NUL in key:
        raise Invalid(HEADER, NUL_MESSAGE, location="headers")
    return key


def body_hash(body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(record: IdempotencyRecord, digest: str) -> Replay:
    if record.request_hash != digest:
        # The header is well formed (not a 400): it is the body that cannot be processed.
        reused = Invalid(HEADER, "this key was already used with a different request body; "
                                 "use a new key for a new request")
        reused.errors = {"headers": {HEADER: ["already used with a different body"]}}
        raise reused
    return Replay(record.status_code, record.response)


def claim(scope: str, key: str, body: Any, patient_id: uuid.UUID | None) -> Replay | Claim:
    """Either the earlier answer to replay, or this request's claim on the key.

    On PostgreSQL, an insert racing a concurrent one with the same key waits for that
    transaction: if it commits, ours does nothing and the select below sees its answer.
    """
    digest = body_hash(body)
    claimed = db.insert_if_absent(IdempotencyRecord, {
        "id": uuid.uuid4(), "scope": scope, "key": key, "request_hash": digest,
        "status_code": 0, "response": {}, "created_at": now(), "patient_id": patient_id},
        unique=["scope", "key"])
    if claimed is not None:
        return Claim(claimed)
    existing = _stored(scope, key)
    assert existing is not None  # the insert found it
    return _replay(existing, digest)


def replay_of(scope: str, key: str, body: Any, patient_id: uuid.UUID) -> Replay | None:
    """The answer stored under ``key`` for ``patient_id`` to replay, or None when no
    record holds it."""
    existing = _stored(scope, key)
    if existing is None or existing.patient_id != patient_id:
        return None
    return _replay(existing, body_hash(body))


def _stored(scope: str, key: str) -> IdempotencyRecord | None:
    return db.session().scalar(select(IdempotencyRecord).where(
        IdempotencyRecord.scope == scope, IdempotencyRecord.key == key))


# Built once: every request with a key stores its answer. On the table's own columns: a
# criterion on the mapped class would send it through the ORM's bulk UPDATE machinery.
_records = IdempotencyRecord.__table__
_COMPLETE = (_records.update().where(_records.c.id == bindparam("claim_id"))
             .values(status_code=bindparam("status_code"), response=bindparam("response")))


def complete(claim: Claim, status_code: int, body: dict[str, Any]) -> None:
    db.execute(_COMPLETE, {"claim_id": claim.id, "status_code": status_code,
                           "response": body})
