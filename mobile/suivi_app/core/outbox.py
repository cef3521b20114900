"""The offline queue: every answer is written to the phone before the network is tried.

An answer gets its ``Idempotency-Key`` (a uuid4) when it is created, in the same SQLite
transaction that stores it, and keeps that key for its whole life. ``sync()`` sends the
queue in order and removes an item only when the server has stored it (201, or the 201
replayed for a key it already had). A network error or a busy server leaves it queued;
a refusal (422) leaves it queued and flagged with the server's message until the patient
corrects it. So an answer is lost neither when the phone is offline nor when a reply
is lost after the server stored it (the retry carries the same key: one submission).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from suivi_app.core.api import (
    ApiClient,
    ApiError,
    AuthError,
    NetworkError,
    ServerError,
    ValidationError,
)
from suivi_app.core.store import Store

SUBMISSION = "submission"
READINGS = "readings"
APP_FIELDS = {"submitted_at", "task_id"}  # set by the phone, not by the patient


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Item:
    seq: int
    key: str
    kind: str
    body: dict
    created_at: str
    patient_id: str | None = None
    attempts: int = 0
    error: str | None = None
    errors: dict = field(default_factory=dict)
    task_id: str | None = None  # the task of today it answers (kept on the phone only)

    @property
    def needs_fix(self) -> bool:
        """The server refused this answer; the patient must correct it before it is resent."""
        return self.error is not None

    def fields_to_fix(self) -> list[str]:
        """The questionnaire items the server refused (``errors.json.answers``)."""
        answers = self.errors.get("json", {}).get("answers", {})
        return list(answers) if isinstance(answers, dict) else []


@dataclass
class SyncReport:
    sent: dict[str, dict] = field(default_factory=dict)  # key → the server's 201 body
    sent_items: dict[str, Item] = field(default_factory=dict)  # key → what the phone sent
    refused: list[Item] = field(default_factory=list)
    waiting: int = 0  # still queued after this sync (refused ones included)
    offline: bool = False  # stopped on a network error or a busy server
    unauthorised: bool = False  # the device token no longer works
    # offline: why (a network error); unauthorised: what to tell the patient, when the
    # server said it for them (their follow-up has ended), else None.
    message: str | None = None


class Outbox:
    def __init__(self, store: Store, clock: Callable[[], datetime] = utc_now) -> None:
        self.store = store
        self.clock = clock
        self._sync_lock = threading.Lock()

    # -- adding answers ------------------------------------------------------------------
    def add_submission(self, questionnaire: str, answers: dict[str, Any],
                       task_id: str | None = None) -> Item:
        body: dict[str, Any] = {"questionnaire": questionnaire, "answers": answers,
                                "submitted_at": self.clock().isoformat()}
        if task_id:
            body["task_id"] = task_id
        return self._add(SUBMISSION, body, task_id)

    def add_readings(self, readings: list[dict[str, Any]], task_id: str | None = None) -> Item:
        """Readings measured now, unless they say when; ``task_id``: the reading task they
        answer (the server finds it by itself; the phone keeps it to show the task's state)."""
        at = self.clock().isoformat()
        return self._add(READINGS, {"readings": [{"measured_at": at, **r} for r in readings]},
                         task_id)

    def _add(self, kind: str, body: dict, task_id: str | None = None) -> Item:
        key, created = str(uuid.uuid4()), self.clock().isoformat()
        patient_id = _patient_id(self.store)
        with self.store.connect() as connection:
            cursor = connection.execute(
                "INSERT INTO outbox (idempotency_key, patient_id, kind, body, created_at, "
                "task_id) VALUES (?, ?, ?, ?, ?, ?)",
                (key, patient_id, kind, json.dumps(body), created, task_id))
        return Item(cursor.lastrowid, key, kind, body, created, patient_id, task_id=task_id)

    def amend(self, key: str, **changes: Any) -> Item:
        """The patient's correction of a refused item (``answers=`` or ``readings=``); it
        is sent again.

        The key stays: a 422 stored nothing server-side, so the same key is still free, and
        reusing it keeps "one answer, one key" even if the earlier refusal was mistaken.
        """
        item = self.get(key)
        if item is None:
            raise KeyError(key)
        body = {**item.body, **changes}
        with self.store.connect() as connection:
            connection.execute("UPDATE outbox SET body = ?, error = NULL, errors = NULL "
                               "WHERE idempotency_key = ?", (json.dumps(body), key))
        return self.get(key)  # type: ignore[return-value]

    # -- reading the queue ---------------------------------------------------------------
    def items(self) -> list[Item]:
        """The current patient's queue, oldest first.

        Answers given by a patient this phone was paired with before stay stored, and are
        never sent under someone else's token.
        """
        with self.store.connect() as connection:
            rows = connection.execute("SELECT * FROM outbox WHERE patient_id IS ? ORDER BY seq",
                                      (_patient_id(self.store),)).fetchall()
        return [_item(row) for row in rows]

    def get(self, key: str) -> Item | None:
        with self.store.connect() as connection:
            row = connection.execute("SELECT * FROM outbox WHERE idempotency_key = ?",
                                     (key,)).fetchone()
        return _item(row) if row else None

    def count(self) -> int:
        return len(self.items())

    # -- sending -------------------------------------------------------------------------
    def sync(self, api: ApiClient) -> SyncReport:
        """Send what is queued, oldest first; see the module docstring for what is kept."""
        report = SyncReport()
        with self._sync_lock:
            for item in self.items():
                if item.needs_fix:
                    report.refused.append(item)
                    continue
                try:
                    report.sent[item.key] = self._send(api, item)
                    report.sent_items[item.key] = item
                except (NetworkError, ServerError) as exc:
                    # Later answers wait too, so they reach the server in the order given.
                    report.offline, report.message = True, exc.message
                    break
                except AuthError as exc:
                    report.unauthorised, report.message = True, exc.for_patient
                    break
                except ValidationError as exc:
                    report.refused.append(self._flag(item, exc))
            report.waiting = self.count()
        return report

    def _send(self, api: ApiClient, item: Item) -> dict:
        with self.store.connect() as connection:
            connection.execute("UPDATE outbox SET attempts = attempts + 1, last_attempt_at = ? "
                               "WHERE seq = ?", (self.clock().isoformat(), item.seq))
        send = api.submit if item.kind == SUBMISSION else api.send_readings
        body = item.body
        while True:
            try:
                response = send(body, item.key)
                break
            except ValidationError as exc:
                refused = set(exc.errors.get("json", {}))
                if not refused or not refused <= APP_FIELDS & set(body):
                    raise
            # Only what the phone added was refused (its clock is ahead of the server's, the
            # task is gone): the answer stands without it, and the patient could not fix it.
            body = {k: v for k, v in body.items() if k not in refused}
            with self.store.connect() as connection:
                connection.execute("UPDATE outbox SET body = ? WHERE seq = ?",
                                   (json.dumps(body), item.seq))
        with self.store.connect() as connection:
            connection.execute("DELETE FROM outbox WHERE seq = ?", (item.seq,))
        return response.body

    def _flag(self, item: Item, exc: ApiError) -> Item:
        with self.store.connect() as connection:
            connection.execute("UPDATE outbox SET error = ?, errors = ? WHERE seq = ?",
                               (exc.message, json.dumps(exc.errors), item.seq))
        return self.get(item.key) or item


def _patient_id(store: Store) -> str | None:
    return (store.patient or {}).get("id")


def _item(row: Any) -> Item:
    return Item(row["seq"], row["idempotency_key"], row["kind"], json.loads(row["body"]),
                row["created_at"], row["patient_id"], row["attempts"], row["error"],
                json.loads(row["errors"]) if row["errors"] else {}, row["task_id"])
