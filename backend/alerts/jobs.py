"""The alerts' periodic job: escalate the alerts nobody acknowledged in time."""

from __future__ import annotations

from backend import db
from backend.alerts.services import escalate_overdue
from backend.job_runtime import in_app_context


@in_app_context
def escalate_alerts() -> int:
    count = escalate_overdue()
    db.session().commit()
    return count
