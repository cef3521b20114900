"""The audit trail's periodic job: the counted anonymous refusals become rows."""

from __future__ import annotations

from backend import db
from backend.audit import noise
from backend.job_runtime import in_app_context


@in_app_context
def flush_audit_noise() -> int:
    """Write one row for the counted anonymous refusals of each window that is over
    (``backend.audit.noise``); the number of rows written."""
    return noise.flush(db.session())
