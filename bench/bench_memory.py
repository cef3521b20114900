"""Memory: resident size of a gunicorn web worker and of an RQ worker after the load.

    python -m bench.bench_memory [--quick]

Read from /proc/<pid>/status (VmRSS) once the HTTP and alert benchmarks have run on the
stack, beside the baseline of an idle ``python -c "import backend.app"``. Standalone,
it runs the alert-latency benchmark first to have a load behind it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from bench.report import Row, table
from bench.stack import ROOT, Stack, interruptible, rss_kib


def idle_import_rss(stack: Stack) -> int:
    """RSS (KiB) of a Python process that imported the app and does nothing."""
    script = "import sys, backend.app; print('ready', flush=True); sys.stdin.read()"
    process = subprocess.Popen([sys.executable, "-c", script], env=stack.env, cwd=ROOT,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        if process.stdout.readline().strip() != "ready":
            raise RuntimeError("python -c 'import backend.app' failed")
        time.sleep(0.2)
        return rss_kib(process.pid)
    finally:
        process.stdin.close()
        process.wait(timeout=10)


def _mib(kib: float) -> str:
    return f"{kib / 1024:.0f} MiB"


def measure(stack: Stack) -> list[Row]:
    baseline = idle_import_rss(stack)
    web = [rss_kib(pid) for pid in stack.web_pids()]
    workers = [rss_kib(process.pid) for process in stack.workers]
    if not web or not workers:
        raise RuntimeError("no web or RQ worker process to measure")
    return [
        Row(f"memory: gunicorn web worker (largest of {len(web)}, after load)",
            f"RSS {_mib(max(web))}", f"idle import backend.app {_mib(baseline)}",
            f"{max(web) / baseline:.2f}x"),
        Row(f"memory: RQ worker (largest of {len(workers)}, after load)",
            f"RSS {_mib(max(workers))}", f"idle import backend.app {_mib(baseline)}",
            f"{max(workers) / baseline:.2f}x"),
    ]


def run(quick: bool = False) -> list[Row]:
    from bench import bench_alert_latency, population

    with Stack("memory") as stack:
        stack.serve(3)
        nurse = population.nurse(stack)
        people = population.patients(stack, nurse, 90 if quick else 300)
        rows = bench_alert_latency.run(quick, stack, nurse, people)
        return rows + measure(stack)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter load first")
    args = parser.parse_args(argv)
    with interruptible():
        print(table(run(args.quick)))


if __name__ == "__main__":
    main()
