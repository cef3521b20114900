"""The heartbeat job: proves the scheduler → Redis → worker path works."""

from __future__ import annotations

from backend.clock import now
from backend.job_runtime import in_app_context
from backend.wiring import wiring


@in_app_context
def heartbeat() -> str:
    stamp = now().isoformat()
    wiring().redis.set("suivi:worker:heartbeat", stamp, ex=3600)
    return stamp
