"""RQ job functions. Each runs in the worker's app context and is safe to run twice."""

from __future__ import annotations

import logging

from backend.clock import now
from backend.jobs.runtime import in_app_context
from backend.redis_conn import get_redis

log = logging.getLogger(__name__)


@in_app_context
def heartbeat() -> str:
    """Proves the scheduler → Redis → worker path works (shown by /readyz later)."""
    stamp = now().isoformat()
    get_redis().set("suivi:worker:heartbeat", stamp, ex=3600)
    return stamp
