"""The app a background job runs in and the queues jobs go to.

``suivi worker`` (or a test, or the in-process demo) hands its app over; the job bodies
of each feature (``backend/<feature>/jobs.py``) enter it with ``in_app_context``. This
module sits below both, so the worker package (which lists the periodic jobs) and the
features (whose jobs it runs) never import each other in a circle."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Flask

QUEUES = ("high", "default", "low")

_app: Flask | None = None


def worker_app() -> Flask:
    """The app this process runs jobs in, handed over by whoever started the worker."""
    if _app is None:
        raise RuntimeError("no app to run jobs in: start workers with `suivi worker`")
    return _app


def set_worker_app(app: Flask) -> None:
    """Run jobs in ``app`` (``suivi worker``; tests and the in-process demo share theirs)."""
    global _app
    _app = app


def in_app_context(job: Callable[..., Any]) -> Callable[..., Any]:
    """Run an RQ job inside the worker's app context, with its own database session."""

    @functools.wraps(job)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with worker_app().app_context():
            return job(*args, **kwargs)

    return wrapper
