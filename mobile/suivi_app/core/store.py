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
    errors TEXT
);
"""


class Store:
    def __init__(self, directory: str | Path) -> None:
        Path(directory).mkdir(parents=True, exist_ok=True)
        self.path = Path(directory) / "suivi.db"
        with self.connect() as connection:
            connection.executescript(SCHEMA)

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
        return (self.patient or {}).get("language") or "fr"

    def save_activation(self, server_url: str, activated: dict) -> None:
        self.put("server_url", server_url)
        self.put("device_token", activated["device_token"])
        self.put("patient", activated["patient"])

    def forget_device(self) -> None:
        """Unpaired or revoked: drop the token and caches; answers waiting to be sent stay."""
        with self.connect() as connection:
            connection.execute("DELETE FROM settings")

    def cache_today(self, today: dict) -> None:
        self.put("today", {"fetched_at": datetime.now(UTC).isoformat(), "today": today})

    def cached_today(self) -> dict | None:
        cached = self.get("today")
        return cached["today"] if cached else None

    def cache_questionnaire(self, definition: dict, lang: str) -> None:
        self.put(f"questionnaire:{definition['slug']}:{lang}", definition)

    def cached_questionnaire(self, slug: str, lang: str) -> dict | None:
        return self.get(f"questionnaire:{slug}:{lang}")
