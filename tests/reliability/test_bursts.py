"""Bursts of submissions through faults: Redis killed and restarted, PostgreSQL crashed and
restarted, every request and every job duplicated, and a job run again by a second worker
while the first is still sending.

Each test drives the real path: patients' apps (client threads) post over HTTP to a real
server around the app, on a real database and a real Redis; a real RQ worker and the
project's own sweep page the nurses afterwards. A client does what the patient app does:
on a 503 or a lost connection it sends the same body again with the same
``Idempotency-Key``, after a short back-off, until it gets its 201.

What is checked is what a patient or a nurse would notice: every answer acknowledged is
stored exactly once, nothing sent is lost, every alert expected is raised once, and every
nurse receives exactly one SMS per alert.
"""

from __future__ import annotations

import http.client
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest
import redis as redis_client
from rq import Queue, Worker
from rq.job import Job

from backend.alerts.models import Alert
from backend.app import create_app
from backend.idempotency.models import IdempotencyRecord
from backend.intake.models import Reading, Submission
from backend.job_runtime import QUEUES, set_worker_app
from backend.notifications.models import Message
from backend.outbox.jobs import sweep_outbox
from backend.outbox.models import OutboxEntry
from backend.outbox.services import REENQUEUE_AFTER, relay
from tests.helpers import World, count, daily, run_worker
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

SUBMISSIONS = "/api/v1/me/submissions"
READINGS = "/api/v1/me/readings"
NORMAL = daily()
FEVER = {"type": "temperature", "value": 39.4, "unit": "Cel"}
WEIGHT = {"type": "weight", "value": 71.5, "unit": "kg"}
# What the ambulatory-general protocol raises for each of them (checked on control
# patients before any fault): one alert per cause, named by its highest rule: 39.2 °C is
# `fever-high` (the `fever` finding is its evidence), breathless at rest is an emergency,
# pain 8 a first report of severe pain; a weight is scored by no rule of this protocol.
HIGH_RULES = frozenset({"fever-high", "breathless-at-rest", "pain-severe"})
FEVER_RULES = frozenset({"fever-high"})
EMERGENCY_RULES = frozenset({"breathless-at-rest"})  # "call 15 now"
NO_RULES: frozenset[str] = frozenset()
BLEEDING = daily(wound_bleeding=True)
BLEEDING_RULES = frozenset({"wound-bleeding"})  # one alert, high: the nurses are paged

CLIENTS = 6
PATIENTS = 24  # half of them alerting
RETRY_WITHIN = 20.0  # seconds a client keeps retrying one request before the test fails
RETRYABLE = (409, 503)  # both come with Retry-After: nothing was stored, send it again


# -- the patients' apps -----------------------------------------------------------------

@dataclass(frozen=True)
class Request:
    """One request of a patient's app, with the alerts it must open."""

    patient_id: str
    token: str
    path: str
    body: dict
    rules: frozenset[str]
    phase: int = 0
    key: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}", "Idempotency-Key": self.key}


@dataclass
class Answer:
    """The 201 a request finally got, and what went wrong before it."""

    headers: dict
    body: dict
    failures: list


def submission(patient: dict, device, answers: dict, rules: frozenset[str],
               phase: int = 0) -> Request:
    return Request(patient["id"], device.token, SUBMISSIONS,
                   {"questionnaire": "daily-postop", "answers": answers}, rules, phase)


def readings(patient: dict, device, reading: dict, measured_at: datetime,
             rules: frozenset[str]) -> Request:
    return Request(patient["id"], device.token, READINGS,
                   {"readings": [{**reading, "measured_at": measured_at.isoformat()}]}, rules)


def post_until_created(port: int, request: Request, failed=lambda: None,
                       stop: threading.Event | None = None) -> Answer:
    """Post like the patient app: the same key and body again after a 503 (or 409) or a
    lost connection, with a growing back-off, until a 201 (at most RETRY_WITHIN s)."""
    failures: list = []
    delay, deadline = 0.05, time.monotonic() + RETRY_WITHIN
    while True:
        try:
            status, headers, body = http_post(port, request.path, request.body,
                                              request.headers)
        except (OSError, http.client.HTTPException) as error:
            failures.append(type(error).__name__)
        else:
            if status == 201:
                return Answer(headers, body, failures)
            assert status in RETRYABLE, (status, body, request.body)
            assert int(headers["Retry-After"]) > 0, headers
            failures.append(status)
        failed()
        assert time.monotonic() < deadline, f"no 201 after {failures}"
        if stop is not None and stop.is_set():
            raise AssertionError("burst cancelled")
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


class Burst:
    """CLIENTS threads posting planned requests, each retried until its 201.

    A request of phase p waits until the test opens phase p: the test injects its fault
    between two phases, while requests of the phase before are still in flight, and
    knows requests were sent during the fault."""

    def __init__(self, port: int, requests: list[Request]) -> None:
        self.port = port
        self.requests = sorted(requests, key=lambda r: r.phase)
        self.answers: dict[str, Answer] = {}
        self.failures = 0
        self._phases = [threading.Event() for _ in range(self.requests[-1].phase + 1)]
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(CLIENTS)
        self._clients = [self._pool.submit(self._client, self.requests[lane::CLIENTS])
                         for lane in range(CLIENTS)]

    def __enter__(self) -> Burst:
        return self

    def __exit__(self, *exc_info) -> None:
        if exc_info[0] is not None:
            self._stop.set()
        for phase in self._phases:
            phase.set()
        self._pool.shutdown(wait=True)

    def _client(self, lane: list[Request]) -> None:
        for request in lane:
            self._phases[request.phase].wait(60)
            if self._stop.is_set():
                return
            answer = post_until_created(self.port, request, self._failed, self._stop)
            with self._lock:
                self.answers[request.key] = answer

    def _failed(self) -> None:
        with self._lock:
            self.failures += 1

    def open(self, phase: int) -> None:
        self._phases[phase].set()

    def acknowledged(self, phase: int, alerting: bool = False) -> int:
        with self._lock:
            return sum(1 for r in self.requests if r.key in self.answers
                       and r.phase == phase and (r.rules or not alerting))

    def finish(self) -> dict[str, Answer]:
        """Let every phase go on, wait for every client; a client's failure is raised."""
        for phase in self._phases:
            phase.set()
        for client in self._clients:
            client.result(timeout=120)
        return self.answers


def nurses(world: World):
    """A team of two nurses with phones (the first returned)."""
    nurse = world.staff("nurse", phone=PHONES[0])
    world.staff("nurse", phone=PHONES[1])
    return nurse


def burst_plan(world: World, nurse, phases: int) -> list[Request]:
    """PATIENTS patients, one daily-postop each, every other one alerting; spread over
    ``phases`` phases, each with as many alerting answers as normal ones."""
    requests = []
    for index in range(PATIENTS):
        patient, device = world.patient_device(nurse)
        answers, rules = (HIGH, HIGH_RULES) if index % 2 == 0 else (NORMAL, NO_RULES)
        requests.append(submission(patient, device, answers, rules,
                                   phase=index * phases // PATIENTS))
    return requests


def controls(world: World, nurse) -> list[Request]:
    """Two control patients: one alerting answer, one normal; then a weight reading for the
    first and a fever reading for the second."""
    (alerting, alerting_app), (normal, normal_app) = (world.patient_device(nurse),
                                                      world.patient_device(nurse))
    now = world.clock.now()
    return [submission(alerting, alerting_app, HIGH, HIGH_RULES),
            submission(normal, normal_app, NORMAL, NO_RULES),
            readings(alerting, alerting_app, WEIGHT, now, NO_RULES),
            readings(normal, normal_app, FEVER, now, FEVER_RULES)]


def burst_people(web, clock) -> tuple[list[Request], list[Request]]:
    """Two nurses, the control requests, and a burst in three phases."""
    world = World(web, clock)
    nurse = nurses(world)
    return controls(world, nurse), burst_plan(world, nurse, phases=3)


def send_controls(app, port: int, requests: list[Request]) -> dict[str, Answer]:
    """Each request once, with no fault: the alerts it opens are exactly the rules declared
    for it, so the counts after a fault are compared with what the protocol really does."""
    answers = {}
    for request in requests:
        answer = post_until_created(port, request)
        assert answer.failures == []
        opened = [a for a in rows(app, Alert) if str(a.id) in answer.body["alerts_opened"]]
        assert {a.rule_id for a in opened} == request.rules, (request.body, opened)
        if request.path == SUBMISSIONS:  # told to call 15 now only by an emergency rule
            assert answer.body["call_emergency"] is bool(request.rules & EMERGENCY_RULES)
        answers[request.key] = answer
    return answers


# -- what must hold after any fault -----------------------------------------------------

def assert_stored_once(app, requests: list[Request], answers: dict[str, Answer]) -> None:
    """Every request acknowledged; what was acknowledged is exactly what is stored."""
    assert set(answers) == {r.key for r in requests}, "a request never got its 201"
    submitted = [answers[r.key].body["id"] for r in requests if r.path == SUBMISSIONS]
    measured = [i for r in requests if r.path == READINGS for i in answers[r.key].body["ids"]]
    assert len(set(submitted)) == sum(r.path == SUBMISSIONS for r in requests)
    assert sorted(str(s.id) for s in rows(app, Submission)) == sorted(submitted)
    assert sorted(str(r.id) for r in rows(app, Reading, submission_id=None)) == sorted(measured)
    assert count(app, IdempotencyRecord) == len(requests)


def assert_alerts_as_expected(app, requests: list[Request], answers: dict[str, Answer]) -> None:
    """The alerts declared for each request, once each, each announced in the answer of the
    request that raised it."""
    expected = Counter((r.patient_id, rule) for r in requests for rule in r.rules)
    alerts = rows(app, Alert)
    assert Counter((str(a.patient_id), a.rule_id) for a in alerts) == expected
    opened = [i for answer in answers.values() for i in answer.body["alerts_opened"]]
    assert sorted(opened) == sorted(str(a.id) for a in alerts)


def assert_paged_once(app) -> None:
    """One notification per alert, one SMS per nurse for each, the provider called once."""
    assert count(app, OutboxEntry, kind="alert.notify") == count(app, Alert)
    assert_nurses_paged_once(app)
    assert {m.attempts for m in rows(app, Message)} == {1}
    set_worker_app(app)
    assert sweep_outbox() == 0  # nothing left to send, nothing sent twice


def queued_jobs(connection) -> Counter:
    return Counter(job_id for name in QUEUES
                   for job_id in Queue(name, connection=connection).get_job_ids())


# -- 1. Redis killed in the middle of a burst -------------------------------------------

@pytest.mark.timeout(90)
def test_redis_killed_mid_burst_loses_no_answer_and_pages_each_nurse_once(
        app, app_config, clock, own_redis):
    """Redis SIGKILLed (and its queued jobs lost) while answers pour in, then restarted:
    every patient still gets their 201 without retrying, every answer and alert is stored
    once, and the sweep (now for what could not be relayed, after REENQUEUE_AFTER for the
    jobs Redis forgot) pages each nurse exactly once per alert."""
    web = sibling_app(app, app_config, REDIS_URL=own_redis.url)
    jobs = redis_client.Redis.from_url(own_redis.url)
    try:
        control, requests = burst_people(web, clock)
        with http_server(web) as port:
            answers = send_controls(web, port, control)
            with Burst(port, requests) as burst:
                burst.open(0)
                wait_for(lambda: burst.acknowledged(0, alerting=True) >= 1
                         and burst.acknowledged(0) >= 3, 20, "alerts relayed to Redis")
                own_redis.kill()
                burst.open(1)
                wait_for(lambda: burst.acknowledged(1, alerting=True) >= 2, 20,
                         "alerts acknowledged while Redis is down")
                own_redis.start()
                burst.open(2)
                answers.update(burst.finish())
        assert all(a.failures == [] for a in answers.values()), (
            "Redis is not on the submission path: no answer should need a retry")
        assert_stored_once(web, control + requests, answers)
        assert_alerts_as_expected(web, control + requests, answers)

        entries = rows(web, OutboxEntry)
        not_relayed = [e for e in entries if e.enqueued_at is None]
        queued = queued_jobs(jobs)
        forgotten = [e for e in entries if e.enqueued_at and f"outbox-{e.id}" not in queued]
        assert not_relayed, "no relay failed: Redis was not down during the burst"
        assert forgotten, "no job was lost: Redis was killed before any alert was relayed"

        set_worker_app(web)
        assert sweep_outbox() == len(not_relayed)
        run_worker(web, jobs)
        statuses = {e.id: e.status for e in rows(web, OutboxEntry)}
        assert {statuses[e.id] for e in not_relayed} == {"done"}
        assert {statuses[e.id] for e in forgotten} == {"pending"}  # until REENQUEUE_AFTER
        clock.advance(seconds=REENQUEUE_AFTER.total_seconds() + 60)
        assert sweep_outbox() == len(forgotten)
        run_worker(web, jobs)
        assert_paged_once(web)
    finally:
        jobs.close()
        web.extensions["suivi"].engine.dispose()


# -- 2. PostgreSQL crashed and restarted in the middle of a burst -----------------------

@pytest.mark.timeout(120)
def test_postgres_restarted_mid_burst_loses_and_duplicates_no_answer(
        app_config, clock, redis, own_postgres):
    """The database crashes (pg_ctl stop -m immediate) while answers pour in, then comes
    back: requests cut off mid-transaction or refused get a 503 or a broken connection and
    are retried with the same key; in the end each answer is stored exactly once (none
    lost, none doubled), the alerts are those expected, and each nurse is paged once."""
    web = create_app({**app_config, "DATABASE_URL": own_postgres.url})
    web.extensions["suivi"].clock = clock
    try:
        control, requests = burst_people(web, clock)
        with http_server(web) as port:
            answers = send_controls(web, port, control)
            with Burst(port, requests) as burst:
                burst.open(0)
                wait_for(lambda: burst.acknowledged(0) >= 3, 20, "the burst to be under way")
                own_postgres.crash()
                burst.open(1)
                wait_for(lambda: burst.failures >= CLIENTS, 20,
                         "clients refused while the database is down")
                own_postgres.start()
                burst.open(2)
                answers.update(burst.finish())
        assert burst.failures >= CLIENTS
        assert_stored_once(web, control + requests, answers)
        assert_alerts_as_expected(web, control + requests, answers)

        set_worker_app(web)
        sweep_outbox()  # relays cut off by the crash; the others are already queued
        run_worker(web, redis)
        assert_paged_once(web)
    finally:
        web.extensions["suivi"].engine.dispose()


# -- 3. Every request and every job twice -----------------------------------------------

def twice_then_once(port: int, request: Request) -> list[Answer]:
    """The same request from two threads at the same moment, then once more afterwards."""
    together = threading.Barrier(2)

    def post(_: int) -> Answer:
        together.wait(10)
        return post_until_created(port, request)

    with ThreadPoolExecutor(2) as pair:
        answers = list(pair.map(post, range(2)))
    return [*answers, post_until_created(port, request)]


@pytest.mark.timeout(90)
def test_every_request_and_every_job_twice_stores_once_and_pages_once(
        app, clock, redis, world):
    """Each submission and each batch of readings sent twice concurrently and once more
    later: one row each, every duplicate answered exactly as the first; then every job
    of the outbox enqueued a second time under its id (RQ runs it twice): still exactly
    one SMS per nurse per alert, the provider called once for each."""
    nurse = nurses(world)
    control = controls(world, nurse)
    patients, now = [], clock.now()
    for index in range(PATIENTS // 2):
        patient, device = world.patient_device(nurse)
        if index % 2 == 0:  # an alerting answer, then a weight that changes nothing
            patients.append([submission(patient, device, HIGH, HIGH_RULES),
                             readings(patient, device, WEIGHT, now, NO_RULES)])
        else:  # a normal answer, then a fever reading
            patients.append([submission(patient, device, NORMAL, NO_RULES),
                             readings(patient, device, FEVER, now, FEVER_RULES)])
    requests = [request for sequence in patients for request in sequence]

    with http_server(app) as port:
        answers = send_controls(app, port, control)

        def one_patient(sequence: list[Request]) -> dict[str, list[Answer]]:
            return {request.key: twice_then_once(port, request) for request in sequence}

        with ThreadPoolExecutor(CLIENTS) as pool:
            duplicated = {key: replies for result in pool.map(one_patient, patients)
                          for key, replies in result.items()}
    for request in requests:
        first, *others = duplicated[request.key]
        assert all(other.body == first.body for other in others), request.body
        created = [a for a in (first, *others) if "Idempotent-Replayed" not in a.headers]
        assert len(created) == 1, "one of the three stores, the others replay it"
        answers[request.key] = first
    assert_stored_once(app, control + requests, answers)
    assert_alerts_as_expected(app, control + requests, answers)

    entries = rows(app, OutboxEntry)
    assert entries and all(e.enqueued_at for e in entries)  # relayed once, after the commit
    with app.app_context():
        assert relay([(e.id, e.queue) for e in entries]) == len(entries)
    assert queued_jobs(redis) == Counter({f"outbox-{e.id}": 2 for e in entries})
    run_worker(app, redis)
    for entry in entries:  # both copies ran, the second found the work done
        assert sorted(run.return_value for run in job_runs(redis, entry)) == ["done", "skipped"]
    assert_paged_once(app)


# -- 4. A copy of a job run while the first is still sending ----------------------------

def job_runs(connection, entry: OutboxEntry) -> list:
    """The results RQ kept of each run of the entry's job."""
    return Job.fetch(f"outbox-{entry.id}", connection=connection).results()


def idle_workers(connection) -> int:
    return sum(worker.get_state() == "idle" for worker in Worker.all(connection=connection))


def provider_calls(logs: list[Path], message: Message) -> int:
    """How many times the (console) SMS provider was handed this message."""
    return sum(line.count(f"ref={message.id}") for log in logs
               for line in log.read_text(errors="replace").splitlines())


@pytest.mark.timeout(90)
def test_a_job_swept_again_while_it_is_sending_pages_each_nurse_once(
        app, app_config, clock, redis, world, tmp_path):
    """The other way RQ runs a job twice, in production: two `suivi worker` processes,
    and an SMS provider slow enough (2 s an SMS here) that the alert's job is still
    sending when the sweep finds its entry pending REENQUEUE_AFTER after it was enqueued.
    The sweep takes the job for lost and enqueues it again; the idle worker runs the copy
    while the first is still sending. Each nurse must still get one SMS for the alert
    ("a retried or duplicated job never sends a second SMS")."""
    nurse = nurses(world)
    patient, device = world.patient_device(nurse)
    logs = [tmp_path / f"worker-{number}.log" for number in range(2)]
    with ExitStack() as workers:
        for log in logs:
            workers.enter_context(worker_process(app_config, redis, log, send_seconds=2))
        wait_for(lambda: idle_workers(redis) == 2, 30, "two idle workers", logs[0])
        with http_server(app) as port:
            send_controls(app, port, [submission(patient, device, BLEEDING, BLEEDING_RULES)])
        (entry,) = rows(app, OutboxEntry)
        wait_for(lambda: rows(app, Message, status="sending"), 20, "the first SMS on its way",
                 logs[0])
        clock.advance(seconds=REENQUEUE_AFTER.total_seconds() + 60)
        set_worker_app(app)
        assert sweep_outbox() == 1  # still pending, enqueued "long ago": taken for lost
        wait_for(lambda: len(job_runs(redis, entry)) == 2, 30, "both runs of the job", logs[1])
    messages = rows(app, Message)
    assert sorted(m.address for m in messages) == sorted(PHONES)
    assert {m.address: provider_calls(logs, m) for m in messages} == dict.fromkeys(PHONES, 1), (
        "a nurse received the same alert's SMS twice")
    assert_paged_once(app)
