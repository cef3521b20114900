"""The retention purge, with a frozen clock: each category goes when its period is over,
and not before; every run is audited with its counts; the audit trail keeps its own
guarantees."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from flask.cli import ScriptInfo
from sqlalchemy import event, func, insert, select

from backend import db
from backend.audit.models import AuditEvent
from backend.auth.models import AccessToken, ActivationCode
from backend.cli import purge as purge_command
from backend.config import from_env
from backend.consents.models import Consent
from backend.idempotency.models import IdempotencyRecord
from backend.intake.models import Submission
from backend.notifications.models import Message
from backend.patients.models import Patient
from backend.rgpd import purge, services
from backend.worker.periodic import PERIODIC_JOBS
from tests.conftest import START, is_postgres
from tests.helpers import CONSENT, count, daily, run_worker, submit


def _anonymous_refusal(app, at) -> None:
    with app.app_context():
        db.session().execute(insert(AuditEvent), [{
            "id": uuid.uuid4(), "at": at, "actor_type": "anonymous", "actor_id": None,
            "action": "auth.login", "patient_id": None, "object_type": None,
            "object_id": None, "outcome": "denied", "ip": "192.0.2.1", "detail": {}}])
        db.session().commit()


def _run(app) -> dict[str, int]:
    with app.app_context():
        counts = purge.purge()
        db.session().commit()
        return counts


@pytest.fixture
def followed(world, app, redis):
    """An app patient who answered, and a web-form patient who was welcomed by SMS and
    then asked for the erasure of their contact data."""
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse, family_name="Vauquelin")
    assert submit(device, "daily-postop", daily()).status_code == 201
    web = world.patient(nurse, phone="+33655555555", hospital_id="IPP9")
    assert nurse.post(f"/api/v1/patients/{web['id']}/enrollments", json={
        "protocol": "ambulatory-general", "surgery_date": START.date().isoformat(),
        "channel": "web", "consent": CONSENT}).status_code == 201
    run_worker(app, redis)
    assert world.admin().post(f"/api/v1/patients/{web['id']}/erasure",
                              json={"reason": "patient_request"}).status_code == 201
    _anonymous_refusal(app, START - timedelta(days=200))
    _anonymous_refusal(app, START - timedelta(days=100))
    return patient, web


def test_each_category_goes_after_its_period(followed, app, clock):
    patient, web = followed
    assert count(app, IdempotencyRecord) >= 1 and count(app, Message) >= 1
    codes = count(app, ActivationCode)
    first = _run(app)  # on the day: only the refusal kept 200 days has had its time
    assert first == {**dict.fromkeys(purge.CATEGORIES, 0), "anonymous_audit_rows": 1}

    clock.set(START + timedelta(days=40))
    later = _run(app)
    assert later["idempotency_records"] >= 1 and count(app, IdempotencyRecord) == 0
    assert later["activation_codes"] == codes and count(app, ActivationCode) == 0
    # The staff's tokens of the first day expired 30 days ago.
    assert later["expired_tokens"] >= 2 and count(app, AccessToken) == 0
    assert later["message_bodies"] == 0 and later["medical_records"] == 0
    assert later["anonymous_audit_rows"] == 0  # 100 days old: kept (190 days)

    clock.set(START + timedelta(days=366))
    year = _run(app)
    assert year["message_bodies"] == count(app, Message) >= 1
    with app.app_context():
        assert {m.body for m in db.session().scalars(select(Message))} == {""}
        exported = services.export_of(db.session().get(Patient, uuid.UUID(web["id"])))
        assert exported["messages"] and all(m["body"] is None for m in exported["messages"])
    assert _run(app)["message_bodies"] == 0  # erased once

    # The medical record stays 20 years after the end of the follow-up, then goes whole.
    clock.set(START + timedelta(days=365 * 20 - 30))
    assert _run(app)["medical_records"] == 0
    clock.set(START + timedelta(days=365 * 20 + 10))
    final = _run(app)
    assert final["medical_records"] == 2 and final["medical_rows"] > 2
    for model in (Patient, Submission, Consent, Message):
        assert count(app, model) == 0, model
    with app.app_context():
        # The audit trail is not the medical record: it keeps what it recorded.
        named = db.session().scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.patient_id == uuid.UUID(patient["id"])))
        assert named > 0
        runs = list(db.session().scalars(select(AuditEvent).where(
            AuditEvent.action == "retention.purge").order_by(AuditEvent.at)))
    assert [r.detail for r in runs][-1] == final and len(runs) == 6
    assert all(r.actor_type == "system" and r.patient_id is None for r in runs)


def test_the_command_counts_without_changing_anything_in_a_dry_run(followed, app, clock):
    clock.set(START + timedelta(days=40))
    runner = app.test_cli_runner()
    before = count(app, IdempotencyRecord)
    dry = runner.invoke(purge_command, ["--dry-run"],
                        obj=ScriptInfo(create_app=lambda: app))
    assert dry.exit_code == 0, dry.output
    assert f"idempotency_records: {before}" in dry.output
    assert "anonymous_audit_rows: 1" in dry.output and "dry run" in dry.output
    assert count(app, IdempotencyRecord) == before
    assert count(app, AuditEvent, action="retention.purge") == 0
    done = runner.invoke(purge_command, [], obj=ScriptInfo(create_app=lambda: app))
    assert done.exit_code == 0 and "purged" in done.output
    assert count(app, IdempotencyRecord) == 0
    assert count(app, AuditEvent, action="retention.purge") == 1


def test_the_purge_is_a_daily_periodic_job():
    [job] = [job for job in PERIODIC_JOBS if job.name == "retention-purge"]
    assert job.interval_seconds == 86400 and job.queue == "low"


def test_refusal_rows_cannot_be_configured_below_the_trails_six_months():
    env = {"SUIVI_TESTING": "1", "SUIVI_RETENTION_ANONYMOUS_AUDIT_DAYS": "30"}
    with pytest.raises(ValueError, match="at least 183"):
        from_env(env)
    assert from_env({"SUIVI_TESTING": "1"})["SUIVI_RETENTION_ANONYMOUS_AUDIT_DAYS"] == 190
    assert from_env({"SUIVI_TESTING": "1"})["SUIVI_RETENTION_MEDICAL_YEARS"] == 20


# Staff and integration clients' tokens: as many as their sign-ins of the last weeks,
# whatever the number of patients; their two cut-offs (expired, revoked) are not indexed.
UNINDEXED = ("access_tokens", "client_tokens")


@pytest.mark.skipif(not is_postgres(), reason="PostgreSQL's plans")
def test_a_purge_with_nothing_due_reads_no_table_in_full(app):
    """Each statement of a run with nothing to purge is planned on an index (PostgreSQL
    told to avoid a sequential scan wherever an index can serve): a daily run costs the
    same at 1,000 patients as at 100,000 (bench/bench_growth.py)."""
    sent: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, *_args) -> None:
        if statement.lstrip().startswith(("SELECT", "DELETE", "UPDATE")):
            sent.append((statement, parameters))

    engine = app.extensions["suivi"].engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert not any(_run(app).values())
    finally:
        event.remove(engine, "before_cursor_execute", record)
    with engine.connect() as connection:
        cursor = connection.connection.cursor()
        cursor.execute("SET enable_seqscan = off")
        scans = {}
        for statement, parameters in sent:
            cursor.execute(f"EXPLAIN {statement}", parameters)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            scans[statement.split("WHERE")[0]] = re.findall(r"Seq Scan on (\w+)", plan)
        connection.rollback()
    assert any("FROM patients" in statement for statement in scans)
    assert {table for found in scans.values() for table in found} <= set(UNINDEXED), scans
