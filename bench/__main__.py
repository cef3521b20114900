"""Every benchmark, against PostgreSQL and Redis on this machine, in one table.

    python -m bench [--quick] [--only http,alerts,memory,fanout,rules,growth]

Each figure is printed beside its baseline, measured in the same run on the same
machine (so a busy machine slows both). The HTTP, alert-latency and memory benchmarks
share one stack (a fresh database, ``suivi serve`` and ``suivi worker``); the fan-out
gets its own database, the growth benchmark two (a small and a large hospital). Every
process and database is removed at the end, also on Ctrl-C or failure. See
bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import UTC, datetime

from bench import (
    bench_alert_latency,
    bench_fanout,
    bench_growth,
    bench_http,
    bench_memory,
    bench_rules,
    bench_twin,
    population,
)
from bench.report import Row, progress, table
from bench.stack import Stack, interruptible

ALL = ("rules", "http", "alerts", "memory", "fanout", "growth")
WEB_WORKERS = 3
CLIENTS = 8


def rules_rows(quick: bool) -> list[Row]:
    progress("rules engine vs hand-written rules")
    engine, hand, _ = bench_rules.measure(500 if quick else 2000)
    return [Row("rules engine (colorectal-eras v2, 14 days)",
                f"{engine:.0f} evaluations/s of CPU time", f"hand-written {hand:.0f}/s",
                f"{hand / engine:.2f}x slower (target <= 3x)")]


def stack_rows(quick: bool, only: set[str]) -> list[Row]:
    http_patients = bench_http.SETTINGS[quick]["patients"]
    alerting = bench_alert_latency.alerts_needed(quick) if only & {"alerts", "memory"} else 0
    rows: list[Row] = []
    with Stack("main") as stack:
        stack.serve(WEB_WORKERS)
        nurse = population.nurse(stack)
        progress(f"creating {http_patients + alerting} patients over HTTP")
        patients = population.patients(stack, nurse, http_patients + alerting)
        if "http" in only:
            progress(f"HTTP submissions, {CLIENTS} clients, then the INSERT ceiling")
            rows += bench_http.run(quick, stack, clients=CLIENTS,
                                   patients=patients[:http_patients])
            progress("HTTP submissions, the project vs its hand-written twin")
            rows += bench_twin.run(quick, stack, workers=WEB_WORKERS,
                                   patients=patients[:http_patients])
        if only & {"alerts", "memory"}:
            rows += bench_alert_latency.run(quick, stack, nurse, patients)
        if "memory" in only:
            rows += bench_memory.measure(stack)
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs, fewer patients")
    parser.add_argument("--only", default=",".join(ALL),
                        help=f"comma-separated subset of {', '.join(ALL)}")
    args = parser.parse_args(argv)
    only = set(args.only.split(","))
    if only - set(ALL):
        parser.error(f"unknown benchmark(s): {', '.join(sorted(only - set(ALL)))}")
    started = time.monotonic()
    load_before = os.getloadavg()[0]
    rows: list[Row] = []
    with interruptible():
        if "rules" in only:
            rows += rules_rows(args.quick)
        if only & {"http", "alerts", "memory"}:
            rows += stack_rows(args.quick, only)
        if "fanout" in only:
            rows += bench_fanout.run(args.quick)
        if "growth" in only:
            rows += bench_growth.run(args.quick)
    print(f"\nSuivi benchmarks{' (--quick)' if args.quick else ''}, "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}: "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {load_before:.1f} before / {os.getloadavg()[0]:.1f} after, "
          f"{time.monotonic() - started:.0f} s\n")
    print(table(rows))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
