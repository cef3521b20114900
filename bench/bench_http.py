"""Submissions per second through the real HTTP stack vs raw INSERTs of the same rows.

    python -m bench.bench_http [--quick] [--clients 8] [--workers 3] [--seconds 20]

``suivi serve`` (gunicorn) on a fresh PostgreSQL database; N client threads post
daily-postop answers (a temperature included, so one reading too) with distinct
Idempotency-Keys for a fixed time: authentication, idempotency, validation, storage,
task matching, audit and the rules over the patient's window, all inline. The ceiling is
what PostgreSQL takes from the same number of psycopg connections inserting the same rows
a submission writes (its idempotency record with the answer, the submission, its reading
and its audit event: same columns, indexes and foreign keys), one transaction each, for
the same time. The two alternate in rounds.
"""

from __future__ import annotations

import argparse
import itertools
import threading
import uuid
from datetime import UTC, datetime

from psycopg.types.json import Json

from bench import population
from bench.report import Load, Row, closed_loop, latency_pair, share, table
from bench.stack import Client, Stack, cpu_seconds, idempotency_key, interruptible

SETTINGS = {False: {"seconds": 20, "patients": 400}, True: {"seconds": 5, "patients": 80}}


def http_load(patients: list[population.Patient], clients: int, seconds: float,
              url: str | None = None) -> Load:
    """Submissions back to back from ``clients`` threads, to the project or, given its
    ``url``, to another server of the same contract (bench.twin)."""
    turn = itertools.count()
    apps = [p.app if url is None else Client(url, p.app.token) for p in patients]

    def submit() -> bool:
        app = apps[next(turn) % len(apps)]
        response = app.post("/api/v1/me/submissions", population.daily(),
                            headers=idempotency_key())
        return response.status == 201

    return closed_loop(clients, seconds, submit)


CEILING_TABLES = """
CREATE TABLE IF NOT EXISTS bench_submissions (LIKE submissions INCLUDING ALL,
    FOREIGN KEY (patient_id) REFERENCES patients (id),
    FOREIGN KEY (enrollment_id) REFERENCES enrollments (id),
    FOREIGN KEY (task_id) REFERENCES tasks (id));
CREATE TABLE IF NOT EXISTS bench_readings (LIKE readings INCLUDING ALL,
    FOREIGN KEY (patient_id) REFERENCES patients (id),
    FOREIGN KEY (enrollment_id) REFERENCES enrollments (id),
    FOREIGN KEY (submission_id) REFERENCES bench_submissions (id));
CREATE TABLE IF NOT EXISTS bench_idempotency_records (LIKE idempotency_records INCLUDING ALL);
CREATE TABLE IF NOT EXISTS bench_audit_events (LIKE audit_events INCLUDING ALL);
"""


def insert_ceiling(stack: Stack, patients: list[population.Patient], clients: int,
                   seconds: float) -> Load:
    """The rows a stored submission writes, inserted with psycopg.

    Into copies of the tables (same columns, indexes and foreign keys), so that the
    patients' evaluation windows do not grow with them.
    """
    with stack.connect() as conn:
        conn.execute(CEILING_TABLES)
        submission = conn.execute(
            "SELECT questionnaire, questionnaire_version, answers, scores, source "
            "FROM submissions LIMIT 1").fetchone()
        reading = conn.execute(
            "SELECT type, value, numeric_value, unit, source FROM readings "
            "WHERE submission_id IS NOT NULL LIMIT 1").fetchone()
        scope, request_hash, response = conn.execute(
            "SELECT scope, request_hash, response FROM idempotency_records "
            "WHERE status_code = 201 LIMIT 1").fetchone()
        action, detail = conn.execute(
            "SELECT action, detail FROM audit_events "
            "WHERE action = 'submission.create' LIMIT 1").fetchone()
    questionnaire, version, answers, scores, source = submission
    turn = itertools.count()
    local = threading.local()
    connections = []

    def insert() -> bool:
        if not hasattr(local, "conn"):
            local.conn = stack.connect()
            connections.append(local.conn)
        patient = patients[next(turn) % len(patients)]
        at = datetime.now(UTC)
        submission_id = uuid.uuid4()
        with local.conn.transaction():
            local.conn.execute(
                "INSERT INTO bench_idempotency_records (id, scope, key, request_hash,"
                " status_code, response, created_at, patient_id)"
                " VALUES (%s, %s, %s, %s, 201, %s, %s, %s)",
                (uuid.uuid4(), scope, str(uuid.uuid4()), request_hash, Json(response), at,
                 patient.id))
            local.conn.execute(
                "INSERT INTO bench_submissions (id, patient_id, enrollment_id, task_id,"
                " questionnaire, questionnaire_version, answers, scores, source, submitted_at,"
                " received_at) VALUES (%s, %s, %s, NULL, %s, %s, %s, %s, %s, %s, %s)",
                (submission_id, patient.id, patient.enrollment_id, questionnaire, version,
                 Json(answers), Json(scores), source, at, at))
            local.conn.execute(
                "INSERT INTO bench_readings (id, patient_id, enrollment_id, submission_id, type,"
                " value, numeric_value, unit, measured_at, received_at, source)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (uuid.uuid4(), patient.id, patient.enrollment_id, submission_id, *reading[:4],
                 at, at, reading[4]))
            local.conn.execute(
                "INSERT INTO bench_audit_events (id, at, actor_type, actor_id, action,"
                " patient_id, object_type, object_id, outcome, ip, detail)"
                " VALUES (%s, %s, 'patient', %s, %s, %s, 'submission', %s, 'success',"
                " '127.0.0.1', %s)",
                (uuid.uuid4(), at, patient.id, action, patient.id, submission_id, Json(detail)))
        return True

    try:
        return closed_loop(clients, seconds, insert)
    finally:
        for conn in connections:
            conn.close()


def measure(stack: Stack, patients: list[population.Patient], clients: int,
            seconds: float, rounds: int = 2) -> list[Row]:
    """HTTP and ceiling in alternating rounds, so that a change in the machine's other
    load (it may be shared) weighs on both alike."""
    http, raw = Load(0), Load(0)
    web, cpu = stack.web_pids(), 0.0
    for _ in range(rounds):
        before = cpu_seconds(web)
        http.add(http_load(patients, clients, seconds / rounds))
        cpu += cpu_seconds(web) - before
        raw.add(insert_ceiling(stack, patients, clients, seconds / rounds))
    if not http.latencies:
        raise RuntimeError(f"no submission succeeded ({http.errors} errors)")
    errors = f", {http.errors} errors" if http.errors else ""
    return [
        Row(f"HTTP submissions ({clients} clients, {seconds:.0f} s)",
            f"{http.rate:.0f} submissions/s{errors}",
            f"{raw.rate:.0f} raw INSERTs of its rows/s",
            f"{share(http.rate, raw.rate)} of ceiling"),
        Row("HTTP submission latency", latency_pair(http.latencies),
            latency_pair(raw.latencies), ""),
        # Less sensitive to a busy machine than the rate: what each submission costs the
        # web workers (all requests of the load, the failed ones included).
        Row("HTTP submission: CPU of the web workers",
            f"{cpu * 1000 / max(1, len(http.latencies) + http.errors):.1f} ms per submission",
            "", ""),
    ]


def run(quick: bool = False, stack: Stack | None = None, clients: int = 8, workers: int = 3,
        seconds: float | None = None, patients: list | None = None) -> list[Row]:
    settings = SETTINGS[quick]
    seconds = seconds or settings["seconds"]
    if stack is None:
        with Stack("http") as own:
            own.serve(workers)
            people = population.patients(own, population.nurse(own), settings["patients"])
            return measure(own, people, clients, seconds)
    return measure(stack, patients, clients, seconds)


def command_line(description: str, run, clients: int, argv: list[str] | None = None) -> None:
    """``python -m bench.<module> [--quick] [--clients N] [--workers W] [--seconds S]``
    for a benchmark of the HTTP submissions (this one, bench_twin)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="shorter run")
    parser.add_argument("--clients", type=int, default=clients)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--seconds", type=float, default=None)
    args = parser.parse_args(argv)
    with interruptible():
        print(table(run(args.quick, clients=args.clients, workers=args.workers,
                        seconds=args.seconds)))


def main(argv: list[str] | None = None) -> None:
    command_line(__doc__.splitlines()[0], run, 8, argv)


if __name__ == "__main__":
    main()
