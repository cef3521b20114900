"""The heartbeat job: proves the scheduler → Redis → worker path works."""

from __future__ import annotations

from backend.clock import now
from backend.wiring import wiring
from backend.worker.runtime import in_app_context


@in_app_context
def heartbeat() -> str:
    stamp = now().isoformat()
    wiring().redis.set("suivi:worker:heartbeat", stamp, ex=3600)
    return stamp
