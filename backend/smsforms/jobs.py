"""The sweep of SMS conversations left without a reply: what was answered is submitted."""

from __future__ import annotations

from backend import db
from backend.job_runtime import in_app_context
from backend.smsforms.services import close_idle


@in_app_context
def close_idle_conversations() -> int:
    """Close the SMS conversations idle for an hour (their partial sets submitted)."""
    closed = close_idle()
    db.session().commit()
    return closed
