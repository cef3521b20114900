"""``suivi scheduler``: RQ's cron scheduler fed from ``PERIODIC_JOBS``."""

from __future__ import annotations

from rq.cron import CronScheduler

from backend.jobs.periodic import PERIODIC_JOBS
from backend.redis_conn import get_redis


def build_scheduler() -> CronScheduler:
    scheduler = CronScheduler(connection=get_redis(), name="suivi")
    for job in PERIODIC_JOBS:
        scheduler.register(job.func, queue_name=job.queue, interval=job.interval_seconds,
                           name=job.name)
    return scheduler


def run_scheduler() -> None:
    build_scheduler().start()
