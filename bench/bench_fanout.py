"""Reminder fan-out: 100,000 patients whose daily questionnaire is due now.

    python -m bench.bench_fanout [--quick] [--patients 100000] [--workers 2]

Setup (not measured): patients, enrolments and one pending task each, due a few minutes
ago, bulk-inserted in a fresh database. Then:

1. ``backend.tasks.jobs.remind_tasks`` (the real job function, in an app on that
   database) called until it has nothing left: one outbox entry per patient, each
   committed and handed to RQ. Baseline: the same number of outbox-like rows inserted
   by a bare psycopg ``executemany`` loop (1,000 rows a transaction), in the same run.
   A pilot of 5,000 comes first; if it predicts more than 150 s for the whole, only
   20 % are measured and the whole is extrapolated (labelled as such).
2. Delivery of those reminders by K ``suivi worker`` processes with the console
   sender, measured over a fixed window and extrapolated to the whole fan-out
   (labelled as such). Baseline: the same workers running no-op jobs.
"""

from __future__ import annotations

import argparse
import time
import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from psycopg.types.json import Json
from redis import Redis
from rq import Queue

from bench.jobs import stamp
from bench.report import Row, progress, table
from bench.stack import REDIS_URL, Stack, interruptible

SETTINGS = {False: {"patients": 100_000, "window": 30, "noops": 2000},
            True: {"patients": 5_000, "window": 8, "noops": 500}}
BATCH = 1000


def daytime_zone() -> str:
    """A time zone where it is day now: reminders never reach a patient during the quiet
    hours (21:00 to 08:00 by default), so patients living at night would be postponed
    to their morning and the benchmark would measure nothing."""
    now = datetime.now(UTC)
    for zone in ("Europe/Paris", "America/New_York", "America/Los_Angeles",
                 "Pacific/Auckland", "Asia/Tokyo", "Asia/Kolkata"):
        if 10 <= now.astimezone(ZoneInfo(zone)).hour < 18:
            return zone
    return "Europe/Paris"


def populate(stack: Stack, count: int) -> None:
    stack.cli("create-team", "fanout", "Fan-out ward")
    with stack.connect() as conn:
        team = conn.execute("SELECT id FROM care_teams WHERE slug = 'fanout'").fetchone()[0]
        staff = conn.execute("SELECT id FROM staff_users LIMIT 1").fetchone()[0]
        protocol = conn.execute("SELECT id FROM protocol_versions"
                                " WHERE slug = 'ambulatory-general' AND version = 1"
                                ).fetchone()[0]
        conn.execute(
            "INSERT INTO patients (id, care_team_id, given_name, family_name, birth_date, phone,"
            " language, timezone, sms_opt_out, created_at, updated_at)"
            " SELECT gen_random_uuid(), %s, 'Jeanne', 'Fanout' || g, '1950-04-02',"
            " '+33612345678', 'fr', %s, false, now(), now()"
            " FROM generate_series(1, %s) g", (team, daytime_zone(), count))
        conn.execute(
            "INSERT INTO enrollments (id, patient_id, protocol_version_id, care_team_id,"
            " surgery_date, discharge_at, status, enrolled_by, created_at)"
            " SELECT gen_random_uuid(), id, %s, %s, current_date - 1,"
            " now() - interval '1 day', 'active', %s, now()"
            " FROM patients", (protocol, team, staff))
        conn.execute(  # due tomorrow: make_due() brings them to now, a batch at a time
            "INSERT INTO tasks (id, enrollment_id, patient_id, care_team_id, key, kind,"
            " questionnaire, day, due_at, missed_at, status, created_at)"
            " SELECT gen_random_uuid(), id, patient_id, care_team_id, 'daily-postop@d1',"
            " 'questionnaire',"
            " 'daily-postop', 1, now() + interval '1 day', now() + interval '26 hours',"
            " 'pending', now() FROM enrollments")
    with stack.connect(autocommit=True) as conn:
        conn.execute("ANALYZE")


def make_due(stack: Stack, count: int) -> None:
    """``count`` more tasks due five minutes ago (setup, not measured)."""
    with stack.connect() as conn:
        conn.execute("UPDATE tasks SET due_at = now() - interval '5 minutes',"
                     " missed_at = now() + interval '2 hours' WHERE id IN"
                     " (SELECT id FROM tasks WHERE due_at > now() LIMIT %s)", (count,))


def remind(stack: Stack, count: int) -> tuple[float, int]:
    """Make ``count`` tasks due, then the seconds remind_tasks takes to write (and relay)
    their reminders, and how many it wrote."""
    from backend.job_runtime import set_worker_app
    from backend.tasks.jobs import remind_tasks

    make_due(stack, count)
    set_worker_app(stack.app())
    start = time.perf_counter()
    total = 0
    while made := remind_tasks():  # a job may stop at a batch limit: run it until done
        total += made
    return time.perf_counter() - start, total


def remind_all(stack: Stack, count: int, budget: float) -> tuple[float, int]:
    """remind_tasks over ``count`` patients, or over 20 % of them when a pilot batch says
    the whole would take longer than ``budget`` seconds (the caller extrapolates)."""
    pilot = min(count, 5000)
    progress(f"fan-out: remind_tasks, pilot of {pilot} patients")
    seconds, reminders = remind(stack, pilot)
    rest = count - pilot
    if seconds * count / pilot > budget:
        rest = max(0, count // 5 - pilot)
    if rest:
        progress(f"fan-out: remind_tasks, {rest} more patients")
        more_seconds, more = remind(stack, rest)
        seconds, reminders = seconds + more_seconds, reminders + more
    return seconds, reminders


def insert_baseline(stack: Stack, count: int) -> float:
    """Seconds to insert ``count`` outbox-like rows, executemany, BATCH rows a commit."""
    with stack.connect() as conn:
        conn.execute("CREATE TABLE bench_outbox (LIKE outbox INCLUDING ALL)")
        conn.commit()
        now = datetime.now(UTC)
        start = time.perf_counter()
        with conn.cursor() as cursor:
            for first in range(0, count, BATCH):
                cursor.executemany(
                    "INSERT INTO bench_outbox (id, kind, payload, dedupe_key, queue, status,"
                    " attempts, created_at, available_at)"
                    " VALUES (%s, 'task.remind', %s, %s, 'default', 'pending', 0, %s, %s)",
                    [(uuid.uuid4(), Json({"task_ids": [str(uuid.uuid4())]}),
                      f"remind:{uuid.uuid4()}:{now.isoformat()}", now, now)
                     for _ in range(first, min(count, first + BATCH))])
                conn.commit()
        return time.perf_counter() - start


def _sent(stack: Stack) -> int:
    with stack.connect(autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM messages WHERE status = 'sent'").fetchone()[0]


def noop_rate(count: int, window: float) -> float:
    """No-op jobs per second through the running (idle) workers, over ``window`` s."""
    jobs = Queue("high", connection=Redis.from_url(REDIS_URL))
    for _ in range(count):
        jobs.enqueue(stamp, result_ttl=60)
    start = time.perf_counter()
    while time.perf_counter() - start < window and len(jobs) > 0:
        time.sleep(0.2)
    done = jobs.finished_job_registry.count
    elapsed = time.perf_counter() - start
    jobs.empty()  # what is left must not get in the way of the reminders
    return done / elapsed


def delivery_rate(stack: Stack, window: float, total: int) -> tuple[float, int]:
    """Reminders sent per second by the running workers, over ``window`` seconds."""
    deadline = time.monotonic() + 60
    while (before := _sent(stack)) == 0:
        if time.monotonic() > deadline:
            raise RuntimeError("the workers sent nothing within 60 s")
        time.sleep(0.2)
    start = time.perf_counter()
    while time.perf_counter() - start < window and (after := _sent(stack)) < total:
        time.sleep(0.5)
    after = _sent(stack)
    return (after - before) / (time.perf_counter() - start), after


def _duration(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def run(quick: bool = False, patients: int | None = None, workers: int = 2,
        budget: float = 150) -> list[Row]:
    settings = SETTINGS[quick]
    count = patients or settings["patients"]
    with Stack("fanout") as stack:
        progress(f"fan-out: inserting {count} patients, enrolments and tasks")
        populate(stack, count)
        stack.start_workers(workers)
        progress(f"fan-out: no-op jobs through {workers} workers for {settings['window']} s")
        noops = noop_rate(settings["noops"], settings["window"])
        stack.stop_workers()  # the reminders are timed alone, without workers competing
        seconds, reminded = remind_all(stack, count, budget)
        progress(f"fan-out: baseline, {reminded} rows with executemany")
        baseline = insert_baseline(stack, reminded)
        progress(f"fan-out: delivery by {workers} workers for {settings['window']} s")
        stack.start_workers(workers)
        rate, sent = delivery_rate(stack, settings["window"], reminded)
    rows = [Row(f"fan-out: remind_tasks, {reminded} patients due",
                f"{_duration(seconds)} ({reminded / seconds:.0f} reminders/s)",
                f"executemany {_duration(baseline)} ({reminded / baseline:.0f} rows/s)",
                f"{seconds / baseline:.1f}x")]
    if reminded < count:
        rows.append(Row(f"fan-out: remind_tasks, {count} patients",
                        f"{_duration(seconds * count / reminded)} (extrapolated from {reminded})",
                        f"executemany {_duration(baseline * count / reminded)} (extrapolated)",
                        ""))
    label = "measured" if sent >= reminded else f"extrapolated from {sent} sent"
    rows.append(Row(f"fan-out: delivery, {workers} workers, console sender",
                    f"{rate:.1f} messages/s; {count}: {_duration(count / rate)} ({label})",
                    f"RQ no-op jobs {noops:.0f}/s", f"{noops / rate:.1f}x slower"))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer patients, shorter window")
    parser.add_argument("--patients", type=int, default=None)
    parser.add_argument("--workers", type=int, default=2, help="suivi worker processes")
    args = parser.parse_args(argv)
    with interruptible():
        print(table(run(args.quick, args.patients, args.workers)))


if __name__ == "__main__":
    main()
