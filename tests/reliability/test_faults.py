"""Fault injection on the submission path: Redis away, a worker killed, a storm of
retries, a database refusing the commit. Real database, real Redis, the real HTTP API."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from backend import db
from backend.alerts.models import Alert
from backend.audit.models import AuditEvent
from backend.idempotency.models import IdempotencyRecord
from backend.intake.models import Reading, Submission
from backend.job_runtime import set_worker_app
from backend.notifications.models import Message
from backend.notifications.services import SENDING_LEASE
from backend.outbox.jobs import sweep_outbox
from backend.outbox.models import OutboxEntry
from backend.outbox.services import REENQUEUE_AFTER
from tests.conftest import is_postgres
from tests.helpers import Caller, count, run_worker, submit
from tests.reliability.support import (
    HIGH,
    PHONES,
    assert_nurses_paged_once,
    http_post,
    http_server,
    rows,
    sibling_app,
    wait_for,
    worker_process,
)

pytestmark = pytest.mark.reliability

STORED = (Submission, Reading, Alert, OutboxEntry, IdempotencyRecord)


@pytest.fixture
def nurse_and_device(world):
    """A team of two nurses with phones and an activated patient of theirs."""
    nurse = world.staff("nurse", phone=PHONES[0])
    world.staff("nurse", phone=PHONES[1])
    _, device = world.patient_device(nurse)
    return nurse, device


def assert_unavailable(status: int, headers, body: dict) -> None:
    assert status == 503, body
    assert body["code"] == 503 and body["status"] and body["message"]
    assert set(body) <= {"code", "status", "message", "errors"}
    assert int(headers["Retry-After"]) > 0


# -- 1. Redis unreachable during a submission -------------------------------------------

def test_redis_down_stores_the_alert_and_the_sweep_pages_the_nurses_later(
        app, app_config, clock, nurse_and_device, redis):
    nurse, device = nurse_and_device
    # A web process whose Redis is gone: nothing listens on port 1.
    cut_off = sibling_app(app, app_config, REDIS_URL="redis://127.0.0.1:1/0")
    try:
        response = submit(Caller(cut_off, device.token), "daily-postop", HIGH)
    finally:
        cut_off.extensions["suivi"].engine.dispose()
    assert response.status_code == 201, response.json
    assert response.json["call_emergency"] is True and response.json["alerts_opened"]
    queue = nurse.get("/api/v1/alerts?status=open").json
    assert {a["id"] for a in queue} >= set(response.json["alerts_opened"])
    assert any(a["severity"] == "high" for a in queue)
    outbox = rows(app, OutboxEntry)
    assert outbox and {e.status for e in outbox} == {"pending"}
    assert all(e.enqueued_at is None for e in outbox)
    assert count(app, Message) == 0

    # Redis is back: the periodic sweep enqueues what the relay could not.
    set_worker_app(app)
    assert sweep_outbox() == len([e for e in outbox if e.available_at <= clock.now()])
    run_worker(app, redis)
    assert_nurses_paged_once(app)
    assert sweep_outbox() == 0  # nothing left to send, nothing sent twice


# -- 2. A worker killed in the middle of a job ------------------------------------------

def kill_9(process: subprocess.Popen) -> None:
    """SIGKILL the worker: it runs its jobs itself, so the job dies with it."""
    process.send_signal(signal.SIGKILL)
    process.wait(10)


@pytest.mark.timeout(120)
def test_worker_killed_while_sending_the_message_is_sent_on_retry(
        app, app_config, clock, nurse_and_device, redis, tmp_path):
    _, device = nurse_and_device
    response = submit(device, "daily-postop", HIGH)
    assert response.status_code == 201, response.json
    assert all(e.enqueued_at for e in rows(app, OutboxEntry, kind="alert.notify"))
    log_path = tmp_path / "worker.log"
    with worker_process(app_config, redis, log_path) as worker:
        sending = wait_for(lambda: rows(app, Message, status="sending"), 60,
                           "a message in 'sending'", log_path)
        kill_9(worker)
    killed = sending[0]
    assert rows(app, Message, id=killed.id)[0].status == "sending"  # its sender is dead
    assert rows(app, OutboxEntry, id=killed.outbox_id)[0].status == "pending"

    # Recovery: the sweep re-enqueues what a dead worker left behind, a new worker runs it.
    set_worker_app(app)
    assert sweep_outbox() == 0  # enqueued a moment ago: maybe still running somewhere
    # The killed worker claimed the message on the real clock. Re-enqueued, but within
    # the claim's lease: the job leaves it alone (its sender may be alive and slow).
    claimed_at = max(clock.now(), datetime.now(UTC))
    clock.set(claimed_at + REENQUEUE_AFTER + timedelta(seconds=1))
    assert sweep_outbox() >= 1
    run_worker(app, redis)
    assert rows(app, Message, id=killed.id)[0].status == "sending"
    # Past the lease, the sender is taken for dead: the next run sends it.
    clock.set(claimed_at + SENDING_LEASE + REENQUEUE_AFTER + timedelta(seconds=1))
    assert sweep_outbox() >= 1
    run_worker(app, redis)
    assert_nurses_paged_once(app)
    retried = rows(app, Message, id=killed.id)[0]
    assert retried.status == "sent" and retried.attempts == 2  # at least once, documented


# -- 3. 200 concurrent replays of one Idempotency-Key -----------------------------------

@pytest.mark.timeout(90)
def test_200_concurrent_replays_store_one_submission(app, nurse_and_device):
    nurse, device = nurse_and_device
    # The app opens on today's tasks first; the device token is then fresh for an hour and
    # the concurrent requests share no row but the idempotency record's.
    assert device.get("/api/v1/me/today").status_code == 200
    body = {"questionnaire": "daily-postop", "answers": HIGH}
    headers = {"Authorization": f"Bearer {device.token}", "Idempotency-Key": str(uuid.uuid4())}
    started = time.monotonic()
    with http_server(app) as port, ThreadPoolExecutor(32) as pool:
        def post(_: int) -> tuple[int, dict, dict]:
            return http_post(port, "/api/v1/me/submissions", body, headers)

        results = list(pool.map(post, range(200)))
        created = [b for status, _, b in results if status == 201]
        retryable = [(s, h, b) for s, h, b in results if s != 201]
        for status, response_headers, error in retryable:
            assert status in (409, 503), (status, error)
            assert int(response_headers["Retry-After"]) > 0, (status, response_headers)
        retried = [http_post(port, "/api/v1/me/submissions", body, headers)
                   for _ in retryable]
    assert time.monotonic() - started < 60
    assert all(status == 201 for status, _, _ in retried), retried
    created += [b for _, _, b in retried]
    assert len(created) == 200 and all(b == created[0] for b in created)
    assert [str(s.id) for s in rows(app, Submission)] == [created[0]["id"]]
    open_alerts = Counter(a["rule"] for a in nurse.get("/api/v1/alerts?status=open").json)
    assert open_alerts and max(open_alerts.values()) == 1, open_alerts
    assert count(app, Alert) == len(open_alerts)


# -- 4. The database refuses the commit -------------------------------------------------

@contextmanager
def commit_refused(app, database_url: str):
    """PostgreSQL: a deferred trigger fails every transaction that stored a submission at
    COMMIT. SQLite (no deferred triggers): another connection holds the write lock."""
    if is_postgres():
        with app.app_context(), db.engine().begin() as connection:
            connection.execute(text(
                "CREATE OR REPLACE FUNCTION test_refuse_commit() RETURNS trigger "
                "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'commit refused by the test' "
                "USING ERRCODE = 'serialization_failure'; END $$"))
            connection.execute(text(
                "CREATE CONSTRAINT TRIGGER test_refuse_commit AFTER INSERT ON submissions "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                "EXECUTE FUNCTION test_refuse_commit()"))
        try:
            yield
        finally:
            with app.app_context(), db.engine().begin() as connection:
                connection.execute(text(
                    "DROP TRIGGER IF EXISTS test_refuse_commit ON submissions"))
                connection.execute(text("DROP FUNCTION IF EXISTS test_refuse_commit()"))
        return
    locker = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        locker.execute("ROLLBACK")
        locker.close()


@pytest.mark.timeout(60)
def test_refused_commit_is_a_503_that_stores_nothing_and_can_be_retried(
        app, app_config, nurse_and_device):
    _, device = nurse_and_device
    # A web process that gives up quickly on a locked SQLite file (ignored by PostgreSQL).
    web = sibling_app(app, app_config, SUIVI_SQLITE_BUSY_TIMEOUT=0.5)
    patient = Caller(web, device.token)
    key = str(uuid.uuid4())
    try:
        with commit_refused(app, app_config["DATABASE_URL"]):
            refused = submit(patient, "daily-postop", HIGH, key=key)
        assert_unavailable(refused.status_code, refused.headers, refused.json)
        assert "Traceback" not in refused.get_data(as_text=True)
        for model in STORED:
            assert count(app, model) == 0, model.__name__
        assert rows(app, AuditEvent, action="submission.create") == []

        accepted = submit(patient, "daily-postop", HIGH, key=key)
        assert accepted.status_code == 201, accepted.json
        assert accepted.json["call_emergency"] is True
        replayed = submit(patient, "daily-postop", HIGH, key=key)
        assert replayed.status_code == 201 and replayed.json == accepted.json
        assert replayed.headers["Idempotent-Replayed"] == "true"
    finally:
        web.extensions["suivi"].engine.dispose()
    assert [str(s.id) for s in rows(app, Submission)] == [accepted.json["id"]]
    assert count(app, IdempotencyRecord) == 1
