"""Periodic jobs, declared as data and run by RQ's cron scheduler (``suivi scheduler``)."""

from __future__ import annotations

from dataclasses import dataclass

from backend.jobs import tasks


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    func: object
    queue: str
    interval_seconds: int


PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob("heartbeat", tasks.heartbeat, "low", 300),
)
