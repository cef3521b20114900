"""A hand-written twin of ``POST /api/v1/me/submissions``: Flask and psycopg, no ORM, no
schema library, on the project's own tables (created by ``suivi db upgrade``).

The same contract, kept honest: the bearer device token looked up by the same hash with
its patient and active enrolment; the per-patient rate limit (a Redis counter per patient
per 10-minute window, SUIVI_SUBMISSION_RATE_LIMIT); the Idempotency-Key claimed with an
INSERT … ON CONFLICT DO NOTHING and the body's hash (a retry replays the stored answer,
another body is 422); the submission and its temperature reading, the audit row; the
patient's window of answers and readings read back; ONE rule, ``fever`` of the protocol
file (the temperature threshold read from it, not a cut-off of its own); on a fever, the
alert, its first event and its outbox row (and the alert's audit row); the answer stored
on the idempotency record; one transaction. Answers, alert evidence and event details, and
the idempotency record's body hash and answer, are sealed with the project's keys
(``backend.crypto``), as the project stores them. What it
leaves out (said so in
bench/README.md): the other rules, questionnaire validation beyond the temperature, task
matching, the follow-up end of the token, advice texts, relaying the outbox to RQ.

    gunicorn bench.twin:app   (DATABASE_URL, REDIS_URL, SUIVI_SUBMISSION_RATE_LIMIT)
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
import redis
import yaml
from flask import Flask, jsonify, request
from psycopg.types.json import Json

from backend.config import from_env
from backend.crypto import keyring_from_settings

PROTOCOL = Path(__file__).resolve().parent.parent / "questionnaires" / "protocols" / \
    "ambulatory-general.v2.yaml"
WINDOW_SECONDS = 600
# The history read back: at least the project's window for this protocol (in the
# benchmark every row of a patient is in it either way: the patients are a day old).
WINDOW_DAYS = 15


def _fever_rule() -> tuple[Decimal, str, str, int]:
    """The ``fever`` rule of the protocol: threshold, group, severity, minutes to
    acknowledge."""
    protocol = yaml.safe_load(PROTOCOL.read_text())
    rule = next(r for r in protocol["rules"] if r["id"] == "fever")
    severity = rule["severity"]
    return (Decimal(str(rule["when"]["value"])), rule.get("group", rule["id"]), severity,
            protocol["alert_deadlines"][severity]["minutes"])


THRESHOLD, GROUP, SEVERITY, DUE_MINUTES = _fever_rule()
# The project's keys (the same settings): answers, alert evidence and event details, the
# idempotency record's body hash and answer are sealed at rest as the project seals them
# (AES-256-GCM, backend/crypto.py).
_settings = from_env()
KEYRING = keyring_from_settings(_settings["SUIVI_DATA_KEYS"], _settings["SUIVI_INDEX_KEY"])


def _sealed(document: object) -> str:
    return KEYRING.seal(json.dumps(document, separators=(",", ":"), ensure_ascii=False))
app = Flask(__name__)
_local = threading.local()
_redis = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14"))
RATE_LIMIT = int(os.environ.get("SUIVI_SUBMISSION_RATE_LIMIT", "60"))


def _connection() -> psycopg.Connection:
    # One connection per gunicorn thread, as the project's pool gives each request one.
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        dsn = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
        conn = _local.conn = psycopg.connect(dsn)
    return conn


def _error(status: int, message: str):
    response = jsonify({"code": status, "message": message})
    response.status_code = status
    return response


def _body_hash(body: object) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@app.get("/readyz")
def ready():
    return jsonify({"status": "ready"})


@app.post("/api/v1/me/submissions")
def submit():
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    key = request.headers.get("Idempotency-Key", "").strip()
    body = request.get_json(silent=True)
    if scheme.lower() != "bearer" or not token:
        return _error(401, "A valid bearer token is required.")
    if not key or len(key) > 200:
        return _error(400, "Idempotency-Key: this header is required")
    conn = _connection()
    with conn.transaction():
        found = conn.execute(
            "SELECT d.patient_id, d.revoked_at, e.id, e.care_team_id, p.language"
            " FROM device_tokens d JOIN patients p ON p.id = d.patient_id"
            " LEFT JOIN enrollments e ON e.patient_id = d.patient_id AND e.status = 'active'"
            " WHERE d.token_hash = %s ORDER BY e.created_at DESC LIMIT 1",
            (hashlib.sha256(token.encode()).hexdigest(),)).fetchone()
        if found is None or found[1] is not None:
            return _error(401, "A valid bearer token is required.")
        patient_id, _, enrollment_id, team_id, lang = found
        window = int(datetime.now(UTC).timestamp()) // WINDOW_SECONDS
        counter = f"suivi:twin-sends:{window}:{patient_id}"
        pipe = _redis.pipeline()
        pipe.incr(counter)
        pipe.expire(counter, 2 * WINDOW_SECONDS)
        if pipe.execute()[0] > RATE_LIMIT:
            return _error(429, "Too many submissions in a short time.")
        if enrollment_id is None:
            return _error(409, "You are not enrolled in a follow-up at the moment.")
        digest = _body_hash(body)
        now = datetime.now(UTC)
        scope = f"patient:{patient_id}:submission"
        claimed = conn.execute(
            "INSERT INTO idempotency_records (id, scope, key, request_hash, status_code,"
            " response, created_at, patient_id) VALUES (%s, %s, %s, %s, 0, %s, %s, %s)"
            " ON CONFLICT (scope, key) DO NOTHING RETURNING id",
            (uuid.uuid4(), scope, key, KEYRING.seal(digest), _sealed({}), now,
             patient_id)).fetchone()
        if claimed is None:
            stored_hash, status, stored = conn.execute(
                "SELECT request_hash, status_code, response FROM idempotency_records"
                " WHERE scope = %s AND key = %s", (scope, key)).fetchone()
            if KEYRING.open(stored_hash) != digest:
                return _error(422, "Idempotency-Key: already used with a different body")
            response = jsonify(json.loads(KEYRING.open(stored)))
            response.status_code, response.headers["Idempotent-Replayed"] = status, "true"
            return response
        answers = body.get("answers") if isinstance(body, dict) else None
        if body.get("questionnaire") != "daily-postop" or not isinstance(answers, dict):
            conn.rollback()
            return _error(422, "answers: expected the daily-postop answers")
        temperature = answers.get("temperature")
        submission_id = uuid.uuid4()
        conn.execute(
            "INSERT INTO submissions (id, patient_id, enrollment_id, task_id, questionnaire,"
            " questionnaire_version, answers, scores, source, submitted_at, received_at)"
            " VALUES (%s, %s, %s, NULL, 'daily-postop', 1, %s, '[]', 'app', %s, %s)",
            (submission_id, patient_id, enrollment_id, _sealed(answers), now, now))
        if temperature is not None:
            value = Decimal(repr(temperature)).quantize(Decimal("0.1"))
            conn.execute(
                "INSERT INTO readings (id, patient_id, enrollment_id, submission_id, type,"
                " value, numeric_value, unit, measured_at, received_at, source)"
                " VALUES (%s, %s, %s, %s, 'temperature', %s, %s, 'Cel', %s, %s, 'app')",
                (uuid.uuid4(), patient_id, enrollment_id, submission_id, str(value), value,
                 now, now))
        _audit(conn, now, patient_id, "submission.create", "submission", submission_id)
        since = now - timedelta(days=WINDOW_DAYS + 1)
        for _, _, _, sealed in conn.execute(
                "SELECT id, questionnaire, submitted_at, answers FROM submissions"
                " WHERE enrollment_id = %s AND submitted_at >= %s", (enrollment_id, since)):
            json.loads(KEYRING.open(sealed))  # read back as the rules would read them
        readings = conn.execute(
            "SELECT type, numeric_value, measured_at FROM readings"
            " WHERE enrollment_id = %s AND measured_at >= %s", (enrollment_id, since)).fetchall()
        latest = max((r for r in readings if r[0] == "temperature"), key=lambda r: r[2],
                     default=None)
        opened = []
        if latest is not None and latest[1] >= THRESHOLD:
            opened = _raise_fever(conn, now, patient_id, enrollment_id, team_id, latest[1])
        answer = {"id": str(submission_id), "questionnaire": "daily-postop",
                  "submitted_at": now.isoformat(), "task_id": None, "task_done": False,
                  "missing_readings": [], "scores": [], "call_emergency": False,
                  "advice": [], "alerts_opened": opened}
        conn.execute("UPDATE idempotency_records SET status_code = 201, response = %s"
                     " WHERE id = %s", (_sealed(answer), claimed[0]))
    response = jsonify(answer)
    response.status_code = 201
    return response


def _raise_fever(conn: psycopg.Connection, now: datetime, patient_id: uuid.UUID,
                 enrollment_id: uuid.UUID, team_id: uuid.UUID, value: Decimal) -> list[str]:
    """The fever alert, opened once per group (an open one is left as it is)."""
    if conn.execute("SELECT 1 FROM alerts WHERE patient_id = %s AND rule_group = %s"
                    " AND status <> 'resolved'", (patient_id, GROUP)).fetchone():
        return []
    alert_id = uuid.uuid4()
    due = now + timedelta(minutes=DUE_MINUTES)
    text = {"fr": f"Fièvre à {value} °C (seuil {THRESHOLD} °C).",
            "en": f"Fever {value} °C (threshold {THRESHOLD} °C)."}
    evidence = [{"reading": "temperature", "value": str(value), "at": now.isoformat()}]
    conn.execute(
        "INSERT INTO alerts (id, patient_id, enrollment_id, care_team_id, rule_id, rule_group,"
        " severity, status, explanation, advice, evidence, series, last_evidence_at,"
        " created_at, updated_at, due_by, escalation_level, next_escalation_at)"
        " VALUES (%s, %s, %s, %s, 'fever', %s, %s, 'open', %s, %s, %s, %s, %s, %s, %s, %s,"
        " 0, %s)",
        (alert_id, patient_id, enrollment_id, team_id, GROUP, SEVERITY, Json(text),
         Json(text), _sealed(evidence), _sealed([{"at": now.isoformat(), "value": str(value)}]),
         now, now, now, due, due))
    conn.execute("INSERT INTO alert_events (id, alert_id, seq, at, kind, detail)"
                 " VALUES (%s, %s, 1, %s, 'opened', %s)",
                 (uuid.uuid4(), alert_id, now, _sealed({"severity": SEVERITY})))
    conn.execute(
        "INSERT INTO outbox (id, kind, payload, dedupe_key, queue, status, attempts,"
        " created_at, available_at) VALUES (%s, 'alert.notify', %s, %s, 'default',"
        " 'pending', 0, %s, %s) ON CONFLICT (dedupe_key) DO NOTHING",
        (uuid.uuid4(), Json({"alert_id": str(alert_id), "reason": "opened"}),
         f"alert:{alert_id}:opened:{SEVERITY}", now, now))
    _audit(conn, now, patient_id, "alert.open", "alert", alert_id, actor=("system", None))
    return [str(alert_id)]


def _audit(conn: psycopg.Connection, now: datetime, patient_id: uuid.UUID, action: str,
           object_type: str, object_id: uuid.UUID,
           actor: tuple[str, uuid.UUID | None] | None = None) -> None:
    actor_type, actor_id = actor or ("patient", patient_id)
    conn.execute(
        "INSERT INTO audit_events (id, at, actor_type, actor_id, action, patient_id,"
        " object_type, object_id, outcome, ip, detail)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'success', %s, '{}')",
        (uuid.uuid4(), now, actor_type, actor_id, action, patient_id, object_type,
         str(object_id), request.remote_addr))
