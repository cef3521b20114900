"""The retention purge as a periodic job (``backend.worker.periodic``)."""

from __future__ import annotations

from backend import db
from backend.job_runtime import in_app_context
from backend.rgpd import purge


@in_app_context
def purge_retention() -> dict[str, int]:
    """Purge what is past its retention, in one transaction; the counts by category."""
    counts = purge.purge()
    db.session().commit()
    return counts
