"""One background thread for the network; results come back on Kivy's main thread."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from kivy.clock import Clock

log = logging.getLogger(__name__)


class Worker:
    """Jobs run one after the other (so syncs never overlap) off the main thread; their
    callbacks run on the main thread, via ``Clock.schedule_once``."""

    def __init__(self) -> None:
        self._jobs: queue.Queue = queue.Queue()
        self.pending = 0  # jobs queued or running (tests wait for 0)
        threading.Thread(target=self._loop, name="suivi-worker", daemon=True).start()

    def run(self, job: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[Exception], None] | None = None) -> None:
        self.pending += 1
        self._jobs.put((job, on_done, on_error))

    def _loop(self) -> None:
        while True:
            job, on_done, on_error = self._jobs.get()
            try:
                result, callback = job(), on_done
            except Exception as exc:  # shown to the patient by on_error, never a crash
                log.warning("background job failed: %s", exc)
                result, callback = exc, on_error
            Clock.schedule_once(lambda _dt, c=callback, r=result: self._deliver(c, r))

    def _deliver(self, callback: Callable[[Any], None] | None, result: Any) -> None:
        self.pending -= 1
        if callback is not None:
            callback(result)
