"""``Idempotency-Key``: the same key and body replays the first answer; another body is 422.

The record is claimed (inserted) before any work is done. A concurrent retry with the
same key then blocks on the unique constraint until the first transaction commits, fails
to insert, and replays the committed answer: one submission, however many retries.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from flask import request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backend import db
from backend.api import NUL, NUL_MESSAGE, abort, field_error
from backend.clock import now
from backend.idempotency.models import IdempotencyRecord

HEADER = "Idempotency-Key"


@dataclass(frozen=True)
class Replay:
    status_code: int
    body: dict[str, Any]


def request_key() -> str:
    key = (request.headers.get(HEADER) or "").strip()
    if not key:
        field_error(HEADER, "this header is required (a random value, e.g. a UUID, "
                            "reused when the same request is retried)", code=400,
                    location="headers")
    if len(key) > 200:
        field_error(HEADER, "at most 200 characters", code=400, location="headers")
    if NUL in key:
        field_error(HEADER, NUL_MESSAGE, code=400, location="headers")
    return key


def body_hash(body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(record: IdempotencyRecord, digest: str) -> Replay:
    if record.request_hash != digest:
        abort(422, f"{HEADER}: this key was already used with a different request body; "
                   "use a new key for a new request",
              errors={"headers": {HEADER: ["already used with a different body"]}})
    return Replay(record.status_code, record.response)


def claim(scope: str, key: str, body: Any,
          patient_id: uuid.UUID | None) -> Replay | IdempotencyRecord:
    """Either the earlier answer to replay, or a fresh record to fill with this one's."""
    session = db.session()
    digest = body_hash(body)
    existing = session.scalar(select(IdempotencyRecord).where(
        IdempotencyRecord.scope == scope, IdempotencyRecord.key == key))
    if existing is not None:
        return _replay(existing, digest)
    record = IdempotencyRecord(scope=scope, key=key, request_hash=digest, status_code=0,
                               response={}, created_at=now(), patient_id=patient_id)
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:
        # Another request with this key committed first: answer as it did.
        existing = session.scalar(select(IdempotencyRecord).where(
            IdempotencyRecord.scope == scope, IdempotencyRecord.key == key))
        return _replay(existing, digest)
    return record


def complete(record: IdempotencyRecord, status_code: int, body: dict[str, Any]) -> None:
    record.status_code, record.response = status_code, body
