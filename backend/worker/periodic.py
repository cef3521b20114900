"""Periodic jobs, declared as data and run by RQ's cron scheduler (``suivi scheduler``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from backend.alerts.jobs import escalate_alerts
from backend.audit.jobs import flush_audit_noise
from backend.intake.jobs import check_missed_tasks
from backend.outbox.jobs import sweep_outbox
from backend.rgpd.jobs import purge_retention
from backend.smsforms.jobs import close_idle_conversations
from backend.tasks.jobs import plan_tasks, remind_tasks
from backend.worker.heartbeat import heartbeat


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    func: Callable[[], object]
    queue: str
    interval_seconds: int


PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob("sweep-outbox", sweep_outbox, "high", 30),
    PeriodicJob("escalate-alerts", escalate_alerts, "high", 60),
    PeriodicJob("check-missed-tasks", check_missed_tasks, "default", 300),
    PeriodicJob("remind-tasks", remind_tasks, "default", 300),
    PeriodicJob("close-idle-sms-conversations", close_idle_conversations, "default", 300),
    PeriodicJob("plan-tasks", plan_tasks, "low", 3600),
    PeriodicJob("heartbeat", heartbeat, "low", 300),
    PeriodicJob("flush-audit-noise", flush_audit_noise, "low", 60),
    # Daily: periods are counted in days and years.
    PeriodicJob("retention-purge", purge_retention, "low", 86400),
)
