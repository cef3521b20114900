"""The phone's local store: one SQLite file in the app's ``user_data_dir``.

It keeps the device token and the patient, the last ``/me/today`` and the questionnaires
(so the app opens and the patient can answer without network), and the outbox table
(see :mod:`suivi_app.core.outbox`). SQLite gives atomic, durable writes from any thread:
every call opens its own connection.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key TEXT NOT NULL UNIQUE,
    patient_id TEXT,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_attempt_at TEXT,
    error TEXT,
    errors TEXT,
    task_id TEXT
);
"""
# Columns added since the first release, for phones that already have the table.
ADDED_COLUMNS = {"outbox": {"task_id": "TEXT"}}
KEEP_NOTICES = 20  # advice of late answers not yet read, newest kept
KEEP_ANSWERED = 60  # tasks answered from this phone (about two weeks of tasks)
KEEP_REMINDED = 60  # tasks this phone reminded the patient of, as many


class Store:
    def __init__(self, directory: str | Path) -> None:
        Path(directory).mkdir(parents=True, exist_ok=True)
        self.path = Path(directory) / "suivi.db"
        with self.connect() as connection:
            connection.executescript(SCHEMA)
            for table, columns in ADDED_COLUMNS.items():
                have = {row["name"] for row in connection.execute(f"PRAGMA table_info({table})")}
                for name, kind in columns.items():
                    if name not in have:
                        connection.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in a transaction, committed on success, closed in any case."""
        with closing(sqlite3.connect(self.path, timeout=30)) as connection:
            connection.row_factory = sqlite3.Row
            with connection:
                yield connection

    # -- settings and caches -----------------------------------------------------------
    def get(self, key: str, default: Any = None) -> Any:
        with self.connect() as connection:
            row = connection.execute("SELECT value FROM settings WHERE key = ?",
                                     (key,)).fetchone()
        return default if row is None else json.loads(row["value"])

    def put(self, key: str, value: Any) -> None:
        with self.connect() as connection:
            connection.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
                               (key, json.dumps(value)))

    def delete(self, key: str) -> None:
        with self.connect() as connection:
            connection.execute("DELETE FROM settings WHERE key = ?", (key,))

    @property
    def device_token(self) -> str | None:
        return self.get("device_token")

    @property
    def patient(self) -> dict | None:
        return self.get("patient")

    @property
    def server_url(self) -> str | None:
        return self.get("server_url")

    @property
    def language(self) -> str:
        """The app's language: the patient's choice on this phone, else the ward's record."""
        return self.get("pref:language") or (self.patient or {}).get("language") or "fr"

    def save_activation(self, server_url: str, activated: dict) -> None:
        self.put("server_url", server_url)
        self.put("device_token", activated["device_token"])
        self.put("patient", activated["patient"])

    def forget_device(self) -> None:
        """Unpaired or revoked: drop the token and caches; answers waiting to be sent stay,
        and so do the patient's own choices (text size, glucose unit)."""
        with self.connect() as connection:
            connection.execute("DELETE FROM settings WHERE key NOT LIKE 'pref:%'")

    def cache_today(self, today: dict) -> None:
        self.put("today", {"fetched_at": datetime.now(UTC).isoformat(), "today": today})

    def cached_today(self) -> dict | None:
        cached = self.get("today")
        return cached["today"] if cached else None

    def cache_questionnaire(self, definition: dict, lang: str) -> None:
        self.put(f"questionnaire:{definition['slug']}:{lang}", definition)

    def cached_questionnaire(self, slug: str, lang: str) -> dict | None:
        return self.get(f"questionnaire:{slug}:{lang}")

    # -- what the patient answered, and what they have still to read ---------------------
    def answered(self) -> dict[str, dict]:
        """task id → ``{at, advice, call_emergency}``: tasks this phone's answers reached."""
        return self.get("answered", {})

    def record_answered(self, task_id: str, record: dict) -> None:
        answered = {k: v for k, v in self.answered().items() if k != task_id}
        answered[task_id] = record
        self.put("answered", dict(list(answered.items())[-KEEP_ANSWERED:]))

    def notices(self) -> list[dict]:
        """Answers sent by a later sync whose advice the patient has not read yet."""
        return self.get("notices", [])

    def add_notice(self, notice: dict) -> None:
        self.put("notices", [*self.notices(), notice][-KEEP_NOTICES:])

    def drop_notice(self, key: str) -> None:
        self.put("notices", [n for n in self.notices() if n["key"] != key])

    # -- the reminders this phone raised (once a task, restarts included) ----------------
    def reminded(self) -> dict[str, str]:
        """task id → when this phone reminded the patient of it."""
        return self.get("reminded", {})

    def record_reminded(self, task_ids: list[str], at: str) -> None:
        reminded = {**self.reminded(), **dict.fromkeys(task_ids, at)}
        self.put("reminded", dict(list(reminded.items())[-KEEP_REMINDED:]))

    # -- a questionnaire left half-way ---------------------------------------------------
    def draft(self, name: str) -> dict | None:
        return self.get(f"draft:{name}")

    def save_draft(self, name: str, draft: dict) -> None:
        self.put(f"draft:{name}", draft)

    def drop_draft(self, name: str) -> None:
        self.delete(f"draft:{name}")
