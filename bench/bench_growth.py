"""Growth: the staff's reads and the periodic jobs at 1,000 and at 100,000 patients.

    python -m bench.bench_growth [--quick] [--sizes 1000,100000] [--runs 7]

Two databases, each with a month of history (``bench.growth_data``, bulk-inserted and
analysed, not measured), each served by its own ``suivi serve``; the same nurse, whose
team holds the same 1,000 patients in both. Each staff read is timed through HTTP
(median of ``--runs`` after one warm-up); each periodic job of
``backend/worker/periodic.py`` is run in this process, with nothing to do and with a
normal amount (``JOB_LOAD`` items made due first, not timed). The two databases are
timed in alternation, so that other work on the machine slows both alike. A read or
job that does not depend on how many patients the hospital has keeps its time: the
target is at most 1.2x from the small to the large one.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections.abc import Callable

import requests

from bench import population
from bench.growth_data import populate
from bench.report import Row, ms, progress, table
from bench.stack import PASSWORD, Client, Stack, expect, interruptible

SIZES = {False: (1_000, 100_000), True: (1_000, 20_000)}
RUNS = 7
JOB_LOAD = 100
JOB_RUNS = 5  # fewer: a job walking every patient takes minutes at 100,000
DEEP_ROW = 5_000  # the timeline page that starts this far back
TARGET = 1.2

# What makes JOB_LOAD items due for each job (setup, not measured): tasks of the next
# days brought to now, open alerts whose next escalation is now, pending outbox rows.
_DUE = {
    "remind-tasks": """UPDATE tasks SET due_at = now() - interval '5 minutes',
        remind_at = now() - interval '5 minutes',
        missed_at = now() + interval '2 hours' WHERE id IN (SELECT DISTINCT ON (patient_id)
        id FROM tasks WHERE status = 'pending' AND due_at > now()
        ORDER BY patient_id, due_at LIMIT %s)""",
    "check-missed-tasks": """UPDATE tasks SET due_at = now() - interval '3 hours',
        missed_at = now() - interval '1 hour', reminded_at = now() - interval '3 hours'
        WHERE id IN (SELECT id FROM tasks WHERE status = 'pending' AND due_at > now()
        LIMIT %s)""",
    "escalate-alerts": """UPDATE alerts SET next_escalation_at = now() - interval '1 minute'
        WHERE id IN (SELECT id FROM alerts WHERE status = 'open' LIMIT %s / 2)""",
    "sweep-outbox": """INSERT INTO outbox (id, kind, payload, dedupe_key, queue, status,
        attempts, created_at, available_at) SELECT gen_random_uuid(), 'bench.noop', '{}',
        'bench:' || gen_random_uuid(), 'low', 'pending', 0, now(), now()
        FROM generate_series(1, %s)""",
}


Probe = tuple[str, Callable[[], float], str]  # name, one timed run (seconds), a note


def _get_seconds(client: Client, path: str) -> float:
    response = client.get(path)
    expect(response, 200, path)
    return response.seconds


def _web_session(stack: Stack, email: str) -> requests.Session:
    """A browser signed in to the web pages (login form with its CSRF token)."""
    browser = requests.Session()
    form = browser.get(f"{stack.url}/web/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    signed = browser.post(f"{stack.url}/web/login", allow_redirects=False,
                          data={"email": email, "password": PASSWORD, "csrf": csrf})
    if signed.status_code != 302:
        raise RuntimeError(f"web login: HTTP {signed.status_code}")
    return browser


def _deep_page_path(client: Client, base: str) -> str:
    """The timeline page starting DEEP_ROW rows back: by its cursor when the API gives
    one (followed page after page, not timed), else by offset."""
    first = client.get(f"{base}&limit=200")
    expect(first, 200, base)
    if "X-Next-Cursor" not in first.headers:
        return f"{base}&limit=100&offset={DEEP_ROW}"
    cursor, seen = first.headers["X-Next-Cursor"], 200
    while seen < DEEP_ROW:
        page = client.get(f"{base}&limit=200&cursor={cursor}")
        cursor, seen = page.headers["X-Next-Cursor"], seen + 200
    return f"{base}&limit=100&cursor={cursor}"


def reads(stack: Stack, ids: dict[str, str]) -> list[Probe]:
    """Each staff read, as a probe through ``suivi serve``."""
    nurse = population.sign_in(stack, "nurse@bench.test")
    admin = population.sign_in(stack, "admin@bench.test")
    patient = ids["device_patient"]
    timeline = f"/api/v1/patients/{patient}/timeline?order=desc"
    if ids["stranger"]:  # another team's patient: still refused
        expect(nurse.get(f"/api/v1/patients/{ids['stranger']}/timeline"), 404, "stranger")
    probes: list[Probe] = [
        (name, lambda c=client, p=path: _get_seconds(c, p), "") for name, client, path in (
            ("nurse's queue GET /api/v1/alerts", nurse, "/api/v1/alerts"),
            ("admin's queue GET /api/v1/alerts", admin, "/api/v1/alerts"),
            ("nurse's triage GET /api/v1/triage", nurse, "/api/v1/triage"),
            ("timeline, limit=1 (25,000 readings)", nurse, f"{timeline}&limit=1"),
            ("timeline, first page of 100", nurse, f"{timeline}&limit=100"),
            (f"timeline, page of 100 at row {DEEP_ROW:,}", nurse,
             _deep_page_path(nurse, timeline)),
            ("audit search, newest 50", admin, "/api/v1/audit?limit=50"),
            ("audit search, one patient", admin, f"/api/v1/audit?patient_id={patient}"),
            ("audit search, one action", admin, "/api/v1/audit?action=alert.read"),
            ("nurse's indicators GET /api/v1/indicators (her team, 12 weeks)", nurse,
             "/api/v1/indicators"))]
    browser = _web_session(stack, "nurse@bench.test")
    page = f"{stack.url}/web/patients/{patient}"

    def web() -> float:
        start = time.perf_counter()
        reply = browser.get(page)
        if reply.status_code != 200:
            raise RuntimeError(f"{page}: HTTP {reply.status_code}")
        return time.perf_counter() - start

    size = len(browser.get(page).content)
    return [*probes, ("patient page /web/patients/<id>", web, f"{size:,} bytes")]


def jobs(stack: Stack) -> list[Probe]:
    """Each periodic job, run in this process in an app on ``stack``: with nothing to do,
    and, for those that have work, with a normal load made due first (not timed)."""
    from backend.job_runtime import set_worker_app
    from backend.worker.periodic import PERIODIC_JOBS

    app = stack.app()

    def timed(func: Callable[[], object], due: str | None = None) -> float:
        if due is not None:
            with stack.connect() as conn:
                conn.execute(due, (JOB_LOAD,))
        set_worker_app(app)
        start = time.perf_counter()
        handled = func()
        seconds = time.perf_counter() - start
        if due is not None and not handled:
            raise RuntimeError(f"{func.__name__} found nothing of its load")
        return seconds

    probes: list[Probe] = []
    for job in PERIODIC_JOBS:
        probes.append((f"job {job.name}, nothing to do", lambda f=job.func: timed(f), "job"))
        if job.name in _DUE:
            probes.append((f"job {job.name}, a normal load",
                           lambda f=job.func, d=_DUE[job.name]: timed(f, d), "job"))
    return probes


def setup(stack: Stack, count: int) -> dict[str, str]:
    stack.serve(2)
    population.nurse(stack)
    progress(f"growth {count}: inserting a month of history")
    return populate(stack, count)


def interleaved(small: Callable[[], float], large: Callable[[], float],
                runs: int) -> tuple[float, float]:
    """Medians of ``runs`` timings of each, taken in alternation after one warm-up each:
    a machine busy with other work slows both alike."""
    small(), large()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        times[0].append(small())
        times[1].append(large())
    return statistics.median(times[0]), statistics.median(times[1])


def run(quick: bool = False, sizes: tuple[int, int] | None = None,
        runs: int = RUNS, only: str | None = None) -> list[Row]:
    small, large = sizes or SIZES[quick]
    rows = []
    with Stack(f"growth{small}") as first, Stack(f"growth{large}") as second:
        ids = (setup(first, small), setup(second, large))
        progress(f"growth: staff reads and periodic jobs, {small:,} and {large:,} in turn")
        pairs = zip([*reads(first, ids[0]), *jobs(first)],
                    [*reads(second, ids[1]), *jobs(second)], strict=True)
        for (name, at_small, note), (_, at_large, large_note) in pairs:
            if only and only not in name:
                continue
            progress(f"  {name}")
            seconds, grown = interleaved(at_small, at_large,
                                         JOB_RUNS if note == "job" else runs)
            ratio = grown / seconds
            flag = "" if ratio <= TARGET else " (over target)"
            # Said at once too: a run stopped later keeps what it measured.
            progress(f"    {ms(seconds)} -> {ms(grown)}: {ratio:.2f}x{flag}")
            notes = ("", "") if note == "job" else (note, large_note)
            rows.append(Row(f"growth: {name}",
                            f"{ms(grown)} at {large:,}{f', {notes[1]}' if notes[1] else ''}",
                            f"{ms(seconds)} at {small:,}{f', {notes[0]}' if notes[0] else ''}",
                            f"{ratio:.2f}x{flag}"))
        first.flush_redis()
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 and 20,000 patients")
    parser.add_argument("--sizes", default=None, help="two patient counts, e.g. 1000,50000")
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--only", default=None,
                        help="time only the reads and jobs whose name holds this text")
    args = parser.parse_args(argv)
    sizes = tuple(int(n) for n in args.sizes.split(",")) if args.sizes else None
    with interruptible():
        print(table(run(args.quick, sizes, args.runs, args.only)))


if __name__ == "__main__":
    main()
