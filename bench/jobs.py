"""Jobs the benchmarks enqueue for ``suivi worker``: nothing but a time stamp, so the
round trip measured is RQ's own floor (enqueue → dequeue → fork → run → done)."""

import time


def stamp() -> float:
    """When the job ran (wall clock, comparable with the enqueuing process on this host)."""
    return time.time()
