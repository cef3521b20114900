"""What every benchmark returns (rows of one table) and the small statistics they share."""

from __future__ import annotations

import math
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Row:
    benchmark: str
    figure: str
    baseline: str
    ratio: str


_started = time.monotonic()


def progress(message: str) -> None:
    """A line on stderr so a long run shows where it is (the table goes to stdout)."""
    print(f"[{time.monotonic() - _started:6.1f} s] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def latency_pair(values: list[float]) -> str:
    return f"p50 {ms(percentile(values, 50))}, p99 {ms(percentile(values, 99))}"


def times(figure: float, baseline: float) -> str:
    return f"{figure / baseline:.1f}x"


def share(figure: float, baseline: float) -> str:
    return f"{100 * figure / baseline:.1f} %"


def table(rows: list[Row]) -> str:
    header = Row("benchmark", "figure", "baseline (same run)", "ratio")
    widths = [max(len(getattr(r, name)) for r in [header, *rows])
              for name in ("benchmark", "figure", "baseline", "ratio")]
    lines = []
    for index, row in enumerate([header, *rows]):
        cells = [row.benchmark, row.figure, row.baseline, row.ratio]
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


@dataclass
class Load:
    """What a closed-loop load measured: successes per second and their latencies."""

    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def add(self, other: Load) -> None:
        self.seconds += other.seconds
        self.latencies += other.latencies
        self.errors += other.errors


def closed_loop(clients: int, duration: float, action: Callable[[], bool]) -> Load:
    """``clients`` threads each calling ``action`` back to back for ``duration`` seconds.

    ``action`` returns whether it succeeded; its wall time is its latency.
    """
    start = time.perf_counter()
    deadline = start + duration
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    failure: list[BaseException] = []

    def client(index: int) -> None:
        try:
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                if action():
                    latencies[index].append(time.perf_counter() - began)
                else:
                    errors[index] += 1
        except BaseException as error:  # noqa: BLE001 (re-raised in the calling thread)
            failure.append(error)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failure:
        raise failure[0]
    return Load(time.perf_counter() - start, [x for per in latencies for x in per], sum(errors))
