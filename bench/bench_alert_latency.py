"""End-to-end alert latency under a steady load, with ``suivi worker`` processes running.

    python -m bench.bench_alert_latency [--quick] [--workers 2]

Submissions arrive at a fixed rate (50/s, open loop: one every 20 ms whatever the
previous ones take); one in ten carries a temperature of 39.2 °C, which opens a high
alert (each on a patient without one yet). For those, three legs on this host's clock:

- received → in the queue: the POST's round trip; its 201 means the transaction that
  opened the alert committed, so the nurse's GET /api/v1/alerts lists it (checked);
- alert written → nurse paged: from the alert row's ``created_at`` (stamped in the
  transaction that commits it, on this host's clock too) to the nurse's SMS being sent
  (the Message row's ``sent_at``): the commit, the outbox relay, Redis and an RQ worker.
  (Measured from the client's 201 instead, it can be negative: the worker may send the
  SMS before the response has reached the client.);
- end to end: both.

Baselines measured during the same load: a bare GET /healthz round trip, and an RQ job
that does nothing but stamp the time (enqueue → ran) on the same Redis and workers.
"""

from __future__ import annotations

import argparse
import itertools
import queue
import threading
import time
from dataclasses import dataclass, field

from redis import Redis
from rq import Queue
from rq.job import Job

from bench import population
from bench.jobs import stamp
from bench.report import Row, latency_pair, ms, percentile, progress, table, times
from bench.stack import REDIS_URL, Client, Stack, expect, idempotency_key, interruptible

RATE = 50  # submissions per second
ALERT_EVERY = 10
PROBE_INTERVAL = 0.2
SETTINGS = {False: {"seconds": 20, "patients": 200}, True: {"seconds": 6, "patients": 60}}


@dataclass
class Observed:
    normal: list[float] = field(default_factory=list)  # POST round trips without alert
    alerting: dict[str, tuple[float, float]] = field(default_factory=dict)  # id: sent, answered
    errors: int = 0
    late: int = 0  # submissions sent more than 50 ms after their slot
    sent: list[float] = field(default_factory=list)  # when each submission went out
    healthz: list[float] = field(default_factory=list)
    noop_jobs: list[tuple[str, float]] = field(default_factory=list)  # job id, enqueued at


def steady_load(normal: list[population.Patient], alerting: list[population.Patient],
                seconds: float, url: str, senders: int = 64) -> Observed:
    seen = Observed()
    count = int(RATE * seconds)
    fresh = iter(alerting)
    turn = itertools.count()
    start = time.time() + 0.5
    slots: queue.Queue = queue.Queue()
    for index in range(count):
        if index % ALERT_EVERY == ALERT_EVERY - 1:
            slots.put((start + index / RATE, next(fresh), population.daily(temperature=39.2)))
        else:
            slots.put((start + index / RATE, normal[next(turn) % len(normal)],
                       population.daily()))
    lock = threading.Lock()

    def sender() -> None:
        while True:
            try:
                due, patient, body = slots.get_nowait()
            except queue.Empty:
                return
            time.sleep(max(0.0, due - time.time()))
            sent = time.time()
            response = patient.app.post("/api/v1/me/submissions", body,
                                        headers=idempotency_key())
            answered = time.time()
            with lock:
                seen.late += sent - due > 0.05
                seen.sent.append(sent)
                if response.status != 201:
                    seen.errors += 1
                elif response.body["alerts_opened"]:
                    seen.alerting[patient.id] = (sent, answered)
                else:
                    seen.normal.append(answered - sent)

    stop = threading.Event()
    failure: list[BaseException] = []

    def probe() -> None:
        client = Client(url)
        jobs = Queue("high", connection=Redis.from_url(REDIS_URL))
        try:
            while not stop.wait(PROBE_INTERVAL):
                health = client.get("/healthz")
                expect(health, 200, "healthz")
                seen.healthz.append(health.seconds)
                enqueued = time.time()
                seen.noop_jobs.append((jobs.enqueue(stamp, result_ttl=600).id, enqueued))
        except BaseException as error:  # noqa: BLE001 (re-raised in the calling thread)
            failure.append(error)

    threads = [threading.Thread(target=sender, daemon=True) for _ in range(senders)]
    prober = threading.Thread(target=probe, daemon=True)
    for thread in [*threads, prober]:
        thread.start()
    for thread in threads:
        thread.join()
    stop.set()
    prober.join()
    if failure:
        raise failure[0]
    return seen


def sms_sent_at(stack: Stack, patient_ids: set[str], timeout: float
                ) -> dict[str, tuple[float, float]]:
    """When each patient's high alert was written and its first SMS to a nurse sent
    (waits for them)."""
    deadline = time.monotonic() + timeout
    with stack.connect(autocommit=True) as conn:
        while True:
            rows = conn.execute(
                "SELECT a.patient_id::text, min(a.created_at), min(m.sent_at) FROM alerts a"
                " JOIN messages m ON m.alert_id = a.id"
                " WHERE a.severity = 'high' AND m.status = 'sent' GROUP BY a.patient_id").fetchall()
            found = {pid: (written.timestamp(), sent.timestamp())
                     for pid, written, sent in rows if pid in patient_ids}
            if len(found) == len(patient_ids) or time.monotonic() > deadline:
                return found
            time.sleep(0.5)


def noop_round_trips(jobs: list[tuple[str, float]], timeout: float = 30) -> list[float]:
    connection = Redis.from_url(REDIS_URL)
    deadline = time.monotonic() + timeout
    trips = []
    for job_id, enqueued in jobs:
        job = Job.fetch(job_id, connection=connection)
        while job.get_status() != "finished" and time.monotonic() < deadline:
            time.sleep(0.1)
        if job.get_status() == "finished":
            trips.append(job.return_value() - enqueued)
    return trips


def triage_queue(nurse: Client, expected: set[str], tries: int = 5
                 ) -> tuple[float, float, int]:
    """The nurse's first page of high alerts once the load is over: the median latency of
    that page and of GET /healthz (in turns), and how many expected alerts it lists."""
    pages, health = [], []
    for _ in range(tries):
        page = nurse.get("/api/v1/alerts?severity=high&limit=200")
        pages.append(page.seconds)
        probe = nurse.get("/healthz")
        expect(probe, 200, "healthz")
        health.append(probe.seconds)
    listed = {alert["patient"]["id"] for alert in expect(page, 200, "alerts")}
    return percentile(pages, 50), percentile(health, 50), len(expected & listed)


def measure(stack: Stack, nurse: Client, normal: list[population.Patient],
            alerting: list[population.Patient], seconds: float) -> list[Row]:
    progress(f"alert latency: {RATE} submissions/s for {seconds:.0f} s")
    seen = steady_load(normal, alerting, seconds, stack.url)
    progress("alert latency: waiting for the nurse's SMS")
    sent = sms_sent_at(stack, set(seen.alerting), timeout=60)
    noop = noop_round_trips(seen.noop_jobs)
    queue_seconds, idle_healthz, listed = triage_queue(nurse, set(seen.alerting))
    if not seen.alerting or not sent or not noop:
        raise RuntimeError(f"nothing to measure: {len(seen.alerting)} alerts, {len(sent)} SMS,"
                           f" {len(noop)} no-op jobs, {seen.errors} errors")
    received = [answered - began for began, answered in seen.alerting.values()]
    paged = [sent[pid][1] - sent[pid][0] for pid in sent]
    end_to_end = [sent[pid][1] - seen.alerting[pid][0] for pid in sent]
    missing = len(seen.alerting) - len(sent)
    achieved = (len(seen.sent) - 1) / (max(seen.sent) - min(seen.sent))
    notes = [f"{len(seen.alerting)} high alerts, {listed} listed in the nurse's queue"]
    notes += [f"{missing} SMS missing"] if missing else []
    notes += [f"{seen.errors} errors"] if seen.errors else []
    notes += [f"{seen.late} sent > 50 ms late"] if seen.late else []
    healthz_p50 = percentile(seen.healthz, 50)
    noop_p50 = percentile(noop, 50)
    return [
        Row(f"alert load: {RATE}/s asked, {seconds:.0f} s", f"{achieved:.0f} submissions/s sent",
            "; ".join(notes), ""),
        Row("alert: received → in queue", latency_pair(received),
            f"GET /healthz {latency_pair(seen.healthz)}",
            f"p50 {times(percentile(received, 50), healthz_p50)}"),
        Row("alert: written → nurse's SMS sent", latency_pair(paged),
            f"RQ no-op job {latency_pair(noop)}", f"p50 {times(percentile(paged, 50), noop_p50)}"),
        Row("alert: end to end", latency_pair(end_to_end), "", ""),
        Row("submission without alert (same load)", latency_pair(seen.normal), "", ""),
        Row(f"GET /api/v1/alerts, {min(len(seen.alerting), 200)} high alerts (after the load)",
            f"p50 {ms(queue_seconds)}", f"GET /healthz p50 {ms(idle_healthz)}",
            times(queue_seconds, idle_healthz)),
    ]


def alerts_needed(quick: bool) -> int:
    """How many patients the alerting submissions need (each opens one high alert)."""
    return int(RATE * SETTINGS[quick]["seconds"]) // ALERT_EVERY


def run(quick: bool = False, stack: Stack | None = None, nurse: Client | None = None,
        patients: list | None = None, workers: int = 2, web_workers: int = 3) -> list[Row]:
    """``patients``: the last ``alerts_needed(quick)`` must have no alert yet."""
    settings = SETTINGS[quick]
    needed = alerts_needed(quick)
    if stack is None:
        with Stack("alerts") as own:
            own.serve(web_workers)
            nurse = population.nurse(own)
            progress(f"alert latency: {settings['patients'] + needed} patients")
            people = population.patients(own, nurse, settings["patients"] + needed)
            return run(quick, own, nurse, people, workers)
    normal, alerting = patients[:-needed], patients[-needed:]
    progress(f"alert latency: starting {workers} suivi worker processes")
    stack.start_workers(workers)  # left running: the memory benchmark looks at them next
    return measure(stack, nurse, normal, alerting, settings["seconds"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter run")
    parser.add_argument("--workers", type=int, default=2, help="suivi worker processes")
    args = parser.parse_args(argv)
    with interruptible():
        print(table(run(args.quick, workers=args.workers)))


if __name__ == "__main__":
    main()
