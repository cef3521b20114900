"""``suivi scheduler``: RQ's cron scheduler fed from ``PERIODIC_JOBS``."""

from __future__ import annotations

from rq.cron import CronScheduler

from backend.wiring import wiring
from backend.worker.periodic import PERIODIC_JOBS


def build_scheduler() -> CronScheduler:
    scheduler = CronScheduler(connection=wiring().redis, name="suivi")
    for job in PERIODIC_JOBS:
        scheduler.register(job.func, queue_name=job.queue, interval=job.interval_seconds,
                           name=job.name)
    return scheduler


def run_scheduler() -> None:
    build_scheduler().start()
