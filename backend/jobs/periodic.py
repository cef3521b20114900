"""Periodic jobs, declared as data and run by RQ's cron scheduler (``suivi scheduler``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from backend.jobs import tasks


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    func: Callable[[], object]
    queue: str
    interval_seconds: int


PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob("sweep-outbox", tasks.sweep_outbox, "high", 30),
    PeriodicJob("escalate-alerts", tasks.escalate_alerts, "high", 60),
    PeriodicJob("check-missed-tasks", tasks.check_missed_tasks, "default", 300),
    PeriodicJob("remind-tasks", tasks.remind_tasks, "default", 300),
    PeriodicJob("plan-tasks", tasks.plan_tasks, "low", 3600),
    PeriodicJob("heartbeat", tasks.heartbeat, "low", 300),
)
