"""The app a worker process runs its jobs in, and the queues it listens to."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Flask

QUEUES = ("high", "default", "low")

_app: Flask | None = None


def worker_app() -> Flask:
    """One app per worker process, built from the environment on first use."""
    global _app
    if _app is None:
        from backend.app import create_app

        _app = create_app()
    return _app


def set_worker_app(app: Flask) -> None:
    """Run jobs in ``app`` (tests and the in-process demo share their app)."""
    global _app
    _app = app


def in_app_context(job: Callable[..., Any]) -> Callable[..., Any]:
    """Run an RQ job inside the worker's app context, with its own database session."""

    @functools.wraps(job)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with worker_app().app_context():
            return job(*args, **kwargs)

    return wrapper
